using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace MlDb.PowerShell.Loading;

/// <summary>
/// The private <see cref="AssemblyLoadContext"/> that holds MlDb.Language, MlDb.Data and every
/// database driver with its native libraries, all of which ship in the module's <c>deps/</c>
/// folder. Assemblies loaded here are invisible to other modules of the session, so MlDb imports
/// beside modules that carry other versions of the same drivers, and theirs cannot break MlDb.
/// </summary>
/// <remarks>
/// Managed names resolve through the <see cref="AssemblyDependencyResolver"/> of
/// <c>deps/MlDb.Data.dll</c> (its <c>.deps.json</c>), then a file of that name in <c>deps/</c>;
/// anything else (the .NET framework itself) falls back to the default context. An assembly that
/// the running framework already provides at the same or a higher version is left to the
/// framework, so no second copy of a framework assembly is ever made. Native libraries
/// (<c>e_sqlite3</c> for SQLitePCLRaw) resolve the same way, from <c>deps/runtimes/&lt;rid&gt;/native</c>.
/// </remarks>
internal sealed class PrivateLoadContext : AssemblyLoadContext
{
    /// <summary>The name of this load context, as <see cref="AssemblyLoadContext.Name"/> shows it.</summary>
    public const string ContextName = "MlDb";

    /// <summary>The folder beside MlDb.PowerShell.dll that holds the private assemblies.</summary>
    public const string DependencyFolderName = "deps";

    /// <summary>The assembly whose <c>.deps.json</c> describes the whole private closure.</summary>
    public const string AnchorAssemblyName = "MlDb.Data";

    private static readonly string FrameworkDirectory =
        Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;

    private readonly Lazy<AssemblyDependencyResolver?> _resolver;
    private readonly object _loadGate = new();
    private readonly ConcurrentDictionary<string, Assembly> _managed = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, IntPtr> _native = new(StringComparer.Ordinal);

    public PrivateLoadContext(string dependencyDirectory)
        : base(ContextName, isCollectible: false)
    {
        DependencyDirectory = dependencyDirectory;
        // Read deps.json on the first load, not at import.
        _resolver = new Lazy<AssemblyDependencyResolver?>(CreateResolver, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The full path of the <c>deps/</c> folder this context loads from.</summary>
    public string DependencyDirectory { get; }

    /// <summary>True when <paramref name="simpleName"/> names an assembly shipped in <c>deps/</c>.</summary>
    public bool Ships(string simpleName) =>
        File.Exists(Path.Combine(DependencyDirectory, simpleName + ".dll"));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (string.IsNullOrEmpty(name))
            return null;

        if (_managed.TryGetValue(name, out var loaded))
            return loaded;

        var path = _resolver.Value?.ResolveAssemblyToPath(assemblyName);
        if (path is null)
        {
            var candidate = Path.Combine(DependencyDirectory, name + ".dll");
            if (File.Exists(candidate))
                path = candidate;
        }

        // Not ours (the framework, most often), or ours but the framework has it as well: the
        // default context answers, so there is one copy of every framework assembly.
        if (path is null || IsProvidedByFramework(assemblyName))
            return null;

        // One load per name, even when two threads ask at once (a second load of the same
        // name into one context would throw).
        lock (_loadGate)
        {
            if (_managed.TryGetValue(name, out loaded))
                return loaded;

            var assembly = LoadFromAssemblyPath(path);
            _managed[name] = assembly;
            return assembly;
        }
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        if (_native.TryGetValue(unmanagedDllName, out var handle))
            return handle;

        var path = _resolver.Value?.ResolveUnmanagedDllToPath(unmanagedDllName) ?? ProbeNative(unmanagedDllName);
        if (path is null)
            return IntPtr.Zero;

        // Loading a library twice is harmless (the OS counts references); the first handle is kept.
        handle = LoadUnmanagedDllFromPath(path);
        return _native.GetOrAdd(unmanagedDllName, handle);
    }

    private AssemblyDependencyResolver? CreateResolver()
    {
        var anchor = Path.Combine(DependencyDirectory, AnchorAssemblyName + ".dll");
        if (!File.Exists(anchor))
            return null;

        try
        {
            return new AssemblyDependencyResolver(anchor);
        }
        catch (InvalidOperationException)
        {
            // The host cannot resolve components (a single-file host, say): the file probing
            // still finds everything that ships flat in deps/.
            return null;
        }
    }

    private static bool IsProvidedByFramework(AssemblyName requested)
    {
        if (FrameworkDirectory.Length == 0)
            return false;

        var frameworkFile = Path.Combine(FrameworkDirectory, requested.Name + ".dll");
        if (!File.Exists(frameworkFile))
            return false;

        try
        {
            var available = AssemblyName.GetAssemblyName(frameworkFile).Version;
            return requested.Version is null || (available is not null && available >= requested.Version);
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private string? ProbeNative(string name)
    {
        foreach (var directory in NativeDirectories())
        {
            foreach (var file in NativeFileNames(name))
            {
                var candidate = Path.Combine(directory, file);
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        return null;
    }

    private IEnumerable<string> NativeDirectories()
    {
        var runtimes = Path.Combine(DependencyDirectory, "runtimes");
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";

        yield return Path.Combine(runtimes, RuntimeInformation.RuntimeIdentifier, "native");
        if (os == "linux" && IsMusl())
            yield return Path.Combine(runtimes, $"linux-musl-{arch}", "native");
        yield return Path.Combine(runtimes, $"{os}-{arch}", "native");
        yield return DependencyDirectory;
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows())
        {
            yield return name + ".dll";
        }
        else
        {
            var suffix = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
            yield return "lib" + name + suffix;
            yield return name + suffix;
            yield return "lib" + name;
        }
    }

    private static bool IsMusl()
    {
        try
        {
            return File.ReadAllText("/proc/self/maps").Contains("musl", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
