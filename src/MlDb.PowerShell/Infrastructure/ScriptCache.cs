using System.Collections.Concurrent;
using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>
/// Compiled scripts by full path and last-write time: a path given to <c>-Script</c> compiles
/// once, and again only after the file changes. Shared by every runspace of the process (a
/// compiled script is immutable code and may be called from several threads at once).
/// </summary>
internal static class ScriptCache
{
    private static readonly ConcurrentDictionary<string, MlScriptInfo> Scripts = new(StringComparer.Ordinal);

    /// <summary>The compiled script of a full file-system path. Throws MlScriptException (compile errors) or IOException.</summary>
    public static MlScriptInfo Get(string fullPath, MlCallOptions? options = null)
    {
        var lastWrite = File.GetLastWriteTimeUtc(fullPath);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"The ML script '{fullPath}' does not exist.", fullPath);
        if (Scripts.TryGetValue(fullPath, out var cached) && cached.LastWriteTimeUtc == lastWrite) return cached;
        return Compile(fullPath, lastWrite, options);
    }

    /// <summary>The compiled script of a path when the file has not changed since it was compiled (no ML runs).</summary>
    public static bool TryGetCurrent(string fullPath, out MlScriptInfo info)
    {
        if (Scripts.TryGetValue(fullPath, out var cached) && File.Exists(fullPath) && cached.LastWriteTimeUtc == File.GetLastWriteTimeUtc(fullPath))
        {
            info = cached;
            return true;
        }
        info = null!;
        return false;
    }

    private static MlScriptInfo Compile(string fullPath, DateTime lastWrite, MlCallOptions? options)
    {
        string source = File.ReadAllText(fullPath);
        var script = MlScript.Compile(source, fullPath, options);
        var info = new MlScriptInfo(script, fullPath, lastWrite, script.FunctionNames.ToArray());
        Scripts[fullPath] = info;
        return info;
    }

    /// <summary>Compiles without caching (Test-MlScript checks the file as it is now).</summary>
    public static MlScript CompileFresh(string fullPath, MlCallOptions? options = null) =>
        MlScript.Compile(File.ReadAllText(fullPath), fullPath, options);
}
