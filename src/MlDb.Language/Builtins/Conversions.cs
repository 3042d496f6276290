using System.Globalization;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>The conversions <c>int float decimal Number parseInt parseFloat</c> (spec §8.4, §9).</summary>
internal static class Conversions
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ---- int(x) ------------------------------------------------------------------------------

    public static long ToInt(in MlValue v)
    {
        switch (v.Kind)
        {
            case MlKind.Int: return v.AsInt;
            case MlKind.Boolean: return v.AsBool ? 1 : 0;
            case MlKind.Double:
                {
                    double d = v.AsDouble;
                    if (!double.IsFinite(d)) throw MlError.Value($"int(): invalid value {MlFormat.Double(d)} (cannot convert to an integer)");
                    double t = Math.Truncate(d);
                    if (t >= 9.2233720368547758E18 || t < -9.2233720368547758E18) throw MlError.IntegerOverflow();
                    return (long)t;
                }
            case MlKind.Decimal: return Numeric.DecimalToLong(decimal.Truncate(v.AsDecimal));
            case MlKind.String: return ParseIntText(v.AsString);
            default: throw MlError.Value($"int(): invalid argument {Args.Describe(v)}");
        }
    }

    /// <summary>Trimmed integer or decimal text, truncated toward zero (<c>"3.9"</c> ⇒ 3).</summary>
    private static long ParseIntText(string text)
    {
        var s = text.AsSpan().Trim();
        int i = 0;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        int intStart = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        int intEnd = i;
        bool fracDigits = false;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && IsDigit(s[i])) { i++; fracDigits = true; }
        }
        if (i != s.Length || (intEnd == intStart && !fracDigits))
            throw MlError.Value($"int(): invalid literal {MlJson.QuoteString(text)}");
        // accumulate negatively so that long.MinValue fits
        long acc = 0;
        for (int k = intStart; k < intEnd; k++)
        {
            int d = s[k] - '0';
            if (acc < (long.MinValue + d) / 10) throw MlError.IntegerOverflow();
            acc = acc * 10 - d;
        }
        if (neg) return acc;
        if (acc == long.MinValue) throw MlError.IntegerOverflow();
        return -acc;
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    // ---- float(x) ----------------------------------------------------------------------------

    public static double ToFloat(in MlValue v)
    {
        switch (v.Kind)
        {
            case MlKind.Double: return v.AsDouble;
            case MlKind.Int: return v.AsInt;
            case MlKind.Decimal: return Ops.DecimalToDouble(v.AsDecimal);
            case MlKind.Boolean: return v.AsBool ? 1.0 : 0.0;
            case MlKind.String:
                {
                    var s = v.AsString.AsSpan().Trim();
                    if (IsJsonNumber(s)) return double.Parse(s, NumberStyles.Float, Inv);
                    var body = s;
                    bool neg = false;
                    if (body.Length > 0 && (body[0] == '+' || body[0] == '-')) { neg = body[0] == '-'; body = body[1..]; }
                    if (body.Equals("nan", StringComparison.OrdinalIgnoreCase)) return double.NaN;
                    if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
                        return neg ? double.NegativeInfinity : double.PositiveInfinity;
                    throw MlError.Value($"float(): invalid literal {MlJson.QuoteString(v.AsString)}");
                }
            default: throw MlError.Value($"float(): invalid argument {Args.Describe(v)}");
        }
    }

    /// <summary>JSON number syntax: <c>-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</c>.</summary>
    public static bool IsJsonNumber(ReadOnlySpan<char> s)
    {
        int i = 0;
        if (i < s.Length && s[i] == '-') i++;
        if (i >= s.Length) return false;
        if (s[i] == '0') i++;
        else if (s[i] >= '1' && s[i] <= '9') { while (i < s.Length && IsDigit(s[i])) i++; }
        else return false;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            int start = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            if (i == start) return false;
        }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            int start = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            if (i == start) return false;
        }
        return i == s.Length;
    }

    // ---- decimal(x) ----------------------------------------------------------------------------

    public static decimal ToDecimal(in MlValue v)
    {
        switch (v.Kind)
        {
            case MlKind.Decimal: return v.AsDecimal;
            case MlKind.Int: return v.AsInt;
            case MlKind.Double:
                {
                    double d = v.AsDouble;
                    if (!double.IsFinite(d)) throw MlError.Value($"decimal(): invalid value {MlFormat.Double(d)}");
                    return ParseDecimalText(MlFormat.Double(d), null);
                }
            case MlKind.String: return ParseDecimalText(v.AsString, v.AsString);
            default: throw MlError.Value($"decimal(): invalid argument {Args.Describe(v)}");
        }
    }

    private static decimal ParseDecimalText(string text, string? original)
    {
        var s = text.AsSpan().Trim();
        if (!IsDecimalLiteral(s)) throw MlError.Value($"decimal(): invalid literal {MlJson.QuoteString(original ?? text)}");
        try
        {
            return decimal.Parse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, Inv);
        }
        catch (OverflowException)
        {
            throw MlError.Arithmetic("decimal overflow");
        }
    }

    /// <summary><c>[+-]?(digits[.digits*]|.digits)([eE][+-]?digits)?</c>.</summary>
    private static bool IsDecimalLiteral(ReadOnlySpan<char> s)
    {
        int i = 0;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
        int intStart = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        bool digits = i > intStart;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            int f = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            digits |= i > f;
        }
        if (!digits) return false;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            int e = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            if (i == e) return false;
        }
        return i == s.Length;
    }

    // ---- Number(x) -------------------------------------------------------------------------------

    public static MlValue ToNumber(in MlValue v)
    {
        switch (v.Kind)
        {
            case MlKind.Int:
            case MlKind.Double:
            case MlKind.Decimal:
                return v;
            case MlKind.Null: return MlValue.FromInt(0);
            case MlKind.Boolean: return MlValue.FromInt(v.AsBool ? 1 : 0);
            case MlKind.Date: return MlValue.FromInt(Dates.ToEpochMs(v.AsDateTicks));
            case MlKind.String: return StringToNumber(v.AsString);
            default: return MlValue.FromDouble(double.NaN);
        }
    }

    /// <summary>JavaScript's StringToNumber, giving an int for plain integer text that fits 64 bits.</summary>
    public static MlValue StringToNumber(string text)
    {
        var s = TrimJs(text.AsSpan());
        if (s.Length == 0) return MlValue.FromInt(0);
        // plain integers
        {
            int i = 0;
            if (s[0] == '+' || s[0] == '-') i++;
            int start = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            if (i == s.Length && i > start)
            {
                if (long.TryParse(s, NumberStyles.AllowLeadingSign, Inv, out long l)) return MlValue.FromInt(l);
                return MlValue.FromDouble(double.Parse(s, NumberStyles.Float, Inv));
            }
        }
        // 0x / 0o / 0b (unsigned)
        if (s.Length > 2 && s[0] == '0' && (s[1] | 0x20) is 'x' or 'o' or 'b')
        {
            int radix = (s[1] | 0x20) switch { 'x' => 16, 'o' => 8, _ => 2 };
            double acc = 0;
            for (int i = 2; i < s.Length; i++)
            {
                int d = DigitValue(s[i]);
                if (d < 0 || d >= radix) return MlValue.FromDouble(double.NaN);
                acc = acc * radix + d;
            }
            if (acc <= long.MaxValue && acc == Math.Floor(acc) && acc < 9.2233720368547758E18) return MlValue.FromInt(ParseRadixExact(s[2..], radix));
            return MlValue.FromDouble(acc);
        }
        {
            var body = s;
            bool neg = false;
            if (body[0] == '+' || body[0] == '-') { neg = body[0] == '-'; body = body[1..]; }
            if (body.SequenceEqual("Infinity")) return MlValue.FromDouble(neg ? double.NegativeInfinity : double.PositiveInfinity);
            int len = FloatPrefixLength(s);
            if (len == s.Length && len > 0) return MlValue.FromDouble(double.Parse(s, NumberStyles.Float, Inv));
        }
        return MlValue.FromDouble(double.NaN);
    }

    private static long ParseRadixExact(ReadOnlySpan<char> digits, int radix)
    {
        long acc = 0;
        foreach (char c in digits)
        {
            try { acc = checked(acc * radix + DigitValue(c)); }
            catch (OverflowException) { throw MlError.IntegerOverflow(); }
        }
        return acc;
    }

    /// <summary>JavaScript's whitespace and line terminators.</summary>
    public static bool IsJsSpace(char c) => char.IsWhiteSpace(c) || c == '\uFEFF';

    public static ReadOnlySpan<char> TrimJs(ReadOnlySpan<char> s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsJsSpace(s[a])) a++;
        while (b > a && IsJsSpace(s[b - 1])) b--;
        return s[a..b];
    }

    private static int DigitValue(char c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        c = (char)(c | 0x20);
        if (c >= 'a' && c <= 'z') return c - 'a' + 10;
        return -1;
    }

    // ---- parseInt / parseFloat --------------------------------------------------------------------

    /// <summary>JavaScript's parseInt: an int from the leading digits, NaN when there are none.</summary>
    public static MlValue ParseInt(in MlValue input, in MlValue radixValue)
    {
        string text = input.IsString ? input.AsString : MlFormat.Str(input);
        var s = text.AsSpan();
        int i = 0;
        while (i < s.Length && IsJsSpace(s[i])) i++;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        long radix = 10;
        bool stripPrefix = true;
        if (!radixValue.IsNull)
        {
            if (!radixValue.IsNumber) throw MlError.Type($"parseInt: the radix must be a number, not {Args.Describe(radixValue)}");
            radix = radixValue.IsInt ? radixValue.AsInt : Args.TruncateToLong(Ops.AsDoubleExact(radixValue));
            if (radix != 0)
            {
                if (radix < 2 || radix > 36) return MlValue.FromDouble(double.NaN);
                if (radix != 16) stripPrefix = false;
            }
            else radix = 10;
        }
        if (stripPrefix && i + 1 < s.Length && s[i] == '0' && (s[i + 1] | 0x20) == 'x')
        {
            i += 2;
            radix = 16;
        }
        int start = i;
        long acc = 0; // accumulated negatively, so that long.MinValue fits
        bool overflow = false;
        while (i < s.Length)
        {
            int d = DigitValue(s[i]);
            if (d < 0 || d >= radix) break;
            if (!overflow)
            {
                if (acc < (long.MinValue + d) / radix) overflow = true;
                else acc = acc * radix - d;
            }
            i++;
        }
        if (i == start) return MlValue.FromDouble(double.NaN);
        if (!overflow && (neg || acc != long.MinValue)) return MlValue.FromInt(neg ? acc : -acc);
        // Beyond 64 bits: the nearest double, as JavaScript gives.
        var digits = s[start..i];
        double value;
        if (radix == 10) value = double.Parse(digits, NumberStyles.None, Inv);
        else
        {
            var big = System.Numerics.BigInteger.Zero;
            foreach (char c in digits) big = big * radix + DigitValue(c);
            value = (double)big;
        }
        return MlValue.FromDouble(neg ? -value : value);
    }

    /// <summary>JavaScript's parseFloat: a double from the longest numeric prefix, NaN when there is none.</summary>
    public static double ParseFloat(in MlValue input)
    {
        string text = input.IsString ? input.AsString : MlFormat.Str(input);
        var s = text.AsSpan();
        int i = 0;
        while (i < s.Length && IsJsSpace(s[i])) i++;
        s = s[i..];
        int j = 0;
        bool neg = false;
        if (j < s.Length && (s[j] == '+' || s[j] == '-')) { neg = s[j] == '-'; j++; }
        if (s[j..].StartsWith("Infinity", StringComparison.Ordinal)) return neg ? double.NegativeInfinity : double.PositiveInfinity;
        int len = FloatPrefixLength(s);
        if (len == 0) return double.NaN;
        return double.Parse(s[..len], NumberStyles.Float, Inv);
    }

    /// <summary>
    /// Length of the longest prefix of the form <c>[+-](digits[.digits?]|.digits)([eE][+-]digits)?</c>
    /// (JavaScript's StrDecimalLiteral without Infinity); 0 when there is none.
    /// </summary>
    private static int FloatPrefixLength(ReadOnlySpan<char> s)
    {
        int i = 0;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
        int intStart = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        bool digits = i > intStart;
        if (i < s.Length && s[i] == '.')
        {
            int dot = i;
            i++;
            int f = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            if (i == f && !digits) return 0;
            if (i == f) i = dot + 1; // "5." keeps the point
            digits = true;
        }
        if (!digits) return 0;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            int e = i + 1;
            if (e < s.Length && (s[e] == '+' || s[e] == '-')) e++;
            int ds = e;
            while (e < s.Length && IsDigit(s[e])) e++;
            if (e > ds) i = e;
        }
        return i;
    }
}
