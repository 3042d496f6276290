using Jint;
using Jint.Native;
using MlDb.Language;

namespace MlDb.Bench.Workloads;

/// <summary>
/// One benchmark workload at one row count: the same data and the same algorithm in MlDb (the
/// seed script through the public host API), Jint (the JavaScript twin) and plain C#.
/// </summary>
internal abstract class Workload
{
    public const string MlDbLayout = "MlDb input (MlObjectLayout)";
    public const string MlDbHostConverter = "MlDb input (MlHostConverter.ToMl)";
    public const string JintInput = "Jint input (JsObject/JsArray)";
    public const string MlDb = "MlDb";
    public const string MlDbOnGenericInput = "MlDb on ToMl input";
    public const string Jint = "Jint";
    public const string CSharp = "C#";
    public const string MlDbLimited = "MlDb (limits)";
    public const string JintConstrained = "Jint (constraints)";

    /// <summary>
    /// Every MlDb limit on and none binding (--limits): what the checks cost. The memory limit is the
    /// one that does work (allocation sampling, the input's baseline measured at every call).
    /// </summary>
    protected static readonly MlCallOptions Limited = new()
    {
        MaxSteps = 1L << 40,
        Timeout = TimeSpan.FromHours(1),
        MaxMemoryBytes = 8L << 30,
        MaxCollectionSize = int.MaxValue - 1,
        MaxStringLength = int.MaxValue - 1,
    };

    /// <summary>Also run MlDb under <see cref="Limited"/> and Jint under its constraints (--limits).</summary>
    public bool WithLimits { get; init; }

    private readonly Dictionary<string, string> _summaries = new(StringComparer.Ordinal);

    protected Workload(int rows) => Rows = rows;

    public int Rows { get; }

    /// <summary>Also run the MlDb execution over the rows made by MlHostConverter.ToMl (--generic-input).</summary>
    public bool RunOnGenericInput { get; init; }

    /// <summary>The last result of the generic conversion, kept when <see cref="RunOnGenericInput"/>.</summary>
    protected object? GenericInput { get; private set; }

    /// <summary>The Accept action of the generic conversion.</summary>
    protected void KeepGenericInput(object? result, int round)
    {
        if (RunOnGenericInput) GenericInput = result;
    }

    /// <summary>W1, W2, …</summary>
    public abstract string Id { get; }

    /// <summary>What runs (the function name).</summary>
    public abstract string Title { get; }

    /// <summary>Input conversions, each timed: MlDb by layout, MlDb by the generic converter, Jint.</summary>
    public abstract IReadOnlyList<Case> Conversions();

    /// <summary>Drops the .NET dictionaries that only the generic conversion reads, once it has been timed.</summary>
    public abstract void DropHostInput();

    /// <summary>The executions, each timed: MlDb, Jint, C#.</summary>
    public abstract IReadOnlyList<Case> Executions();

    /// <summary>
    /// Records an engine's result, reduced to canonical text, from the first warm-up run; the
    /// three engines must agree or the benchmark fails (a fast wrong answer measures nothing).
    /// </summary>
    protected void Record(string engine, int round, Func<string> summary)
    {
        if (round == 0) _summaries[engine] = summary();
    }

    /// <summary>
    /// Checks that every engine that ran agrees with C# (or, without C#, with the first one);
    /// returns a line saying what was checked.
    /// </summary>
    public string Verify()
    {
        if (_summaries.Count < 2) return "result not cross-checked (one engine)";
        string referenceEngine = _summaries.ContainsKey(CSharp) ? CSharp : _summaries.Keys.First();
        string reference = _summaries[referenceEngine];
        foreach (var (engine, text) in _summaries)
        {
            if (text != reference)
                throw new InvalidOperationException(
                    $"{Id} {Title} at {Rows} rows: {engine} disagrees with {referenceEngine}.\n  {referenceEngine}: {Shorten(reference)}\n  {engine}: {Shorten(text)}");
        }
        return $"{string.Join(", ", _summaries.Keys)} agree: {Shorten(reference)}";
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + $"… ({text.Length} chars)";

    /// <summary>The JavaScript twin's function name.</summary>
    protected abstract string JsFunctionName { get; }

    private Engine? _jintEngine;
    private JsValue? _jintFunction;
    private Engine? _constrainedEngine;
    private JsValue? _constrainedFunction;

    /// <summary>
    /// A second Jint engine with the constraints Jint offers (memory, statements, time, recursion),
    /// none binding; reset before each call, as a host that limits each call must.
    /// </summary>
    protected JsValue CallConstrained(JsValue argument)
    {
        var engine = _constrainedEngine ??= CreateJintEngine(o => o
            .LimitMemory(8L << 30)
            .MaxStatements(int.MaxValue)
            .TimeoutInterval(TimeSpan.FromHours(1))
            .LimitRecursion(10_000));
        _constrainedFunction ??= engine.GetValue(JsFunctionName);
        engine.Constraints.Reset();
        return engine.Call(_constrainedFunction, argument);
    }

    /// <summary>The Jint engine with workloads.js loaded; made on first use, so a run without Jint never starts one.</summary>
    protected Engine JintEngine => _jintEngine ??= CreateJintEngine();

    protected JsValue JintFunction => _jintFunction ??= JintEngine.GetValue(JsFunctionName);

    /// <summary>Starts Jint and loads the script before anything is timed.</summary>
    public void StartJint() => _ = JintFunction;

    private static Engine CreateJintEngine() => CreateJintEngine(null);

    private static Engine CreateJintEngine(Action<Jint.Options>? constraints)
    {
        // Defaults: no statement, time or memory constraints (MlDb runs with its defaults too:
        // only the 10 000 call-depth bound).
        var engine = constraints is null ? new Engine() : new Engine(constraints);
        engine.Execute(Paths.ReadScript("workloads.js"), "workloads.js");
        return engine;
    }

    protected static MlScript CompileSeed(string seedFile, string? addition = null)
    {
        var source = Paths.ReadSeed(seedFile);
        if (addition is null) return MlScript.Compile(source, seedFile);
        return MlScript.Compile(source + "\n" + Paths.ReadScript(addition), seedFile + "+" + addition);
    }
}
