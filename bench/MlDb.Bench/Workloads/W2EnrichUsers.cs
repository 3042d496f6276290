using Jint;
using Jint.Native;
using MlDb.Language;

namespace MlDb.Bench.Workloads;

/// <summary>
/// W2: db_processors.ml validateUser plus the bench's enrichUser (enrich_user.ml), one host call
/// per user row {id, name, email, age}: this measures the cost of a host → script call.
/// </summary>
internal sealed class W2EnrichUsers : Workload
{
    private readonly User[] _users;
    private Dictionary<string, object?>[] _hostRows;
    private readonly MlScript _script;
    private MlValue[] _mlRows = [];
    private JsValue[] _jsRows = [];

    public W2EnrichUsers(int rows) : base(rows)
    {
        _users = Data.Users(rows);
        _hostRows = _users.Select(u => new Dictionary<string, object?> { ["id"] = u.Id, ["name"] = u.Name, ["email"] = u.Email, ["age"] = u.Age }).ToArray();
        _script = CompileSeed("db_processors.ml", "enrich_user.ml");
    }

    public override string Id => "W2";

    protected override string JsFunctionName => "enrichUser";

    public override string Title => "validateUser+enrich, 1 call/row";

    public override IReadOnlyList<Case> Conversions() =>
    [
        new(MlDbLayout, ToMlByLayout, Accept: (r, _) => _mlRows = (MlValue[])r!),
        new(MlDbHostConverter, ToMlByConverter, Accept: KeepGenericInput, Generic: true),
        new(JintInput, ToJint, Accept: (r, _) => _jsRows = (JsValue[])r!),
    ];

    public override void DropHostInput() => _hostRows = [];

    public override IReadOnlyList<Case> Executions() =>
    [
        new(MlDb, () => RunMlDb(_mlRows), Accept: (r, round) => Record(MlDb, round, () => SummarizeMl((MlValue[])r!))),
        .. (RunOnGenericInput
            ? new Case[] { new(MlDbOnGenericInput, () => RunMlDb((MlValue[])GenericInput!),
                Accept: (r, round) => Record(MlDbOnGenericInput, round, () => SummarizeMl((MlValue[])r!))) }
            : []),
        new(Jint, RunJint, Accept: (r, round) => Record(Jint, round, () => SummarizeJs((JsValue[])r!))),
        new(CSharp, RunCSharp, Accept: (r, round) => Record(CSharp, round, () => SummarizeCs((Enriched[])r!))),
        .. (WithLimits
            ? new Case[]
            {
                new(MlDbLimited, () => RunMlDb(_mlRows, Limited), Accept: (r, round) => Record(MlDbLimited, round, () => SummarizeMl((MlValue[])r!))),
                new(JintConstrained, RunJintConstrained, Accept: (r, round) => Record(JintConstrained, round, () => SummarizeJs((JsValue[])r!))),
            }
            : []),
    ];

    private object ToMlByLayout()
    {
        var layout = MlObjectLayout.For(["id", "name", "email", "age"]);
        var rows = new MlValue[_users.Length];
        var values = new MlValue[4];
        for (int i = 0; i < rows.Length; i++)
        {
            var u = _users[i];
            values[0] = MlValue.FromInt(u.Id);
            values[1] = MlValue.FromString(u.Name);
            values[2] = MlValue.FromString(u.Email);
            values[3] = MlValue.FromInt(u.Age);
            rows[i] = MlValue.FromObject(layout.Create(values));
        }
        return rows;
    }

    /// <summary>The generic path converts each row on its own, as a per-row flow would.</summary>
    private object ToMlByConverter()
    {
        var rows = new MlValue[_hostRows.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = MlHostConverter.Default.ToMl(_hostRows[i]);
        return rows;
    }

