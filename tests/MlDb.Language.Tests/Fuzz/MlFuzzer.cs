using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MlDb.Language.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the interpreter. Programs of the conformance corpus and the seed scripts
/// are mutated (tokens dropped, repeated, swapped or replaced by extreme numbers and strings;
/// lines repeated, dropped or taken from other programs; bombs of issue 11 inserted), compiled and
/// called under step, time and memory limits with a handful of arguments. The only exception a
/// host may ever see is <see cref="MlScriptException"/> (and <see cref="MlConversionException"/>
/// when it converts a result); anything else — or a run that ignores its time limit, or a crash of
/// the process — is a finding. Deterministic for a given seed.
/// </summary>
internal sealed partial class MlFuzzer(IReadOnlyList<string> corpus, int seed)
{
    /// <summary>A run longer than this ignored its limits (they allow 0.3 s).</summary>
    public static readonly TimeSpan HangThreshold = TimeSpan.FromSeconds(30);

    private static readonly MlCallOptions Limits = new()
    {
        MaxSteps = 50_000,
        Timeout = TimeSpan.FromMilliseconds(300),
        MaxMemoryBytes = 8L * 1024 * 1024,
        MaxCollectionSize = 100_000,
        MaxStringLength = 1_000_000,
        MaxCallDepth = 2_000,
    };

    private static readonly string[] InterestingNumbers =
    [
        "0", "-1", "1", "2", "255", "65536", "2147483647", "2147483648", "9223372036854775807", "-9223372036854775808",
        "99999999999999999999", "1000000", "100000000", "0.0", "-0.0", "0.1", "1e308", "1e-308", "3.5",
    ];

    private static readonly string[] InterestingStrings =
    [
        "\"\"", "\"x\"", "\"\\u0000\"", "\"\\ud800\"", "\"é€😀\"", "\"a,b,,c\"", "\"[1,[2,{\\\"a\\\":null}]]\"",
        "\"(a+)+$\"", "\"" + new string('y', 300) + "\"", "\"%s %d {0}\"", "\"2024-02-30T25:61:00Z\"", "\"__proto__\"",
    ];

    private static readonly string[] InterestingNames =
    [
        "range", "repeat", "split", "join", "push", "map", "filter", "reduce", "sort", "concat", "flat", "JSON", "str",
        "len", "keys", "values", "Object", "Math", "print", "regex", "collections", "functional", "null", "true", "main",
    ];

    // Each bomb of issue 11 in a form that can be dropped in anywhere a statement may stand.
    private static readonly string[] Snippets =
    [
        "while (true) { }",
        "let __s = \"x\"; while (true) { __s = __s + __s; }",
        "let __a = []; while (true) { __a.push(__a.length); }",
        "let __n = []; while (true) { __n = [__n, __n]; }",
        "let __o = {}; let __i = 0; while (true) { __o[\"k\" + str(__i)] = __i; __i = __i + 1; }",
        "let __d = [1]; for (let __k in range(40)) { __d = [__d, __d]; } print(JSON.stringify(__d).length);",
        "let __e = [1]; let __f = [1]; for (let __k in range(60)) { __e = [__e, __e]; __f = [__f, __f]; } print(__e == __f);",
        "print(\"ab\".repeat(400000000).length);",
        "print(range(50000000).length);",
        "print(JSON.parse(\"[\" + \"1,\".repeat(3000000) + \"1]\").length);",
        "function __r(n) { return __r(n + 1); } __r(0);",
        "print(str(range(100000).map(fn(x) => [x, str(x)])).length);",
    ];

    private readonly Random _random = new(seed);
    private readonly string[][] _tokens = corpus.Select(Tokenize).ToArray();
    private readonly string[][] _lines = corpus.Select(p => p.Split('\n')).ToArray();

