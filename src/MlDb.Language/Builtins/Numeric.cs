using System.Globalization;
using System.Numerics;
using System.Text;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>
/// Exact rounding and number formatting: Python's <c>round</c> (half to even on the exact binary
/// value), JavaScript's <c>toFixed</c> (half away from zero on the exact value), and the
/// double → int conversions of <c>Math.floor</c> and friends.
/// </summary>
internal static class Numeric
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Powers of ten that are exact doubles (10^0 … 10^22).</summary>
    private static readonly double[] ExactPow10 = BuildPow10();

    private static double[] BuildPow10()
    {
        var p = new double[23];
        p[0] = 1;
        for (int i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }

    // ---- double → int ------------------------------------------------------------------------

    /// <summary>An integral double as an int; NaN/∞ ⇒ ArithmeticError, outside int64 ⇒ "integer overflow".</summary>
    public static long IntegralDoubleToLong(double d, string fn)
    {
        if (double.IsNaN(d) || double.IsInfinity(d))
            throw MlError.Arithmetic($"{fn}: cannot convert {MlFormat.Double(d)} to an integer");
        if (d >= 9.2233720368547758E18 || d < -9.2233720368547758E18) throw MlError.IntegerOverflow();
        return (long)d;
    }

    public static long DecimalToLong(decimal m)
    {
        if (m > long.MaxValue || m < long.MinValue) throw MlError.IntegerOverflow();
        return (long)m;
    }

    /// <summary>Decomposes a finite, non-negative double into mantissa · 2^exponent.</summary>
    private static (BigInteger Mantissa, int Exponent) Decompose(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x) & long.MaxValue;
        int exp = (int)(bits >> 52);
        long mant = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0) exp = 1;
        else mant |= 1L << 52;
        return (mant, exp - 1075);
    }

    /// <summary>Rounds numerator/denominator (both non-negative) to an integer.</summary>
    private static BigInteger RoundRatio(BigInteger num, BigInteger den, bool halfEven)
    {
        var q = BigInteger.DivRem(num, den, out var r);
        var twice = r << 1;
        int c = twice.CompareTo(den);
        if (c > 0 || (c == 0 && (!halfEven || !q.IsEven))) q += BigInteger.One;
        return q;
    }

    // ---- Python round ----------------------------------------------------------------------

    /// <summary><c>round(x, n)</c> for a double: half to even on the exact binary value, correctly rounded result.</summary>
    public static double RoundHalfEven(double x, long n)
    {
        if (!double.IsFinite(x) || x == 0) return x;
        if (n > 323) return x;
        if (n < -308) return Math.CopySign(0.0, x);
        double ax = Math.Abs(x);

        // Fast path: x·10^n computed in binary64 is within an ulp of the exact product; when it is
        // clearly away from a .5 boundary, rounding it gives the exact answer, and q / 10^n (both
        // exact doubles) is then correctly rounded by IEEE division.
        if (n >= 0 && n <= 22)
        {
            double p = ExactPow10[n];
            double y = ax * p;
            if (y < 4503599627370496.0) // 2^52
            {
                double fl = Math.Floor(y);
                double frac = y - fl;
                double tolerance = 4 * (Math.BitIncrement(y) - y);
                if (Math.Abs(frac - 0.5) > tolerance)
                {
                    double q = frac > 0.5 ? fl + 1 : fl;
                    return Math.CopySign(q / p, x);
                }
            }
        }

        var (mant, exp) = Decompose(ax);
        BigInteger num = exp >= 0 ? mant << exp : mant;
        BigInteger den = exp >= 0 ? BigInteger.One : BigInteger.One << -exp;
        if (n >= 0) num *= BigInteger.Pow(10, (int)n);
        else den *= BigInteger.Pow(10, (int)-n);
        var rounded = RoundRatio(num, den, halfEven: true);
        if (rounded.IsZero) return Math.CopySign(0.0, x);
        double result = double.Parse(rounded.ToString(Inv) + "E" + (-n).ToString(Inv), NumberStyles.Float, Inv);
        return Math.CopySign(result, x);
    }

    /// <summary><c>round(x, n)</c> for an int: unchanged for n ≥ 0, half to even at 10^-n otherwise.</summary>
    public static long RoundHalfEven(long x, long n)
    {
        if (n >= 0) return x;
        if (n < -18) return 0; // |x| < 0.5·10^19
        long p = 1;
        for (long i = 0; i < -n; i++) p *= 10;
        long q = x / p;
        long rem = x - q * p;
        long twice = Math.Abs(rem) * 2; // |rem| < p ≤ 10^18, so no overflow
        if (twice > p || (twice == p && (q & 1) != 0)) q += x < 0 ? -1 : 1;
        try { return checked(q * p); }
        catch (OverflowException) { throw MlError.IntegerOverflow(); }
    }

    /// <summary><c>round(x, n)</c> for a decimal: half to even, quantized to <paramref name="n"/> places (Python's Decimal).</summary>
    public static decimal RoundHalfEven(decimal x, long n)
    {
        if (n > 28) return x;
        if (n >= 0)
        {
            decimal r = decimal.Round(x, (int)n, MidpointRounding.ToEven);
            return WithScale(r, (int)n);
        }
        if (n < -28) return 0m;
        decimal p = Pow10Decimal((int)-n);
        decimal q = decimal.Round(x / p, 0, MidpointRounding.ToEven);
        try { return decimal.Round(q * p, 0); }
        catch (OverflowException) { throw MlError.Arithmetic("decimal overflow"); }
    }

    /// <summary>Extends the scale of <paramref name="m"/> to <paramref name="scale"/> places when possible (2.5 ⇒ 2.50).</summary>
    public static decimal WithScale(decimal m, int scale)
    {
        int current = m.Scale;
        if (current >= scale) return m;
        // adding a zero keeps the larger scale: 2.5 + 0.00 = 2.50
        try { return m + new decimal(0, 0, 0, false, (byte)scale); }
        catch (OverflowException) { return m; }
    }

    private static decimal Pow10Decimal(int n)
    {
        decimal p = 1m;
        for (int i = 0; i < n; i++) p *= 10m;
        return p;
    }

    // ---- Math.round / floor / ceil / trunc ----------------------------------------------------

    /// <summary>JavaScript's Math.round: half toward +∞, as an int.</summary>
    public static long JsRound(in MlValue v, string fn)
    {
        if (v.IsInt) return v.AsInt;
        if (v.IsDecimal)
        {
            decimal m = v.AsDecimal;
            decimal f = decimal.Floor(m);
            if (m - f >= 0.5m) f += 1;
            return DecimalToLong(f);
        }
        double d = v.AsDouble;
        if (!double.IsFinite(d)) return IntegralDoubleToLong(d, fn);
        double fl = Math.Floor(d);
        if (d - fl >= 0.5) fl += 1; // d - floor(d) is exact
        return IntegralDoubleToLong(fl, fn);
    }

    public static long Floor(in MlValue v, string fn)
    {
        if (v.IsInt) return v.AsInt;
        if (v.IsDecimal) return DecimalToLong(decimal.Floor(v.AsDecimal));
        return IntegralDoubleToLong(Math.Floor(v.AsDouble), fn);
    }

    public static long Ceiling(in MlValue v, string fn)
    {
        if (v.IsInt) return v.AsInt;
        if (v.IsDecimal) return DecimalToLong(decimal.Ceiling(v.AsDecimal));
        return IntegralDoubleToLong(Math.Ceiling(v.AsDouble), fn);
    }

    public static long Truncate(in MlValue v, string fn)
    {
        if (v.IsInt) return v.AsInt;
        if (v.IsDecimal) return DecimalToLong(decimal.Truncate(v.AsDecimal));
        return IntegralDoubleToLong(Math.Truncate(v.AsDouble), fn);
    }

    /// <summary>Python's round to an int (math.round): half to even.</summary>
    public static long RoundToIntHalfEven(in MlValue v, string fn)
    {
        if (v.IsInt) return v.AsInt;
        if (v.IsDecimal) return DecimalToLong(decimal.Round(v.AsDecimal, 0, MidpointRounding.ToEven));
        return IntegralDoubleToLong(Math.Round(v.AsDouble, MidpointRounding.ToEven), fn);
    }

    // ---- toFixed -----------------------------------------------------------------------------

    /// <summary><c>x.toFixed(d)</c>: exactly <paramref name="digits"/> decimals, half away from zero on the exact value.</summary>
    public static string ToFixed(in MlValue v, int digits)
    {
        if (v.IsInt)
        {
            string s = v.AsInt.ToString(Inv);
            return digits == 0 ? s : s + "." + new string('0', digits);
        }
        if (v.IsDecimal)
        {
            decimal m = v.AsDecimal;
            bool negDec = m < 0;
            decimal r = decimal.Round(Math.Abs(m), digits, MidpointRounding.AwayFromZero);
            string body = r.ToString("F" + digits.ToString(Inv), Inv);
            return negDec ? "-" + body : body;
        }
        double x = v.AsDouble;
        if (double.IsNaN(x)) return "NaN";
        if (double.IsInfinity(x)) return x > 0 ? "Infinity" : "-Infinity";
        bool neg = x < 0;
        var (mant, exp) = Decompose(Math.Abs(x));
        BigInteger pow = BigInteger.Pow(10, digits);
        BigInteger scaled = exp >= 0
            ? (mant << exp) * pow
            : RoundRatio(mant * pow, BigInteger.One << -exp, halfEven: false);
        string digitsText = scaled.ToString(Inv);
        if (digitsText.Length <= digits) digitsText = new string('0', digits - digitsText.Length + 1) + digitsText;
        var sb = new StringBuilder(digitsText.Length + 2);
        if (neg) sb.Append('-');
        int intLen = digitsText.Length - digits;
        sb.Append(digitsText, 0, intLen);
        if (digits > 0) sb.Append('.').Append(digitsText, intLen, digits);
        return sb.ToString();
    }
}
