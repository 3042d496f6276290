using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>
/// Hashing consistent with <c>==</c> (spec §6.4: numbers by value across kinds, strings ordinal,
/// arrays and objects structural), for <c>unique</c> and friends.
/// </summary>
internal sealed class ValueEquality : IEqualityComparer<MlValue>
{
    public static readonly ValueEquality Instance = new();

    public bool Equals(MlValue a, MlValue b) => Ops.AreEqual(a, b);

    public int GetHashCode(MlValue v)
    {
        switch (v.Kind)
        {
            case MlKind.Int: return ((double)v.AsInt).GetHashCode();
            case MlKind.Double: return v.AsDouble == 0 ? 0.0.GetHashCode() : v.AsDouble.GetHashCode();
            case MlKind.Decimal: return Ops.DecimalToDouble(v.AsDecimal).GetHashCode();
            case MlKind.String: return string.GetHashCode(v.AsString, StringComparison.Ordinal);
            case MlKind.Boolean: return v.AsBool ? 1 : 2;
            case MlKind.Date: return v.AsDateTicks.GetHashCode();
            case MlKind.Bytes: return v.AsBytes.Length;
            case MlKind.Array: return 17 + v.AsArray.Count;
            case MlKind.Object: return 31 + v.AsObject.Count;
            case MlKind.Null: return 0;
            default: return System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v._ref!);
        }
    }

    /// <summary>The first occurrence of each distinct value, in order.</summary>
    public static MlArray Unique(ExecContext ctx, ReadOnlySpan<MlValue> items)
    {
        // the set (about 24 bytes an element) and the result (16)
        ctx.Reserve(items.Length * 40L);
        var seen = new HashSet<MlValue>(Instance);
        var result = new MlArray();
        for (int i = 0; i < items.Length; i++)
        {
            var v = items[i];
            // NaN never equals itself, so each NaN is kept (as Python's set would for distinct NaN objects).
            if (seen.Add(v)) result.Add(v);
            Args.Tick(ctx, i);
        }
        return result;
    }
}