    public int Inputs { get; private set; }
    public int Compiled { get; private set; }
    public int Calls { get; private set; }
    public int Returned { get; private set; }
    public int MlErrors { get; private set; }
    public int LimitErrors { get; private set; }
    public Dictionary<MlLimitKind, int> LimitsByKind { get; } = [];
    public List<string> Findings { get; } = [];

    [GeneratedRegex("""\s+|#[^\n]*|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_]\w*|=>|===|!==|==|!=|<=|>=|&&|\|\||[-+*/%]=|.""")]
    private static partial Regex TokenPattern();

    // Tokens are joined on one line: comments would swallow the rest of the program, so they go.
    private static string[] Tokenize(string program) =>
        TokenPattern().Matches(program).Select(m => m.Value)
            .Where(t => !string.IsNullOrWhiteSpace(t) && !t.StartsWith('#') && !t.StartsWith("//", StringComparison.Ordinal)).ToArray();

    /// <summary>A mutated program: mostly one mutation (so that most still compile and run), sometimes two or three.</summary>
    public string NextProgram()
    {
        int source = _random.Next(corpus.Count);
        int roll = _random.Next(10);
        int mutations = roll < 6 ? 1 : roll < 9 ? 2 : 3;
        if (_random.Next(4) == 0)
        {
            var lines = _lines[source].ToList();
            for (int m = 0; m < mutations && lines.Count > 0; m++) MutateLines(lines);
            return string.Join('\n', lines);
        }
        var tokens = _tokens[source].ToList();
        for (int m = 0; m < mutations && tokens.Count > 0; m++) MutateTokens(tokens);
        return string.Join(' ', tokens);
    }

    private void MutateLines(List<string> lines)
    {
        int at = _random.Next(lines.Count);
        switch (_random.Next(5))
        {
            case 0: lines.RemoveAt(at); break;
            case 1: lines.Insert(at, lines[_random.Next(lines.Count)]); break;
            case 2:
                {
                    var other = _lines[_random.Next(_lines.Length)];
                    lines.Insert(at, other[_random.Next(other.Length)]);
                    break;
                }
            case 3: (lines[at], lines[^1]) = (lines[^1], lines[at]); break;
            default: lines.Insert(at, Snippets[_random.Next(Snippets.Length)]); break;
        }
    }

    private void MutateTokens(List<string> tokens)
    {
        int at = _random.Next(tokens.Count);
        string token = tokens[at];
        // Replacements keep most programs valid; the structural edits (0-2, 6) mostly test the parser.
        int roll = _random.Next(100);
        int kind = roll < 6 ? 0 : roll < 11 ? 1 : roll < 15 ? 2 : roll < 35 ? 3 : roll < 50 ? 4 : roll < 65 ? 5 : roll < 70 ? 6 : 7;
        switch (kind)
        {
            case 0: tokens.RemoveAt(at); break;
            case 1: tokens.Insert(at, token); break;
            case 2:
                {
                    int other = _random.Next(tokens.Count);
                    (tokens[at], tokens[other]) = (tokens[other], tokens[at]);
                    break;
                }
            case 3: Replace(tokens, t => char.IsDigit(t[0]), InterestingNumbers); break;
            case 4: Replace(tokens, t => t[0] is '"' or '\'', InterestingStrings); break;
            case 5: Replace(tokens, t => (char.IsLetter(t[0]) || t[0] == '_') && !Keywords.Contains(t), InterestingNames); break;
            case 6:
                {
                    var other = _tokens[_random.Next(_tokens.Length)];
                    if (other.Length > 0) tokens.Insert(at, other[_random.Next(other.Length)]);
                    break;
                }
            default:
                {
                    // A bomb at a statement boundary (after ';' or '{'), or anywhere.
                    int boundary = tokens.FindIndex(at, t => t is ";" or "{");
                    tokens.Insert(boundary < 0 ? at : boundary + 1, Snippets[_random.Next(Snippets.Length)]);
                    break;
                }
        }
    }

