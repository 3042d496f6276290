using System.Collections.Frozen;

namespace MlDb.Language.Builtins;

/// <summary>
/// The global builtin names (spec §8 objects and §9 functions). Built once; values are immutable
/// functions, frozen namespaces and constants, shared by every script on every thread.
/// </summary>
internal static class Globals
{
    private static readonly FrozenDictionary<string, MlValue> Table = Build();

    private static FrozenDictionary<string, MlValue> Build()
    {
        var d = new Dictionary<string, MlValue>(StringComparer.Ordinal)
        {
            ["JSON"] = GlobalObjects.Json,
            ["Math"] = GlobalObjects.Math,
            ["Date"] = GlobalObjects.Date,
            ["Object"] = GlobalObjects.Object,
            ["Array"] = GlobalObjects.Array,
            ["Number"] = MlValue.FromFunction(GlobalObjects.Number),
            ["String"] = GlobalObjects.String,
            ["Error"] = GlobalObjects.Error,
            ["console"] = GlobalObjects.Console,
            ["Bytes"] = GlobalObjects.Bytes,
            ["NaN"] = MlValue.FromDouble(double.NaN),
            ["Infinity"] = MlValue.FromDouble(double.PositiveInfinity),
            ["parseInt"] = Ns.Fn("parseInt", (ctx, a) => Conversions.ParseInt(Args.At(a, 0), Args.At(a, 1))),
            ["parseFloat"] = Ns.Fn("parseFloat", (ctx, a) => MlValue.FromDouble(Conversions.ParseFloat(Args.At(a, 0)))),
        };
        foreach (var (name, body) in CoreBuiltins.All) d.Add(name, Ns.Fn(name, body));
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static bool TryGet(string name, out MlValue value) => Table.TryGetValue(name, out value);

    /// <summary>Every global name (for tests, completers and the resolver's diagnostics).</summary>
    public static IEnumerable<string> Names => Table.Keys;
}
