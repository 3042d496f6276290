using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary><c>import collections;</c> (spec §10): list-first helpers that never mutate their input.</summary>
internal static class CollectionsModule
{
    private const string P = "collections.";

    public static readonly MlObject Namespace = Ns.Functions("collections",
        ("length", (ctx, a) => MlValue.FromInt(CoreBuiltins.Len(Args.At(a, 0)))),
        ("append", (ctx, a) => Append(ctx, Args.Array(a, 0, P + "append"), Args.At(a, 1), atEnd: true)),
        ("prepend", (ctx, a) => Append(ctx, Args.Array(a, 0, P + "prepend"), Args.At(a, 1), atEnd: false)),
        ("concat", Concat),
        ("get", Get),
        ("first", (ctx, a) => Args.Array(a, 0, P + "first") is var l && l.Count > 0 ? l[0] : MlValue.Null),
        ("last", (ctx, a) => Args.Array(a, 0, P + "last") is var l && l.Count > 0 ? l[l.Count - 1] : MlValue.Null),
        ("slice", Slice),
        ("reverse", (ctx, a) => Reversed(ctx, Args.Array(a, 0, P + "reverse"))),
        ("contains", (ctx, a) => MlValue.FromBool(ArrayMethods.IndexOfValue(Args.Array(a, 0, P + "contains").AsSpan(), Args.At(a, 1), 0) >= 0)),
        ("indexOf", (ctx, a) => MlValue.FromInt(ArrayMethods.IndexOfValue(Args.Array(a, 0, P + "indexOf").AsSpan(), Args.At(a, 1), 0))),
        ("filter", (ctx, a) => Filter(ctx, Args.Array(a, 0, P + "filter"), Args.Function(a, 1, P + "filter"))),
        ("map", (ctx, a) => Map(ctx, Args.Array(a, 0, P + "map"), Args.Function(a, 1, P + "map"))),
        ("find", (ctx, a) => Find(ctx, Args.Array(a, 0, P + "find"), Args.Function(a, 1, P + "find"))),
        ("reduce", (ctx, a) => Reduce(ctx, Args.Array(a, 0, P + "reduce"), Args.Function(a, 1, P + "reduce"), a.Length > 2, Args.At(a, 2))),
        ("removeAt", RemoveAt),
        ("isEmpty", (ctx, a) => MlValue.FromBool(Args.Array(a, 0, P + "isEmpty").Count == 0)),
        ("take", (ctx, a) => Take(ctx, Args.Array(a, 0, P + "take"), Args.Int(a, 1, P + "take"))),
        ("drop", (ctx, a) => Drop(ctx, Args.Array(a, 0, P + "drop"), Args.Int(a, 1, P + "drop"))),
        ("unique", (ctx, a) => ValueEquality.Unique(ctx, Args.Array(a, 0, P + "unique").AsSpan())),
        ("flatten", (ctx, a) => Flatten(ctx, Args.Array(a, 0, P + "flatten"))),
        ("zip", (ctx, a) => Zip(ctx, Args.Array(a, 0, P + "zip"), Args.Array(a, 1, P + "zip"))),
        ("sort", Sort),
        ("sortBy", SortBy),
        ("chunk", (ctx, a) => Chunk(ctx, Args.Array(a, 0, P + "chunk"), Args.Int(a, 1, P + "chunk"), P + "chunk")),
        ("every", (ctx, a) => MlValue.FromBool(Every(ctx, Args.Array(a, 0, P + "every"), Args.Function(a, 1, P + "every")))),
        ("some", (ctx, a) => MlValue.FromBool(Some(ctx, Args.Array(a, 0, P + "some"), Args.Function(a, 1, P + "some")))));

    private static MlValue Append(ExecContext ctx, MlArray l, in MlValue v, bool atEnd)
    {
        ctx.ReserveElements(l.Count + 1L, l, v);
        var r = new MlArray(l.Count + 1);
        if (!atEnd) r.Add(v);
        LargeCopy.AppendTo(ctx, r, l.AsSpan());
        if (atEnd) r.Add(v);
        return r;
    }

    private static MlValue Concat(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var a = Args.Array(args, 0, P + "concat");
        var b = Args.Array(args, 1, P + "concat");
        return LargeCopy.Concat(ctx, a, b);
    }

    private static MlValue Get(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var l = Args.Array(args, 0, P + "get");
        long i = Args.Int(args, 1, P + "get");
        if (i < 0) i += l.Count;
        return i >= 0 && i < l.Count ? l[(int)i] : Args.At(args, 2);
    }

    /// <summary>Python slice bounds: negative counts from the end, clamped.</summary>
    private static MlValue Slice(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var l = Args.Array(args, 0, P + "slice");
        int start = Args.Relative(Args.Position(args, 1, 0, P + "slice"), l.Count);
        int end = Args.Relative(Args.Position(args, 2, l.Count, P + "slice"), l.Count);
        if (end <= start) return new MlArray();
        ctx.ReserveElements(end - start, args[0]);
        return MlArray.FromValues(l.AsSpan()[start..end]);
    }

    public static MlArray Reversed(ExecContext ctx, MlArray l)
    {
        ctx.ReserveElements(l.Count, l);
        var items = l.ToArray();
        Array.Reverse(items);
        return new MlArray(items, items.Length);
    }

    public static MlArray Filter(ExecContext ctx, MlArray l, MlFunction f)
    {
        ctx.Reserve(l.Count * MemoryMeter.SlotBytes, l);
        var items = l.ToArray();
        var r = new MlArray();
        ctx.Protect(l);
        ctx.Protect(r);
        foreach (var v in items)
            if (ctx.Call(f, v).IsTruthy) r.Add(v);
        return r;
    }

