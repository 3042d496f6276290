using System.Collections.Frozen;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>The importable modules of spec §10: frozen namespaces built once and shared.</summary>
internal static class Modules
{
    private static readonly FrozenSet<string> Refused =
        new[] { "file", "path", "http", "env", "args", "crypto" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, MlObject> Table = new Dictionary<string, MlObject>(StringComparer.Ordinal)
    {
        ["json"] = JsonModule.Namespace,
        ["math"] = MathModule.Namespace,
        ["console"] = GlobalObjects.Console,
        ["collections"] = CollectionsModule.Namespace,
        ["functional"] = FunctionalModule.Namespace,
        ["regex"] = RegexModule.Namespace,
        ["datetime"] = DatetimeModule.Namespace,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The namespace of module <paramref name="name"/>, or an ImportError.</summary>
    public static MlObject Import(string name)
    {
        if (Table.TryGetValue(name, out var ns)) return ns;
        if (Refused.Contains(name)) throw MlError.Of(ErrorTypes.ImportError, $"module '{name}' is not available in the sandbox");
        throw MlError.Of(ErrorTypes.ImportError, $"unknown module '{name}' (available: {string.Join(", ", Names)})");
    }

    /// <summary>The names that can be imported.</summary>
    public static IEnumerable<string> Names => new[] { "json", "math", "console", "collections", "functional", "regex", "datetime" };
}
