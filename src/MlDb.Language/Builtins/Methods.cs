using System.Collections.Frozen;

namespace MlDb.Language.Builtins;

/// <summary>Method lookup by receiver kind (spec §7). Tables are built once and only read afterwards.</summary>
internal static class Methods
{
    private static readonly FrozenDictionary<string, MethodBody> ArrayTable = Build(ArrayMethods.All);
    private static readonly FrozenDictionary<string, MethodBody> StringTable = Build(StringMethods.All);
    private static readonly FrozenDictionary<string, MethodBody> NumberTable = Build(ValueMethods.Number);
    private static readonly FrozenDictionary<string, MethodBody> DateTable = Build(ValueMethods.Date);
    private static readonly FrozenDictionary<string, MethodBody> BytesTable = Build(ValueMethods.Bytes);

    private static FrozenDictionary<string, MethodBody> Build((string Name, MethodBody Body)[] entries)
    {
        var d = new Dictionary<string, MethodBody>(entries.Length, StringComparer.Ordinal);
        foreach (var (name, body) in entries) d.Add(name, body);
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The method <paramref name="name"/> of values of <paramref name="kind"/>, or null when there is none.</summary>
    public static MethodBody? Find(MlKind kind, string name)
    {
        var table = kind switch
        {
            MlKind.Array => ArrayTable,
            MlKind.String => StringTable,
            MlKind.Int or MlKind.Double or MlKind.Decimal => NumberTable,
            MlKind.Date => DateTable,
            MlKind.Bytes => BytesTable,
            _ => null,
        };
        return table is not null && table.TryGetValue(name, out var body) ? body : null;
    }

    /// <summary>Every method name of <paramref name="kind"/> (for tests and completers).</summary>
    public static IEnumerable<string> Names(MlKind kind) => kind switch
    {
        MlKind.Array => ArrayTable.Keys,
        MlKind.String => StringTable.Keys,
        MlKind.Int or MlKind.Double or MlKind.Decimal => NumberTable.Keys,
        MlKind.Date => DateTable.Keys,
        MlKind.Bytes => BytesTable.Keys,
        _ => [],
    };
}
