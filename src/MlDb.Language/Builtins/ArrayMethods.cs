using System.Runtime.CompilerServices;
using System.Text;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>Methods of arrays (spec §7.1). Callbacks receive (element, index, array).</summary>
internal static class ArrayMethods
{
    public static readonly (string Name, MethodBody Body)[] All =
    [
        ("push", Push), ("pop", Pop), ("shift", Shift), ("unshift", Unshift), ("splice", Splice),
        ("slice", Slice), ("concat", Concat), ("join", Join), ("indexOf", IndexOf),
        ("lastIndexOf", LastIndexOf), ("includes", Includes), ("at", At), ("map", Map),
        ("filter", Filter), ("forEach", ForEach), ("reduce", Reduce), ("find", Find),
        ("findIndex", FindIndex), ("some", Some), ("every", Every), ("sort", Sort),
        ("reverse", Reverse), ("flat", Flat), ("flatMap", FlatMap),
    ];

    private static MlValue Push(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        ctx.ReserveGrowth(a, args.Length);
        if (args.Length == 1) a.Add(args[0]);
        else a.AddRange(args);
        return MlValue.FromInt(a.Count);
    }

    private static MlValue Pop(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        if (a.Count == 0) return MlValue.Null;
        var v = a[a.Count - 1];
        a.RemoveRange(a.Count - 1, 1);
        return v;
    }

    private static MlValue Shift(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        if (a.Count == 0) return MlValue.Null;
        var v = a[0];
        a.RemoveRange(0, 1);
        return v;
    }

    private static MlValue Unshift(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        ctx.ReserveGrowth(a, args.Length);
        a.Insert(0, args);
        return MlValue.FromInt(a.Count);
    }

    private static MlValue Splice(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        int len = a.Count;
        int start = Args.Relative(Args.Position(args, 0, 0, "splice"), len);
        int count = args.Length < 2 ? len - start : Args.Clamp(Args.Position(args, 1, 0, "splice"), len - start);
        var inserts = args.Length > 2 ? args[2..] : ReadOnlySpan<MlValue>.Empty;
        ctx.ReserveGrowth(a, inserts.Length - count);
        ctx.Reserve(count * MemoryMeter.SlotBytes, self);
        var removed = a.RemoveRange(start, count);
        a.Insert(start, inserts);
        return new MlArray(removed, removed.Length);
    }

    private static MlValue Slice(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        int len = a.Count;
        int start = Args.Relative(Args.Position(args, 0, 0, "slice"), len);
        int end = Args.Relative(Args.Position(args, 1, len, "slice"), len);
        if (end <= start) return new MlArray();
        ctx.ReserveElements(end - start, self);
        return a.Slice(ctx, start, end);
    }

    private static MlValue Concat(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        long total = a.Count;
        foreach (var v in args) total += v.IsArray ? v.AsArray.Count : 1;
        ctx.ReserveElements(total, self);
        var result = new MlArray((int)total);
        LargeCopy.AppendTo(ctx, result, a.AsSpan());
        foreach (var v in args)
        {
            if (v.IsArray) LargeCopy.AppendTo(ctx, result, v.AsArray.AsSpan());
            else result.Add(v);
        }
        return result;
    }

    private static MlValue Join(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        string sep = Args.Has(args, 0) ? Args.Text(args, 0, "join") : ",";
        return JoinValues(ctx, a.AsSpan(), sep);
    }

