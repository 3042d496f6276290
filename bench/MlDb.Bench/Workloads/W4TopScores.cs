using Jint;
using Jint.Native;
using MlDb.Language;

namespace MlDb.Bench.Workloads;

/// <summary>
/// W4: rows.sort(function(a, b) { return b.score - a.score; }).slice(0, 100) over rows {id, score}.
/// The sort is in place, so every run gets a fresh (untimed) shallow copy of the input array.
/// </summary>
internal sealed class W4TopScores : Workload
{
    private readonly ScoreRow[] _scores;
    private List<Dictionary<string, object?>> _hostInput;
    private readonly MlScript _script;
    private MlArray _mlRows = new();
    private JsValue[] _jsRows = [];
    private MlValue _mlRun;
    private JsValue _jsRun = JsValue.Undefined;
    private ScoreRow[] _csRun = [];

    public W4TopScores(int rows) : base(rows)
    {
        _scores = Data.Scores(rows);
        _hostInput = _scores.Select(s => new Dictionary<string, object?> { ["id"] = s.Id, ["score"] = s.Score }).ToList();
        _script = MlScript.Compile(Paths.ReadScript("top_scores.ml"), "top_scores.ml");
    }

    public override string Id => "W4";

    protected override string JsFunctionName => "topScores";

    public override string Title => "sort(cmp).slice(0, 100)";

    public override IReadOnlyList<Case> Conversions() =>
    [
        new(MlDbLayout, ToMlByLayout, Accept: (r, _) => _mlRows = (MlArray)r!),
        new(MlDbHostConverter, () => MlHostConverter.Default.ToMl(_hostInput), Accept: KeepGenericInput, Generic: true),
        new(JintInput, ToJint, Accept: (r, _) => _jsRows = (JsValue[])r!),
    ];

    public override void DropHostInput() => _hostInput = [];

    public override IReadOnlyList<Case> Executions() =>
    [
        new(MlDb, () => _script.Call("topScores", _mlRun),
            Prepare: () =>
            {
                var copy = new MlArray(_mlRows.Count);
                copy.AddRange(_mlRows.AsSpan());
                _mlRun = MlValue.FromArray(copy);
            },
            Accept: (r, round) => Record(MlDb, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))),
        .. (RunOnGenericInput
            ? new Case[] { new(MlDbOnGenericInput, () => _script.Call("topScores", _mlRun),
                Prepare: () =>
                {
                    var source = ((MlValue)GenericInput!).AsArray;
                    var copy = new MlArray(source.Count);
                    copy.AddRange(source.AsSpan());
                    _mlRun = MlValue.FromArray(copy);
                },
                Accept: (r, round) => Record(MlDbOnGenericInput, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))) }
            : []),
        new(Jint, () => JintEngine.Call(JintFunction, _jsRun),
            Prepare: () => _jsRun = new JsArray(JintEngine, (JsValue[])_jsRows.Clone()),
            Accept: (r, round) => Record(Jint, round, () => Canon.Format(((JsValue)r!).ToObject()))),
        .. (WithLimits
            ? new Case[]
            {
                new(MlDbLimited, () => _script.Call("topScores", _mlRun, Limited),
                    Prepare: () =>
                    {
                        var copy = new MlArray(_mlRows.Count);
                        copy.AddRange(_mlRows.AsSpan());
                        _mlRun = MlValue.FromArray(copy);
                    },
                    Accept: (r, round) => Record(MlDbLimited, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))),
                new(JintConstrained, () => CallConstrained(_jsRun),
                    Prepare: () => _jsRun = new JsArray(JintEngine, (JsValue[])_jsRows.Clone()),
                    Accept: (r, round) => Record(JintConstrained, round, () => Canon.Format(((JsValue)r!).ToObject()))),
            }
            : []),
        new(CSharp, RunCSharp,
            Prepare: () => _csRun = (ScoreRow[])_scores.Clone(),
            Accept: (r, round) => Record(CSharp, round, () => Canon.Format(((ScoreRow[])r!).Select(s => new Dictionary<string, object?> { ["id"] = s.Id, ["score"] = s.Score })))),
    ];

    private object ToMlByLayout()
    {
        var layout = MlObjectLayout.For(["id", "score"]);
        var rows = new MlArray(_scores.Length);
        var values = new MlValue[2];
        foreach (var s in _scores)
        {
            values[0] = MlValue.FromInt(s.Id);
            values[1] = MlValue.FromDouble(s.Score);
            rows.Add(layout.Create(values));
        }
        return rows;
    }

    private object ToJint()
    {
        var rows = new JsValue[_scores.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var s = _scores[i];
            var row = new JsObject(JintEngine);
            row.FastSetDataProperty("id", JsNumber.Create(s.Id));
            row.FastSetDataProperty("score", JsNumber.Create(s.Score));
            rows[i] = row;
        }
        return rows;
    }

    /// <summary>The same computation in C#: a comparison sort with the same comparator, then the first 100.</summary>
    private object RunCSharp()
    {
        var rows = _csRun;
        Array.Sort(rows, static (a, b) => Math.Sign(b.Score - a.Score));
        return rows[..Math.Min(100, rows.Length)];
    }
}
