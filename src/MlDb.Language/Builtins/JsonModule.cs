using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary><c>import json;</c> (spec §10).</summary>
internal static class JsonModule
{
    public static readonly MlObject Namespace = Ns.Functions("json",
        ("parse", (ctx, a) => MlJson.Parse(Args.String(a, 0, "json.parse"), ctx, MlJson.MaxDepth)),
        ("safeParse", SafeParse),
        ("stringify", (ctx, a) => GlobalObjects.StringifyChecked(ctx, Args.At(a, 0), null)),
        ("prettyPrint", (ctx, a) => GlobalObjects.StringifyChecked(ctx, Args.At(a, 0),
            Args.Has(a, 1) ? GlobalObjects.IndentOf(a[1]) : "    ")),
        ("validate", Validate),
        ("isObject", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsObject)),
        ("isArray", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsArray)),
        ("isString", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsString)),
        ("isNumber", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsNumber)),
        ("isBoolean", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsBool)),
        ("isNull", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsNull)),
        ("keys", (ctx, a) => GlobalObjects.Keys(ctx, Args.Object(a, 0, "json.keys"))),
        ("values", (ctx, a) => GlobalObjects.Values(ctx, Args.Object(a, 0, "json.values"))),
        ("hasKey", (ctx, a) => MlValue.FromBool(Args.Object(a, 0, "json.hasKey").ContainsKey(Ops.ToKey(Args.At(a, 1))))),
        ("get", (ctx, a) => Args.Object(a, 0, "json.get").TryGetValue(Ops.ToKey(Args.At(a, 1)), out var v) ? v : Args.At(a, 2)),
        ("merge", Merge));

    private static MlValue SafeParse(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        string text = Args.String(args, 0, "json.safeParse");
        long maxDepth = Args.IntOr(args, 1, 100, "json.safeParse");
        if (maxDepth < 1) throw MlError.Value($"json.safeParse: invalid maxDepth {maxDepth} (must be at least 1)");
        int depth = (int)Math.Min(maxDepth, MlJson.MaxDepth);
        try
        {
            return MlJson.Parse(text, ctx, depth);
        }
        catch (MlError e) when (e.IsLimit && e.Message.StartsWith("nesting depth", StringComparison.Ordinal))
        {
            throw MlError.Value($"json.safeParse: invalid document, nested deeper than {depth} levels");
        }
    }

    private static MlValue Validate(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var v = Args.At(args, 0);
        if (!v.IsString) return MlValue.False;
        try
        {
            MlJson.Parse(v.AsString, ctx, MlJson.MaxDepth);
            return MlValue.True;
        }
        catch (MlError e) when (!e.IsLimit || e.Message.StartsWith("nesting depth", StringComparison.Ordinal))
        {
            return MlValue.False;
        }
    }

    private static MlValue Merge(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var a = Args.Object(args, 0, "json.merge");
        var b = Args.Object(args, 1, "json.merge");
        ctx.ReserveElements((long)a.Count + b.Count, args[0], args[1]);
        var result = a.Clone();
        for (int i = 0; i < b.Count; i++)
        {
            result.SetFromData(b.KeyAt(i), b.ValueAt(i));
            Args.Tick(ctx, i);
        }
        ctx.CheckCollectionSize(result.Count);
        return result;
    }
}