    /// <summary>Elements via <c>str()</c>, null as "", separated by <paramref name="sep"/>.</summary>
    public static string JoinValues(ExecContext ctx, ReadOnlySpan<MlValue> items, string sep)
    {
        if (items.Length == 0) return "";
        if (items.Length == 1) return items[0].IsNull ? "" : items[0].IsString ? items[0].AsString : MlFormat.Str(items[0]);
        var sb = new StringBuilder();
        for (int i = 0; i < items.Length; i++)
        {
            var v = items[i];
            string piece = v.IsString ? v.AsString : v.IsNull ? "" : MlFormat.Str(v);
            // The text grows by this much: checked before it is appended, as one step of work.
            long grown = sb.Length + (i > 0 ? sep.Length : 0) + piece.Length;
            ctx.CheckStringLength(grown);
            if (piece.Length >= 1024 || (i & 1023) == 1023) ctx.Poll(grown * 2);
            if (i > 0) sb.Append(sep);
            sb.Append(piece);
        }
        ctx.ReserveBuilt(sb);
        return sb.ToString();
    }

    public static int IndexOfValue(ReadOnlySpan<MlValue> items, in MlValue needle, int from)
    {
        if (needle.IsString)
        {
            string s = needle.AsString;
            for (int i = from; i < items.Length; i++)
                if (items[i].TryGetString(out var t) && string.Equals(s, t)) return i;
            return -1;
        }
        if (needle.IsInt)
        {
            long n = needle.AsInt;
            for (int i = from; i < items.Length; i++)
            {
                var v = items[i];
                if (v.IsInt ? v.AsInt == n : v.IsNumber && Ops.AreEqual(v, needle)) return i;
            }
            return -1;
        }
        for (int i = from; i < items.Length; i++)
            if (Ops.AreEqual(items[i], needle)) return i;
        return -1;
    }

    private static MlValue IndexOf(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var items = self.AsArray.AsSpan();
        int from = Args.Relative(Args.Position(args, 1, 0, "indexOf"), items.Length);
        return MlValue.FromInt(IndexOfValue(items, Args.At(args, 0), from));
    }

    private static MlValue LastIndexOf(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var items = self.AsArray.AsSpan();
        var needle = Args.At(args, 0);
        long fromPos = Args.Position(args, 1, items.Length - 1, "lastIndexOf");
        long from = fromPos < 0 ? fromPos + items.Length : Math.Min(fromPos, items.Length - 1);
        for (long i = from; i >= 0; i--)
            if (Ops.AreEqual(items[(int)i], needle)) return MlValue.FromInt(i);
        return MlValue.FromInt(-1);
    }

    private static MlValue Includes(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var items = self.AsArray.AsSpan();
        int from = Args.Relative(Args.Position(args, 1, 0, "includes"), items.Length);
        return MlValue.FromBool(IndexOfValue(items, Args.At(args, 0), from) >= 0);
    }

    private static MlValue At(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        long i = Ops.ToIndex(Args.At(args, 0));
        if (i < 0) i += a.Count;
        return i >= 0 && i < a.Count ? a[(int)i] : MlValue.Null;
    }

    // ---- callbacks -----------------------------------------------------------------------------