    public static MlArray Map(ExecContext ctx, MlArray l, MlFunction f)
    {
        ctx.ReserveElements(l.Count * 2L, l);
        var items = l.ToArray();
        var r = new MlArray(items.Length);
        ctx.Protect(l);
        ctx.Protect(r);
        foreach (var v in items) r.Add(ctx.Call(f, v));
        return r;
    }

    public static MlValue Find(ExecContext ctx, MlArray l, MlFunction f)
    {
        foreach (var v in l.ToArray())
            if (ctx.Call(f, v).IsTruthy) return v;
        return MlValue.Null;
    }

    public static MlValue Reduce(ExecContext ctx, MlArray l, MlFunction f, bool hasInit, MlValue init)
    {
        var items = l.ToArray();
        int i = 0;
        MlValue acc = init;
        if (!hasInit)
        {
            if (items.Length == 0) throw MlError.Type("reduce of an empty array with no initial value");
            acc = items[0];
            i = 1;
        }
        for (; i < items.Length; i++) acc = ctx.Call(f, acc, items[i]);
        return acc;
    }

    public static bool Every(ExecContext ctx, MlArray l, MlFunction f)
    {
        foreach (var v in l.ToArray())
            if (!ctx.Call(f, v).IsTruthy) return false;
        return true;
    }

    public static bool Some(ExecContext ctx, MlArray l, MlFunction f)
    {
        foreach (var v in l.ToArray())
            if (ctx.Call(f, v).IsTruthy) return true;
        return false;
    }

    private static MlValue RemoveAt(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var l = Args.Array(args, 0, P + "removeAt");
        long i = Args.Int(args, 1, P + "removeAt");
        ctx.ReserveElements(l.Count, args[0]);
        var items = l.AsSpan();
        if (i < 0 || i >= items.Length) return MlArray.FromValues(items);
        var r = new MlArray(items.Length - 1);
        r.AddRange(items[..(int)i]);
        r.AddRange(items[((int)i + 1)..]);
        return r;
    }

    /// <summary>The first <paramref name="n"/> elements (Python <c>l[:n]</c>: negative counts from the end).</summary>
    public static MlArray Take(ExecContext ctx, MlArray l, long n)
    {
        int end = Args.Relative(n, l.Count);
        ctx.ReserveElements(end, l);
        return MlArray.FromValues(l.AsSpan()[..end]);
    }

    /// <summary>Without the first <paramref name="n"/> elements (Python <c>l[n:]</c>).</summary>
    public static MlArray Drop(ExecContext ctx, MlArray l, long n)
    {
        int start = Args.Relative(n, l.Count);
        ctx.ReserveElements(l.Count - start, l);
        return MlArray.FromValues(l.AsSpan()[start..]);
    }

    /// <summary>One level: array elements are spread, others kept.</summary>
    public static MlArray Flatten(ExecContext ctx, MlArray l)
    {
        ctx.ReserveElements(l.Count * 2L, l);
        var r = new MlArray(l.Count);
        ctx.Protect(l);
        ctx.Protect(r);
        foreach (var v in l.ToArray()) LargeCopy.AppendSpread(ctx, r, v);
        return r;
    }

    public static MlArray Zip(ExecContext ctx, MlArray a, MlArray b)
    {
        int n = Math.Min(a.Count, b.Count);
        ctx.ReserveElements(n, a, b);
        ctx.Reserve(n * CoreBuiltins.PairBytes, a, b);
        var items = new MlValue[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = new MlArray([a[i], b[i]], 2);
            Args.Tick(ctx, i);
        }
        return new MlArray(items, n);
    }

    private static MlValue Sort(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var list = Args.Array(args, 0, P + "sort");
        ctx.ReserveElements(list.Count, args[0]);
        var items = list.ToArray();
        Sorting.SortDefault(ctx, items, descending: Args.At(args, 1).IsTruthy);
        return new MlArray(items, items.Length);
    }

    private static MlValue SortBy(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var list = Args.Array(args, 0, P + "sortBy");
        ctx.ReserveElements(list.Count * 3L, args[0]);
        var items = list.ToArray();
        var key = Args.Function(args, 1, P + "sortBy");
        bool descending = Args.At(args, 2).IsTruthy;
        return SortByKey(ctx, items, key, descending);
    }

    public static MlArray SortByKey(ExecContext ctx, MlValue[] items, MlFunction key, bool descending)
    {
        if (KeySort.TrySortBy(ctx, items, key, descending) is { } byKeys) return byKeys;
        var keyed = new Sorting.Keyed[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            keyed[i].Value = items[i];
            keyed[i].Key = ctx.Call(key, items[i]);
        }
        Sorting.SortKeyed(ctx, keyed, descending);
        for (int i = 0; i < items.Length; i++) items[i] = keyed[i].Value;
        return new MlArray(items, items.Length);
    }

    public static MlArray Chunk(ExecContext ctx, MlArray l, long size, string fn)
    {
        if (size <= 0) throw MlError.Value($"{fn}: invalid chunk size {size} (must be positive)");
        var items = l.AsSpan();
        long chunks = (items.Length + size - 1) / size;
        ctx.ReserveElements(chunks, l);
        ctx.Reserve(chunks * 56 + items.Length * MemoryMeter.SlotBytes, l);
        var r = new MlArray((int)chunks);
        for (long i = 0; i < items.Length; i += size)
        {
            int len = (int)Math.Min(size, items.Length - i);
            r.Add(MlArray.FromValues(items.Slice((int)i, len)));
            Args.Tick(ctx, r.Count);
        }
        return r;
    }
}
