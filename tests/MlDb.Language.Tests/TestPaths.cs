namespace MlDb.Language.Tests;

/// <summary>Finds the shared specification folder (../shared beside the repository, as CI has it).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> SharedFolder = new(FindShared);

    public static string Shared => SharedFolder.Value;

    public static string Conformance => Path.Combine(Shared, "conformance");

    public static string SeedMl => Path.Combine(Shared, "seed", "ml");

    private static string FindShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MLDB_SHARED");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv)) return fromEnv;
        var root = typeof(TestPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        var start = root is not null && Directory.Exists(root) ? root : AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlDb.PowerShell.sln")))
            {
                var shared = Path.Combine(dir.Parent!.FullName, "shared");
                if (Directory.Exists(shared)) return shared;
                throw new DirectoryNotFoundException($"The shared specification folder was not found at {shared} (set MLDB_SHARED to its path).");
            }
        }
        throw new DirectoryNotFoundException("The repository root (MlDb.PowerShell.sln) was not found above " + AppContext.BaseDirectory + "; set MLDB_SHARED.");
    }
}