    private static readonly HashSet<string> Keywords =
    [
        "function", "fn", "let", "const", "return", "if", "elif", "else", "while", "for", "in", "of", "break", "continue",
        "try", "except", "catch", "finally", "throw", "import", "as", "new", "delete", "nonlocal", "null", "true", "false",
    ];

    private string Pick(string[] choices) => choices[_random.Next(choices.Length)];

    /// <summary>Replaces one token of a kind (a number, a string, a name) by an extreme one of that kind.</summary>
    private void Replace(List<string> tokens, Func<string, bool> isOfKind, string[] choices)
    {
        var candidates = new List<int>();
        for (int i = 0; i < tokens.Count; i++) if (isOfKind(tokens[i])) candidates.Add(i);
        if (candidates.Count == 0) return;
        tokens[candidates[_random.Next(candidates.Count)]] = Pick(choices);
    }

    private MlValue[] Arguments()
    {
        switch (_random.Next(7))
        {
            case 0: return [];
            case 1: return [MlValue.Null];
            case 2: return [MlValue.FromInt(_random.Next(-5, 100))];
            case 3: return [MlValue.FromString("text " + _random.Next(1000))];
            case 4: return [MlHostConverter.Default.ToMl(new object?[] { 1L, 2.5, "three", null, true })];
            case 5:
                {
                    var rows = new List<object?>();
                    for (int i = 0; i < 5; i++) rows.Add(new Dictionary<string, object?> { ["id"] = (long)i, ["name"] = "n" + i, ["email"] = i % 2 == 0 ? "a@b.c" : "bad", ["price"] = 9.99 * i, ["stock"] = (long)i * 10 });
                    return [MlHostConverter.Default.ToMl(new Dictionary<string, object?> { ["rows"] = rows, ["items"] = rows, ["count"] = (long)rows.Count, ["records"] = rows, ["operations"] = rows })];
                }
            default: return [MlValue.FromInt(long.MaxValue), MlValue.FromDouble(double.NaN)];
        }
    }

    /// <summary>Compiles and runs one program; records anything that is not an ML error.</summary>
    public void Run(string program)
    {
        Inputs++;
        var watch = Stopwatch.StartNew();
        try
        {
            var script = MlScript.Compile(program, "fuzz.ml", Limits);
            Compiled++;
            foreach (var function in script.Functions.Take(3))
            {
                Calls++;
                var result = script.Call(function.Name, Arguments(), Limits);
                try { MlHostConverter.Default.ToHost(result); }
                catch (MlConversionException) { }
                Returned++;
            }
        }
        catch (MlScriptException e)
        {
            if (e.IsLimitError)
            {
                LimitErrors++;
                LimitsByKind[e.LimitKind] = LimitsByKind.GetValueOrDefault(e.LimitKind) + 1;
            }
            else
            {
                MlErrors++;
            }
            if (string.IsNullOrEmpty(e.Report)) Findings.Add($"an MlScriptException without a report ({e.Message})\n--- program ---\n{program}");
        }
        catch (Exception e)
        {
            Findings.Add($"{e.GetType().FullName}: {e.Message}\n{e.StackTrace}\n--- program ---\n{program}");
        }
        watch.Stop();
        if (watch.Elapsed > HangThreshold) Findings.Add($"ran {watch.Elapsed.TotalSeconds:0.0} s despite a 2 s time limit\n--- program ---\n{program}");
    }

    public string Summary(TimeSpan elapsed)
    {
        var kinds = string.Join(", ", LimitsByKind.OrderBy(k => k.Key.ToString(), StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"));
        var sb = new StringBuilder();
        sb.Append($"fuzz: {Inputs} inputs in {elapsed.TotalSeconds:0.0} s (seed {seed}): {Compiled} compiled, {Calls} calls, ");
        sb.Append($"{Returned} returned, {MlErrors} ML errors, {LimitErrors} limit errors ({kinds}), {Findings.Count} findings");
        return sb.ToString();
    }
}
