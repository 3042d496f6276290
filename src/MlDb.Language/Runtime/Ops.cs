using System.Globalization;
using System.Runtime.CompilerServices;

namespace MlDb.Language.Runtime;

/// <summary>
/// The operators of spec §6: arithmetic over the int/decimal/double kinds, <c>+</c> on strings and
/// arrays, comparison and structural equality. Prepared nodes handle the int/int and
/// double/double cases inline and call here for everything else.
/// </summary>
internal static class Ops
{
    /// <summary>Returned by <see cref="CompareNumbers"/> when NaN is involved.</summary>
    public const int Unordered = int.MinValue;

    // ---- numeric kinds ----------------------------------------------------------------------

    private enum NumKind { None, Int, Decimal, Double }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NumKind NumKindOf(in MlValue v)
    {
        if (v.IsInt) return NumKind.Int;
        if (v.IsDouble) return NumKind.Double;
        if (v.IsDecimal) return NumKind.Decimal;
        return NumKind.None;
    }

    /// <summary>A decimal as the nearest double, correctly rounded (as if its text were parsed).</summary>
    public static double DecimalToDouble(decimal m) =>
        double.Parse(m.ToString(CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static double AsDoubleExact(in MlValue v)
    {
        if (v.IsDouble) return v.AsDouble;
        if (v.IsInt) return v.AsInt;
        return DecimalToDouble(v.AsDecimal);
    }

    public static decimal AsDecimal(in MlValue v) => v.IsInt ? v.AsInt : v.AsDecimal;

    private static NumKind Common(NumKind a, NumKind b) => a > b ? a : b;

    private static MlError OperandError(string op, in MlValue a, in MlValue b) =>
        MlError.Type($"unsupported operand types for {op}: {a.TypeName} and {b.TypeName}");

    private static decimal DecimalOp(Func<decimal, decimal, decimal> op, decimal a, decimal b)
    {
        try { return op(a, b); }
        catch (OverflowException) { throw MlError.Arithmetic("decimal overflow"); }
    }

    // ---- + - * / % ----------------------------------------------------------------------------

    public static MlValue Add(ExecContext ctx, in MlValue a, in MlValue b)
    {
        var ka = NumKindOf(a);
        var kb = NumKindOf(b);
        if (ka != NumKind.None && kb != NumKind.None)
        {
            switch (Common(ka, kb))
            {
                case NumKind.Int:
                    long r;
                    try { r = checked(a.AsInt + b.AsInt); }
                    catch (OverflowException) { throw MlError.IntegerOverflow(); }
                    return MlValue.FromInt(r);
                case NumKind.Decimal:
                    return MlValue.FromDecimal(DecimalOp(static (x, y) => x + y, AsDecimal(a), AsDecimal(b)));
                default:
                    return MlValue.FromDouble(AsDoubleExact(a) + AsDoubleExact(b));
            }
        }
        if (a.IsString || b.IsString)
        {
            string sa = a.IsString ? a.AsString : MlFormat.Str(a);
            string sb = b.IsString ? b.AsString : MlFormat.Str(b);
            return LargeCopy.Concat(ctx, sa, sb);
        }
        if (a.IsArray && b.IsArray) return LargeCopy.Concat(ctx, a.AsArray, b.AsArray);
        throw OperandError("+", a, b);
    }

    public static MlValue Subtract(in MlValue a, in MlValue b)
    {
        var ka = NumKindOf(a);
        var kb = NumKindOf(b);
        if (ka != NumKind.None && kb != NumKind.None)
        {
            switch (Common(ka, kb))
            {
                case NumKind.Int:
                    long r;
                    try { r = checked(a.AsInt - b.AsInt); }
                    catch (OverflowException) { throw MlError.IntegerOverflow(); }
                    return MlValue.FromInt(r);
                case NumKind.Decimal:
                    return MlValue.FromDecimal(DecimalOp(static (x, y) => x - y, AsDecimal(a), AsDecimal(b)));
                default:
                    return MlValue.FromDouble(AsDoubleExact(a) - AsDoubleExact(b));
            }
        }
        if (a.IsDate && b.IsDate)
            return MlValue.FromInt(Math.DivRem(a.AsDateTicks - b.AsDateTicks, TimeSpan.TicksPerMillisecond).Quotient);
        throw OperandError("-", a, b);
    }

    public static MlValue Multiply(in MlValue a, in MlValue b)
    {
        var ka = NumKindOf(a);
        var kb = NumKindOf(b);
        if (ka != NumKind.None && kb != NumKind.None)
        {
            switch (Common(ka, kb))
            {
                case NumKind.Int:
                    long r;
                    try { r = checked(a.AsInt * b.AsInt); }
                    catch (OverflowException) { throw MlError.IntegerOverflow(); }
                    return MlValue.FromInt(r);
                case NumKind.Decimal:
                    return MlValue.FromDecimal(DecimalOp(static (x, y) => x * y, AsDecimal(a), AsDecimal(b)));
                default:
                    return MlValue.FromDouble(AsDoubleExact(a) * AsDoubleExact(b));
            }
        }
        throw OperandError("*", a, b);
    }

    /// <summary><c>/</c> always yields a double (spec §6.2).</summary>
    public static MlValue Divide(in MlValue a, in MlValue b)
    {
        if (!a.IsNumber || !b.IsNumber) throw OperandError("/", a, b);
        double y = AsDoubleExact(b);
        if (IsZero(b)) throw MlError.DivisionByZero();
        return MlValue.FromDouble(AsDoubleExact(a) / y);
    }

    private static bool IsZero(in MlValue v) =>
        v.IsInt ? v.AsInt == 0 : v.IsDouble ? v.AsDouble == 0 : v.AsDecimal == 0m;

    /// <summary>Floored modulo: the result has the sign of the divisor.</summary>
    public static MlValue Modulo(in MlValue a, in MlValue b)
    {
        var ka = NumKindOf(a);
        var kb = NumKindOf(b);
        if (ka == NumKind.None || kb == NumKind.None) throw OperandError("%", a, b);
        if (IsZero(b)) throw MlError.DivisionByZero();
        switch (Common(ka, kb))
        {
            case NumKind.Int:
                return MlValue.FromInt(FloorMod(a.AsInt, b.AsInt));
            case NumKind.Decimal:
                {
                    decimal x = AsDecimal(a), y = AsDecimal(b);
                    decimal r = x % y;
                    if (r != 0 && (r < 0) != (y < 0)) r += y;
                    return MlValue.FromDecimal(r);
                }
            default:
                return MlValue.FromDouble(FloorMod(AsDoubleExact(a), AsDoubleExact(b)));
        }
    }

    public static long FloorMod(long a, long b)
    {
        if (b == -1) return 0;
        long r = a % b;
        if (r != 0 && (r ^ b) < 0) r += b;
        return r;
    }

    public static double FloorMod(double a, double b)
    {
        double r = a % b;
        if (r != 0 && (r < 0) != (b < 0)) r += b;
        else if (r == 0) r = b < 0 ? -0.0 : 0.0;
        return r;
    }

    /// <summary><c>floordiv(a, b)</c>: floor(a / b) in the operands' kind.</summary>
    public static MlValue FloorDivide(in MlValue a, in MlValue b)
    {
        var ka = NumKindOf(a);
        var kb = NumKindOf(b);
        if (ka == NumKind.None || kb == NumKind.None) throw OperandError("floordiv", a, b);
        if (IsZero(b)) throw MlError.DivisionByZero();
        switch (Common(ka, kb))
        {
            case NumKind.Int:
                {
                    long x = a.AsInt, y = b.AsInt;
                    if (x == long.MinValue && y == -1) throw MlError.IntegerOverflow();
                    long q = x / y;
                    if (x % y != 0 && (x < 0) != (y < 0)) q--;
                    return MlValue.FromInt(q);
                }
            case NumKind.Decimal:
                return MlValue.FromDecimal(DecimalOp(static (x, y) => decimal.Floor(x / y), AsDecimal(a), AsDecimal(b)));
            default:
                {
                    // Python's float floor division: derived from fmod so that
                    // a == floordiv(a, b) * b + a % b holds as closely as binary64 allows.
                    double x = AsDoubleExact(a), y = AsDoubleExact(b);
                    double mod = x % y;
                    double div = (x - mod) / y;
                    if (mod != 0 && (y < 0) != (mod < 0)) div -= 1.0;
                    double floordiv;
                    if (div != 0)
                    {
                        floordiv = Math.Floor(div);
                        if (div - floordiv > 0.5) floordiv += 1.0;
                    }
                    else
                    {
                        floordiv = Math.CopySign(0.0, x / y);
                    }
                    return MlValue.FromDouble(floordiv);
                }
        }
    }

    public static MlValue Negate(in MlValue a)
    {
        if (a.IsInt)
        {
            if (a.AsInt == long.MinValue) throw MlError.IntegerOverflow();
            return MlValue.FromInt(-a.AsInt);
        }
        if (a.IsDouble) return MlValue.FromDouble(-a.AsDouble);
        if (a.IsDecimal) return MlValue.FromDecimal(-a.AsDecimal);
        throw MlError.Type($"bad operand type for unary -: {a.TypeName}");
    }

    // ---- comparison -----------------------------------------------------------------------------

    /// <summary>Compares two numbers of any kinds by value; <see cref="Unordered"/> when NaN is involved.</summary>
    public static int CompareNumbers(in MlValue a, in MlValue b)
    {
        if (a.IsInt)
        {
            if (b.IsInt) return a.AsInt.CompareTo(b.AsInt);
            if (b.IsDouble) return CompareLongDouble(a.AsInt, b.AsDouble);
            return ((decimal)a.AsInt).CompareTo(b.AsDecimal);
        }
        if (a.IsDouble)
        {
            if (b.IsInt)
            {
                int c = CompareLongDouble(b.AsInt, a.AsDouble);
                return c == Unordered ? Unordered : -c;
            }
            double x = a.AsDouble, y = AsDoubleExact(b);
            if (double.IsNaN(x) || double.IsNaN(y)) return Unordered;
            return x.CompareTo(y);
        }
        // a is decimal
        if (b.IsInt) return a.AsDecimal.CompareTo((decimal)b.AsInt);
        if (b.IsDecimal) return a.AsDecimal.CompareTo(b.AsDecimal);
        {
            double x = DecimalToDouble(a.AsDecimal), y = b.AsDouble;
            if (double.IsNaN(y)) return Unordered;
            return x.CompareTo(y);
        }
    }

    /// <summary>Exact comparison of an int with a double (no rounding of the int).</summary>
    public static int CompareLongDouble(long a, double b)
    {
        if (double.IsNaN(b)) return Unordered;
        if (b >= 9223372036854775808.0) return -1;
        if (b < -9223372036854775808.0) return 1;
        double fb = Math.Floor(b);
        long lb = (long)fb;
        if (a < lb) return -1;
        if (a > lb) return 1;
        return fb == b ? 0 : -1;
    }

    /// <summary>
    /// Ordering for <c>&lt; &gt; &lt;= &gt;=</c>: numbers, strings (ordinal) or dates;
    /// <see cref="Unordered"/> for NaN; any other pair is a TypeError "cannot compare".
    /// </summary>
    public static int Compare(in MlValue a, in MlValue b)
    {
        if (a.IsNumber && b.IsNumber) return CompareNumbers(a, b);
        if (a.IsString && b.IsString) return Math.Sign(string.CompareOrdinal(a.AsString, b.AsString));
        if (a.IsDate && b.IsDate) return a.AsDateTicks.CompareTo(b.AsDateTicks);
        throw MlError.Type($"cannot compare {a.TypeName} with {b.TypeName}");
    }

    public static bool LessThan(in MlValue a, in MlValue b) { int c = Compare(a, b); return c != Unordered && c < 0; }
    public static bool LessEqual(in MlValue a, in MlValue b) { int c = Compare(a, b); return c != Unordered && c <= 0; }
    public static bool GreaterThan(in MlValue a, in MlValue b) { int c = Compare(a, b); return c != Unordered && c > 0; }
    public static bool GreaterEqual(in MlValue a, in MlValue b) { int c = Compare(a, b); return c != Unordered && c >= 0; }

    // ---- equality ---------------------------------------------------------------------------------

    /// <summary><c>==</c>: no type conversion; numbers by value; arrays and objects structurally.</summary>
    public static bool AreEqual(in MlValue a, in MlValue b) => AreEqual(a, b, 0);

    private static bool AreEqual(in MlValue a, in MlValue b, int depth)
    {
        object? ra = a._ref, rb = b._ref;
        if (ReferenceEquals(ra, rb))
        {
            if (ReferenceEquals(ra, MlValue.Tags.Double)) return a.AsDouble == b.AsDouble;
            if (ra is null || ReferenceEquals(ra, MlValue.Tags.Int) || ReferenceEquals(ra, MlValue.Tags.Bool) || ReferenceEquals(ra, MlValue.Tags.Date))
                return a._bits == b._bits;
            return true; // same reference: same string, array, object, function, decimal box or bytes
        }
        if (a.IsNumber) return b.IsNumber && CompareNumbers(a, b) == 0;
        if (ra is string sa) return rb is string sb && string.Equals(sa, sb);
        if (ra is MlArray xa)
        {
            if (rb is not MlArray ya || xa.Count != ya.Count) return false;
            EnterNested(depth);
            for (int i = 0; i < xa.Count; i++)
                if (!AreEqual(xa[i], ya[i], depth + 1)) return false;
            return true;
        }
        if (ra is MlObject xo)
        {
            if (rb is not MlObject yo || xo.Count != yo.Count) return false;
            EnterNested(depth);
            for (int i = 0; i < xo.Count; i++)
            {
                if (!yo.TryGetValue(xo.KeyAt(i), out var other)) return false;
                if (!AreEqual(xo.ValueAt(i), other, depth + 1)) return false;
            }
            return true;
        }
        if (ra is byte[] ba) return rb is byte[] bb && ba.AsSpan().SequenceEqual(bb);
        return false; // different kinds, different functions or opaque values
    }

    private static void EnterNested(int depth)
    {
        if (depth >= MlJson.MaxDepth) throw MlError.NestingLimit(MlJson.MaxDepth);
        RuntimeHelpers.EnsureSufficientExecutionStack();
        // Shared structures (a = [a, a]) make comparisons exponentially long: time and Ctrl+C still apply.
        ExecContext.Tick();
    }

    // ---- indexes and keys ------------------------------------------------------------------------

    /// <summary>An object key from an index value (spec §6.6): strings as is; numbers, booleans, null via str().</summary>
    public static string ToKey(in MlValue key)
    {
        if (key.IsString) return key.AsString;
        if (key.IsNull || key.IsBool || key.IsNumber) return MlFormat.Str(key);
        throw MlError.Type($"an object key cannot be {Article(key.TypeName)}");
    }

    /// <summary>An array/string index: an int, or a double with an integral value.</summary>
    public static long ToIndex(in MlValue index)
    {
        if (index.IsInt) return index.AsInt;
        if (index.IsDouble)
        {
            double d = index.AsDouble;
            if (d == Math.Floor(d) && Math.Abs(d) < 9.2e18) return (long)d;
            throw MlError.Type($"an index must be an integer, not {MlFormat.Double(d)}");
        }
        throw MlError.Type($"an index must be an integer, not {Article(index.TypeName)}");
    }

    public static string Article(string typeName) =>
        typeName is "int" or "array" or "object" or "undefined" ? "an " + typeName : "a " + typeName;
}