    private static MlValue Map(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var arrValue = self;
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, "map");
        int n = a.Count;
        ctx.ReserveElements(n, self);
        var result = new MlArray(n);
        ctx.Protect(self);
        ctx.Protect(result);
        for (int i = 0; i < n && i < a.Count; i++)
            result.Add(ctx.Call(f, a[i], MlValue.FromInt(i), arrValue));
        return result;
    }

    private static MlValue Filter(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var arrValue = self;
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, "filter");
        int n = a.Count;
        var result = new MlArray();
        ctx.Protect(self);
        ctx.Protect(result);
        for (int i = 0; i < n && i < a.Count; i++)
        {
            var v = a[i];
            if (ctx.Call(f, v, MlValue.FromInt(i), arrValue).IsTruthy) result.Add(v);
        }
        return result;
    }

    private static MlValue ForEach(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var arrValue = self;
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, "forEach");
        int n = a.Count;
        for (int i = 0; i < n && i < a.Count; i++)
            ctx.Call(f, a[i], MlValue.FromInt(i), arrValue);
        return MlValue.Null;
    }

    private static MlValue Reduce(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var arrValue = self;
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, "reduce");
        int n = a.Count;
        int i = 0;
        MlValue acc;
        if (args.Length >= 2) acc = args[1];
        else
        {
            if (n == 0) throw MlError.Type("reduce of an empty array with no initial value");
            acc = a[0];
            i = 1;
        }
        for (; i < n && i < a.Count; i++)
            acc = ctx.Call(f, acc, a[i], MlValue.FromInt(i), arrValue);
        return acc;
    }

    private static int FindIndexOf(ExecContext ctx, in MlValue arrValue, ReadOnlySpan<MlValue> args, string fn)
    {
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, fn);
        int n = a.Count;
        for (int i = 0; i < n && i < a.Count; i++)
            if (ctx.Call(f, a[i], MlValue.FromInt(i), arrValue).IsTruthy) return i;
        return -1;
    }

    private static MlValue Find(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        int i = FindIndexOf(ctx, self, args, "find");
        return i < 0 ? MlValue.Null : self.AsArray[i];
    }

    private static MlValue FindIndex(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) =>
        MlValue.FromInt(FindIndexOf(ctx, self, args, "findIndex"));

    private static MlValue Some(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) =>
        MlValue.FromBool(FindIndexOf(ctx, self, args, "some") >= 0);

    private static MlValue Every(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var arrValue = self;
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, "every");
        int n = a.Count;
        for (int i = 0; i < n && i < a.Count; i++)
            if (!ctx.Call(f, a[i], MlValue.FromInt(i), arrValue).IsTruthy) return MlValue.False;
        return MlValue.True;
    }

    // ---- order -------------------------------------------------------------------------------

    private static MlValue Sort(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var a = self.AsArray;
        ctx.Reserve(a.Count * MemoryMeter.SlotBytes, self);
        var cmp = Args.Has(args, 0) ? Args.Function(args, 0, "sort") : null;
        if (cmp is not null && KeySort.TrySort(ctx, a, cmp)) return self;
        var items = a.ToArray();
        if (cmp is not null) Sorting.SortWith(ctx, items, cmp);
        else Sorting.SortDefault(ctx, items, descending: false);
        ReplaceContents(a, items);
        return self;
    }

    /// <summary>Writes sorted elements back (the comparator may have resized the array meanwhile).</summary>
    internal static void ReplaceContents(MlArray a, MlValue[] items)
    {
        if (a.Count == items.Length) items.CopyTo(a.AsMutableSpan());
        else
        {
            a.Clear();
            a.AddRange(items);
        }
    }

    private static MlValue Reverse(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        self.AsArray.Reverse();
        return self;
    }

    private static MlValue Flat(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        long depth = Args.Position(args, 0, 1, "flat");
        var result = new MlArray();
        ctx.Protect(self);
        ctx.Protect(result);
        FlattenInto(ctx, result, self.AsArray, depth, 0);
        return result;
    }

    internal static void FlattenInto(ExecContext ctx, MlArray result, MlArray source, long depth, int level)
    {
        if (level >= MlJson.MaxDepth) throw MlError.NestingLimit(MlJson.MaxDepth);
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var items = source.ToArray();
        for (int i = 0; i < items.Length; i++)
        {
            var v = items[i];
            if (depth > 0 && v.IsArray) FlattenInto(ctx, result, v.AsArray, depth - 1, level + 1);
            else
            {
                ctx.ReserveGrowth(result, 1);
                result.Add(v);
            }
            Args.Tick(ctx, i);
        }
    }

    private static MlValue FlatMap(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var arrValue = self;
        var a = arrValue.AsArray;
        var f = Args.Function(args, 0, "flatMap");
        int n = a.Count;
        ctx.ReserveElements(n, self);
        var result = new MlArray(n);
        ctx.Protect(self);
        ctx.Protect(result);
        for (int i = 0; i < n && i < a.Count; i++)
        {
            LargeCopy.AppendSpread(ctx, result, ctx.Call(f, a[i], MlValue.FromInt(i), arrValue));
        }
        return result;
    }
}
