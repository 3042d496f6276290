using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

namespace MlDb.Bench.Suites;

/// <summary>
/// Makes PowerShell's own System.Management.Automation (and what it needs) loadable in this
/// process, from a PowerShell installation folder, so that the conversion suite can build real
/// PSCustomObjects and run MlDb.PowerShell's converter on them without a PowerShell host.
/// </summary>
internal static class PowerShellHost
{
    /// <summary>
    /// The folder given, else the repository's pinned pwsh's <c>$PSHOME</c> (asked once through
    /// <c>dotnet tool run pwsh</c>); null when there is none. Assemblies missing here are then
    /// loaded from that folder.
    /// </summary>
    public static string? Find(string? given)
    {
        string? home = given ?? Environment.GetEnvironmentVariable("MLDB_PSHOME") ?? AskPinnedPwsh();
        if (home is null || !File.Exists(Path.Combine(home, "System.Management.Automation.dll"))) return null;
        // pwsh's deps.json knows where each of its assemblies is (some are per platform, under runtimes/).
        string host = Path.Combine(home, "pwsh.dll");
        var resolver = File.Exists(host) ? new AssemblyDependencyResolver(host) : null;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            string? path = resolver?.ResolveAssemblyToPath(name);
            if (path is null)
            {
                string flat = Path.Combine(home, name.Name + ".dll");
                path = File.Exists(flat) ? flat : null;
            }
            return path is null ? null : context.LoadFromAssemblyPath(path);
        };
        return home;
    }

    private static string? AskPinnedPwsh()
    {
        if (Paths.RepositoryRoot is not { } root) return null;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-Command", "$PSHOME" }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && Directory.Exists(output) ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The version of the System.Management.Automation in use (after <see cref="Find"/>).</summary>
    public static string Version() =>
        typeof(System.Management.Automation.PSObject).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(System.Management.Automation.PSObject).Assembly.GetName().Version?.ToString() ?? "?";
}
