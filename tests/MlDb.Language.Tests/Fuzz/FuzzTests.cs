using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace MlDb.Language.Tests.Fuzz;

/// <summary>
/// The fuzz test of CI: a fixed budget of mutated programs (<see cref="MlFuzzer"/>), each compiled
/// and called under step, time and memory limits. It passes when no input made the engine throw
/// anything but an ML error, run past its time limit, or crash the test process (which fails the
/// run). The summary line (how many inputs, what happened to them) is in the test output and
/// printed by <c>./build.sh test</c>.
/// </summary>
/// <remarks>
/// The budget and the seed come from MLDB_FUZZ_INPUTS (default 20 000) and MLDB_FUZZ_SEED
/// (default 11). A long run, for example before a release:
/// <c>MLDB_FUZZ_INPUTS=1000000 MLDB_FUZZ_SEED=$RANDOM dotnet test tests/MlDb.Language.Tests -c Release --filter "FullyQualifiedName~FuzzTests" --logger "console;verbosity=detailed"</c>.
/// Findings are written to a folder (named in the failure) with the program that caused each.
/// </remarks>
public sealed class FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_programs_raise_nothing_but_ML_errors_and_respect_their_limits()
    {
        int inputs = int.TryParse(Environment.GetEnvironmentVariable("MLDB_FUZZ_INPUTS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 20_000;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MLDB_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : 11;
        var corpus = Directory.GetFiles(TestPaths.Conformance, "*.ml")
            .Concat(Directory.GetFiles(TestPaths.SeedMl, "*.ml"))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .ToArray();
        Assert.True(corpus.Length > 50, $"only {corpus.Length} programs to mutate");

        var fuzzer = new MlFuzzer(corpus, seed);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < inputs; i++) fuzzer.Run(fuzzer.NextProgram());
        watch.Stop();
        string summary = fuzzer.Summary(watch.Elapsed);
        output.WriteLine("[report] " + summary);

        Assert.Equal(inputs, fuzzer.Inputs);
        Assert.True(fuzzer.Calls > inputs / 10, $"too few inputs compiled to test anything: {summary}");
        Assert.True(fuzzer.LimitErrors > 0 && fuzzer.Returned > 0, summary);
        if (fuzzer.Findings.Count == 0) return;
        string folder = Path.Combine(Path.GetTempPath(), $"mldb-fuzz-findings-{seed}");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < fuzzer.Findings.Count; i++) File.WriteAllText(Path.Combine(folder, $"finding-{i + 1}.txt"), fuzzer.Findings[i]);
        Assert.Fail($"{summary}\nThe findings are in {folder}; the first:\n{fuzzer.Findings[0]}");
    }
}
