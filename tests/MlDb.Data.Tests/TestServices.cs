using System.Diagnostics;

namespace MlDb.Data.Tests;

/// <summary>
/// The throwaway servers of tests/services, shared by the PostgreSQL, Redis and MongoDB tests:
/// their variables (from the environment, which ./build.sh test fills from services.env, or from
/// the file MLDB_SERVICES_ENV names), the state folder that runs a given server, and the
/// per-service scripts (stop-server / start-server).
/// </summary>
internal static class TestServices
{
    public const string ServicesDirVariable = "MLDB_TEST_SERVICES_DIR";

    private static readonly Lazy<IReadOnlyList<(string Key, string Value)>> FileLines =
        new(() => ReadLines(Environment.GetEnvironmentVariable("MLDB_SERVICES_ENV")).ToArray());

    /// <summary>A variable from the environment, else from the MLDB_SERVICES_ENV file; null when unset or blank.</summary>
    public static string? Get(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
            value = FileLines.Value.LastOrDefault(l => l.Key == variable).Value;
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// The tests/services state folder whose <paramref name="service"/> server listens on
    /// <paramref name="port"/>, or null. The build script starts each service in a folder of its
    /// own, so MLDB_TEST_SERVICES_DIR may name another service's folder: every candidate (that
    /// variable, each such line of MLDB_SERVICES_ENV, and a folder named after the service beside
    /// each) is checked against the port file <paramref name="portFile"/> (relative to the folder).
    /// </summary>
    public static string? FindStateDir(string service, string portFile, string port)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable(ServicesDirVariable) is { Length: > 0 } fromEnv) candidates.Add(fromEnv);
        candidates.AddRange(FileLines.Value.Where(l => l.Key == ServicesDirVariable).Select(l => l.Value));
        foreach (var c in candidates.ToArray())
            if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(c)) is { } parent) candidates.Add(Path.Combine(parent, service));
        foreach (var c in candidates)
        {
            string file = Path.Combine(c, portFile);
            if (File.Exists(file) && File.ReadAllText(file).Trim() == port) return c;
        }
        return null;
    }

    /// <summary>tests/services/<paramref name="script"/> with the given arguments; throws when it fails or takes over 2 minutes.</summary>
    public static void RunScript(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(TestSupport.RepoRoot(), "tests", "services", script));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string call = script + " " + string.Join(' ', arguments);
        if (!process.WaitForExit(120_000))
        {
            process.Kill(true);
            throw new TimeoutException(call + " took over 2 minutes");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{call} exited with {process.ExitCode}: {stdout.Result}{stderr.Result}");
    }

    private static IEnumerable<(string Key, string Value)> ReadLines(string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path)) yield break;
        foreach (var line in File.ReadAllLines(path))
        {
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            int eq = trimmed.IndexOf('=');
            if (eq <= 0) continue;
            string value = trimmed[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0]) value = value[1..^1];
            yield return (trimmed[..eq].Trim(), value);
        }
    }
}