    private object ToJint()
    {
        var rows = new JsValue[_users.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var u = _users[i];
            var row = new JsObject(JintEngine);
            row.FastSetDataProperty("id", JsNumber.Create(u.Id));
            row.FastSetDataProperty("name", JsString.Create(u.Name));
            row.FastSetDataProperty("email", JsString.Create(u.Email));
            row.FastSetDataProperty("age", JsNumber.Create(u.Age));
            rows[i] = row;
        }
        return rows;
    }

    private object RunMlDb(MlValue[] rows, MlCallOptions? options = null)
    {
        var results = new MlValue[rows.Length];
        for (int i = 0; i < rows.Length; i++) results[i] = _script.Call("enrichUser", rows[i], options);
        return results;
    }

    private object RunJintConstrained()
    {
        var rows = _jsRows;
        var results = new JsValue[rows.Length];
        for (int i = 0; i < rows.Length; i++) results[i] = CallConstrained(rows[i]);
        return results;
    }

    private object RunJint()
    {
        var rows = _jsRows;
        var results = new JsValue[rows.Length];
        var engine = JintEngine;
        var function = JintFunction;
        var args = new JsValue[1];
        for (int i = 0; i < rows.Length; i++)
        {
            args[0] = rows[i];
            results[i] = engine.Call(function, args);
        }
        return results;
    }

    private object RunCSharp()
    {
        var rows = _users;
        var results = new Enriched[rows.Length];
        for (int i = 0; i < rows.Length; i++) results[i] = Enrich(rows[i]);
        return results;
    }

    private static User ValidateUser(User user)
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(user.Name) || user.Name.Length < 2) errors.Add("Name must be at least 2 characters");
        if (string.IsNullOrEmpty(user.Email) || user.Email.IndexOf('@', StringComparison.Ordinal) < 0) errors.Add("Invalid email address");
        if (user.Age == 0 || user.Age < 0 || user.Age > 150) errors.Add("Age must be between 0 and 150");
        if (errors.Count > 0) throw new InvalidOperationException("Validation failed: " + string.Join(", ", errors));
        return user;
    }

    private static Enriched Enrich(User user)
    {
        var valid = ValidateUser(user);
        string domain = valid.Email.Split('@')[1];
        long age = valid.Age;
        string ageGroup = age < 18 ? "minor" : age < 30 ? "young" : age < 50 ? "adult" : age < 65 ? "middle" : "senior";
        return new Enriched(valid.Id, valid.Name, valid.Email, domain, ageGroup);
    }

    private sealed record Enriched(long Id, string Name, string Email, string Domain, string AgeGroup);

    // The summary: how many rows per (domain, age group), plus the sum of ids and of name/email lengths.

    private static string SummarizeMl(MlValue[] results) =>
        Summarize(results.Length, i =>
        {
            var o = results[i].AsObject;
            return (o.Get("id").AsInt, o.Get("name").AsString, o.Get("email").AsString, o.Get("domain").AsString, o.Get("age_group").AsString);
        });

    private static string SummarizeJs(JsValue[] results) =>
        Summarize(results.Length, i =>
        {
            var o = results[i].AsObject();
            return ((long)o.Get("id").AsNumber(), o.Get("name").AsString(), o.Get("email").AsString(), o.Get("domain").AsString(), o.Get("age_group").AsString());
        });

    private static string SummarizeCs(Enriched[] results) =>
        Summarize(results.Length, i => (results[i].Id, results[i].Name, results[i].Email, results[i].Domain, results[i].AgeGroup));

    private static string Summarize(int count, Func<int, (long Id, string Name, string Email, string Domain, string AgeGroup)> read)
    {
        var groups = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long ids = 0, lengths = 0;
        for (int i = 0; i < count; i++)
        {
            var r = read(i);
            ids += r.Id;
            lengths += r.Name.Length + r.Email.Length;
            string key = r.Domain + "/" + r.AgeGroup;
            groups[key] = groups.GetValueOrDefault(key) + 1;
        }
        return $"rows={count} ids={ids} lengths={lengths} " + string.Join(" ", groups.Select(g => g.Key + "=" + g.Value));
    }
}
