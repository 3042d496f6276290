using System.Text;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>The mlpy builtins of spec §9.</summary>
internal static class CoreBuiltins
{
    public static readonly (string Name, BuiltinBody Body)[] All =
    [
        ("int", (ctx, a) => MlValue.FromInt(Conversions.ToInt(Args.At(a, 0)))),
        ("float", (ctx, a) => MlValue.FromDouble(Conversions.ToFloat(Args.At(a, 0)))),
        ("decimal", (ctx, a) => MlValue.FromDecimal(Conversions.ToDecimal(Args.At(a, 0)))),
        ("str", (ctx, a) => GlobalObjects.Str(ctx, Args.At(a, 0))),
        ("bool", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsTruthy)),
        ("typeof", (ctx, a) => Args.At(a, 0).TypeOf),
        ("typeName", (ctx, a) => Args.At(a, 0).TypeName),
        ("isinstance", IsInstance),
        ("len", (ctx, a) => MlValue.FromInt(Len(Args.At(a, 0)))),
        ("range", Range),
        ("enumerate", Enumerate),
        ("keys", (ctx, a) => GlobalObjects.Keys(ctx, Args.Object(a, 0, "keys"))),
        ("values", (ctx, a) => GlobalObjects.Values(ctx, Args.Object(a, 0, "values"))),
        ("print", (ctx, a) => GlobalObjects.Write(ctx, MlOutputLevel.Log, a)),
        ("sorted", Sorted),
        ("floordiv", (ctx, a) => Ops.FloorDivide(Args.At(a, 0), Args.At(a, 1))),
        ("abs", (ctx, a) => GlobalObjects.Abs(Args.At(a, 0))),
        ("min", (ctx, a) => MinMax(a, "min", wantMax: false)),
        ("max", (ctx, a) => MinMax(a, "max", wantMax: true)),
        ("round", Round),
        ("sum", Sum),
        ("reversed", Reversed),
        ("zip", Zip),
        ("any", (ctx, a) => MlValue.FromBool(AnyAll(Args.Array(a, 0, "any"), wantAll: false))),
        ("all", (ctx, a) => MlValue.FromBool(AnyAll(Args.Array(a, 0, "all"), wantAll: true))),
        ("chr", (ctx, a) => StringMethods.FromCodePoint(Args.Int(a, 0, "chr"))),
        ("ord", (ctx, a) => MlValue.FromInt(StringMethods.ToCodePoint(Args.String(a, 0, "ord")))),
        ("hex", (ctx, a) => Radix(Args.Int(a, 0, "hex"), 16, "0x")),
        ("bin", (ctx, a) => Radix(Args.Int(a, 0, "bin"), 2, "0b")),
        ("oct", (ctx, a) => Radix(Args.Int(a, 0, "oct"), 8, "0o")),
        ("callable", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsFunction)),
    ];

    private static MlValue IsInstance(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var v = Args.At(args, 0);
        string name = Args.String(args, 1, "isinstance");
        return MlValue.FromBool(v.TypeOf == name || v.TypeName == name);
    }

    public static long Len(in MlValue v)
    {
        if (v.IsString) return v.AsString.Length;
        if (v.IsArray) return v.AsArray.Count;
        if (v.IsObject) return v.AsObject.Count;
        if (v.IsBytes) return v.AsBytes.Length;
        return 0;
    }

    // ---- range / enumerate ---------------------------------------------------------------------

    private static MlValue Range(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long start, stop, step = 1;
        if (args.Length <= 1)
        {
            start = 0;
            stop = Args.Int(args, 0, "range");
        }
        else
        {
            start = Args.Int(args, 0, "range");
            stop = Args.Int(args, 1, "range");
            step = Args.IntOr(args, 2, 1, "range");
        }
        return MakeRange(ctx, start, stop, step);
    }

    public static MlArray MakeRange(ExecContext ctx, long start, long stop, long step)
    {
        if (step == 0) throw MlError.Value("range(): invalid step 0 (the step must not be zero)");
        Int128 count = step > 0
            ? (start < stop ? ((Int128)stop - start + step - 1) / step : 0)
            : (start > stop ? ((Int128)start - stop - step - 1) / -(Int128)step : 0);
        ctx.ReserveElements(count > int.MaxValue ? long.MaxValue : (long)count);
        if (count > int.MaxValue) throw MlError.SizeLimit();
        int n = (int)count;
        var items = new MlValue[n];
        long v = start;
        for (int i = 0; i < n; i++)
        {
            items[i] = MlValue.FromInt(v);
            v = unchecked(v + step);
        }
        return new MlArray(items, n);
    }

    private static MlValue Enumerate(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var items = Elements(ctx, Args.At(args, 0), "enumerate");
        long start = Args.IntOr(args, 1, 0, "enumerate");
        ctx.ReserveElements(items.Length);
        ctx.Reserve(items.Length * PairBytes);
        var result = new MlValue[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            Args.Tick(ctx, i);
            long index;
            try { index = checked(start + i); }
            catch (OverflowException) { throw MlError.IntegerOverflow(); }
            result[i] = new MlArray([MlValue.FromInt(index), items[i]], 2);
        }
        return new MlArray(result, result.Length);
    }

    /// <summary>What a new two-element array (a pair of enumerate, zip, entries) takes besides its slot.</summary>
    public const long PairBytes = 32 + 24 + 2 * MemoryMeter.SlotBytes;

    /// <summary>A snapshot of the elements of an array, or the characters of a string.</summary>
    public static MlValue[] Elements(ExecContext ctx, in MlValue v, string fn)
    {
        if (v.IsArray)
        {
            ctx.Reserve(v.AsArray.Count * MemoryMeter.SlotBytes, v);
            return v.AsArray.ToArray();
        }
        if (v.IsString)
        {
            string s = v.AsString;
            ctx.ReserveElements(s.Length, v);
            var items = new MlValue[s.Length];
            for (int i = 0; i < s.Length; i++) items[i] = MlValue.FromString(StringMethods.CharString(s[i]));
            return items;
        }
        throw MlError.Type($"{fn}: expected an array or a string, got {Args.Describe(v)}");
    }

    // ---- ordering and aggregates -------------------------------------------------------------------

    private static MlValue Sorted(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var source = Args.At(args, 0);
        MlValue[] items = source.IsObject ? GlobalObjects.Keys(ctx, source.AsObject).ToArray() : Elements(ctx, source, "sorted");
        Sorting.SortDefault(ctx, items, descending: Args.At(args, 1).IsTruthy);
        return new MlArray(items, items.Length);
    }

    /// <summary>Python's min/max: several arguments or one array; empty ⇒ null; the first extreme wins.</summary>
    private static MlValue MinMax(ReadOnlySpan<MlValue> args, string fn, bool wantMax)
    {
        ReadOnlySpan<MlValue> items = args.Length == 1 && args[0].IsArray ? args[0].AsArray.AsSpan() : args;
        if (items.Length == 0) return MlValue.Null;
        var best = items[0];
        for (int i = 1; i < items.Length; i++)
        {
            var v = items[i];
            int c = Ops.Compare(v, best);
            if (c == Ops.Unordered) continue;
            if (wantMax ? c > 0 : c < 0) best = v;
        }
        return best;
    }

    private static MlValue Round(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var x = Args.Number(args, 0, "round");
        long n = Args.IntOr(args, 1, 0, "round");
        if (x.IsInt) return MlValue.FromInt(Numeric.RoundHalfEven(x.AsInt, n));
        if (x.IsDecimal) return MlValue.FromDecimal(Numeric.RoundHalfEven(x.AsDecimal, n));
        return MlValue.FromDouble(Numeric.RoundHalfEven(x.AsDouble, n));
    }

    private static MlValue Sum(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var a = Args.Array(args, 0, "sum");
        MlValue acc = Args.Has(args, 1) ? Args.Number(args, 1, "sum") : MlValue.FromInt(0);
        var items = a.AsSpan();
        for (int i = 0; i < items.Length; i++)
        {
            var v = items[i];
            if (acc.IsInt && v.IsInt)
            {
                long r;
                try { r = checked(acc.AsInt + v.AsInt); }
                catch (OverflowException) { throw MlError.IntegerOverflow(); }
                acc = MlValue.FromInt(r);
                continue;
            }
            if (!v.IsNumber) throw MlError.Type($"sum: expected numbers, got {Args.Describe(v)} at index {i}");
            acc = Ops.Add(ctx, acc, v);
        }
        return acc;
    }

    private static MlValue Reversed(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var items = Elements(ctx, Args.At(args, 0), "reversed");
        System.Array.Reverse(items);
        return new MlArray(items, items.Length);
    }

    private static MlValue Zip(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        if (args.Length == 0) return new MlArray();
        var sources = new MlValue[args.Length][];
        int n = int.MaxValue;
        for (int k = 0; k < args.Length; k++)
        {
            sources[k] = Elements(ctx, args[k], "zip");
            n = Math.Min(n, sources[k].Length);
        }
        ctx.ReserveElements(n);
        ctx.Reserve(n * (56 + args.Length * MemoryMeter.SlotBytes));
        var result = new MlValue[n];
        for (int i = 0; i < n; i++)
        {
            Args.Tick(ctx, i);
            var tuple = new MlValue[args.Length];
            for (int k = 0; k < args.Length; k++) tuple[k] = sources[k][i];
            result[i] = new MlArray(tuple, tuple.Length);
        }
        return new MlArray(result, n);
    }

    private static bool AnyAll(MlArray a, bool wantAll)
    {
        foreach (var v in a.AsSpan())
        {
            if (v.IsTruthy != wantAll) return !wantAll;
        }
        return wantAll;
    }

    /// <summary>hex/bin/oct: Python's text (<c>0xff</c>, <c>-0x1</c>).</summary>
    private static MlValue Radix(long n, int radix, string prefix)
    {
        ulong magnitude = n < 0 ? (ulong)(-(n + 1)) + 1 : (ulong)n;
        var sb = new StringBuilder(70);
        if (n < 0) sb.Append('-');
        sb.Append(prefix);
        if (magnitude == 0) return sb.Append('0').ToString();
        Span<char> digits = stackalloc char[64];
        int len = 0;
        while (magnitude > 0)
        {
            int d = (int)(magnitude % (ulong)radix);
            digits[len++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
            magnitude /= (ulong)radix;
        }
        for (int i = len - 1; i >= 0; i--) sb.Append(digits[i]);
        return sb.ToString();
    }
}
