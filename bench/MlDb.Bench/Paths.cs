using System.Reflection;

namespace MlDb.Bench;

/// <summary>Finds the shared folder (../shared beside the repository) that holds the seed scripts.</summary>
internal static class Paths
{
    private static readonly Lazy<string> SharedFolder = new(FindShared);

    public static string Shared => SharedFolder.Value;

    public static string SeedMl => Path.Combine(Shared, "seed", "ml");

    /// <summary>The bench's own scripts (ML additions and the JavaScript twins), copied beside the binary.</summary>
    public static string Scripts => Path.Combine(AppContext.BaseDirectory, "Scripts");

    /// <summary>The repository root this binary was built from (null when it cannot be found).</summary>
    public static string? RepositoryRoot
    {
        get
        {
            var root = typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
            return root is not null && Directory.Exists(root) ? root : null;
        }
    }

    public static string ReadSeed(string fileName) => File.ReadAllText(Path.Combine(SeedMl, fileName));

    public static string ReadScript(string fileName) => File.ReadAllText(Path.Combine(Scripts, fileName));

    private static string FindShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MLDB_SHARED");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv)) return fromEnv;
        var start = RepositoryRoot ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlDb.PowerShell.sln")))
            {
                var shared = Path.Combine(dir.Parent!.FullName, "shared");
                if (Directory.Exists(shared)) return shared;
                throw new DirectoryNotFoundException($"The shared folder was not found at {shared} (set MLDB_SHARED to its path).");
            }
        }
        throw new DirectoryNotFoundException("The repository root (MlDb.PowerShell.sln) was not found above " + start + "; set MLDB_SHARED.");
    }
}
