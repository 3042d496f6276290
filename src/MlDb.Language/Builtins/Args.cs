using System.Runtime.CompilerServices;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>Argument access and checking shared by every builtin.</summary>
internal static class Args
{
    /// <summary>Argument <paramref name="i"/>, or null when fewer were passed (spec §4: missing arguments are null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MlValue At(ReadOnlySpan<MlValue> args, int i) => (uint)i < (uint)args.Length ? args[i] : MlValue.Null;

    /// <summary>True when argument <paramref name="i"/> was passed and is not null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Has(ReadOnlySpan<MlValue> args, int i) => (uint)i < (uint)args.Length && !args[i].IsNull;

    public static MlFunction Function(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsFunction) return v.AsFunction;
        throw MlError.Type($"{fn}: {Describe(v)} is not a function");
    }

    public static MlArray Array(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsArray) return v.AsArray;
        throw MlError.Type($"{fn}: expected an array, got {Describe(v)}");
    }

    public static MlObject Object(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsObject) return v.AsObject;
        throw MlError.Type($"{fn}: expected an object, got {Describe(v)}");
    }

    public static string String(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsString) return v.AsString;
        throw MlError.Type($"{fn}: expected a string, got {Describe(v)}");
    }

    /// <summary>
    /// A search argument of a string method: strings as is, numbers and booleans via <c>str()</c>
    /// (as JavaScript converts them); anything else is a TypeError.
    /// </summary>
    public static string Text(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsString) return v.AsString;
        if (v.IsNumber || v.IsBool) return MlFormat.Str(v);
        throw MlError.Type($"{fn}: expected a string, got {Describe(v)}");
    }

    /// <summary>A number argument (int, double or decimal).</summary>
    public static MlValue Number(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsNumber) return v;
        throw MlError.Type($"{fn}: expected a number, got {Describe(v)}");
    }

    public static double Double(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsNumber) return Ops.AsDoubleExact(v);
        throw MlError.Type($"{fn}: expected a number, got {Describe(v)}");
    }

    /// <summary>An exact integer argument: an int, or a double/decimal with an integral value.</summary>
    public static long Int(ReadOnlySpan<MlValue> args, int i, string fn)
    {
        var v = At(args, i);
        if (v.IsInt) return v.AsInt;
        if (v.IsDouble)
        {
            double d = v.AsDouble;
            if (d == Math.Floor(d) && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18) return (long)d;
        }
        else if (v.IsDecimal)
        {
            decimal m = v.AsDecimal;
            if (m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue) return (long)m;
        }
        throw MlError.Type($"{fn}: expected an integer, got {DescribeValue(v)}");
    }

    public static long IntOr(ReadOnlySpan<MlValue> args, int i, long fallback, string fn) =>
        Has(args, i) ? Int(args, i, fn) : fallback;

    /// <summary>
    /// A position argument with JavaScript's ToIntegerOrInfinity: ints as is, doubles truncated
    /// (NaN ⇒ 0, ±∞ ⇒ the extreme longs), decimals truncated; missing or null ⇒ <paramref name="fallback"/>.
    /// </summary>
    public static long Position(ReadOnlySpan<MlValue> args, int i, long fallback, string fn)
    {
        if (!Has(args, i)) return fallback;
        var v = args[i];
        if (v.IsInt) return v.AsInt;
        if (v.IsDouble) return TruncateToLong(v.AsDouble);
        if (v.IsDecimal)
        {
            decimal m = decimal.Truncate(v.AsDecimal);
            return m > long.MaxValue ? long.MaxValue : m < long.MinValue ? long.MinValue : (long)m;
        }
        throw MlError.Type($"{fn}: expected a number, got {Describe(v)}");
    }

    public static long TruncateToLong(double d)
    {
        if (double.IsNaN(d)) return 0;
        if (d >= 9.2233720368547758E18) return long.MaxValue;
        if (d <= -9.2233720368547758E18) return long.MinValue;
        return (long)d;
    }

    /// <summary>A relative position (negative counts from the end) clamped to [0, length].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Relative(long pos, int length)
    {
        if (pos < 0) { pos += length; return pos < 0 ? 0 : (int)pos; }
        return pos > length ? length : (int)pos;
    }

    /// <summary>A position clamped to [0, length] (negative ⇒ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Clamp(long pos, int length) => pos < 0 ? 0 : pos > length ? length : (int)pos;

    /// <summary>"an int", "a string", … for error messages.</summary>
    public static string Describe(in MlValue v) => v.IsNull ? "null" : Ops.Article(v.TypeName);

    /// <summary>Like <see cref="Describe"/>, showing numbers themselves ("2.5").</summary>
    public static string DescribeValue(in MlValue v) => v.IsNumber ? MlFormat.Str(v) : Describe(v);

    /// <summary>Checks interrupts and memory every 4096 iterations of a builtin's inner loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tick(ExecContext ctx, int i)
    {
        if ((i & 4095) == 4095) ctx.Poll();
    }
}
