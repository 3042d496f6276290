using System.Globalization;
using System.Text;

namespace MlDb.Language;

/// <summary>The text forms of ML values: <c>str()</c> (spec §6.3) and the pieces JSON shares with it.</summary>
public static class MlFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary><c>str(x)</c>.</summary>
    public static string Str(MlValue value)
    {
        switch (value.Kind)
        {
            case MlKind.Null: return "null";
            case MlKind.Boolean: return value.AsBool ? "true" : "false";
            case MlKind.Int: return value.AsInt.ToString(Invariant);
            case MlKind.Double: return Double(value.AsDouble);
            case MlKind.Decimal: return Decimal(value.AsDecimal);
            case MlKind.String: return value.AsString;
            case MlKind.Date: return IsoDate(value.AsDateTicks);
            case MlKind.Bytes: return Convert.ToBase64String(value.AsBytes);
            case MlKind.Function: return "<function " + value.AsFunction.Name + ">";
            case MlKind.Opaque: return value.AsOpaque.ToString();
            default: return MlJson.Stringify(value, null) ?? "null";
        }
    }

    /// <summary>JSON text of the value, or <c>str()</c> when JSON has nothing to say (a function).</summary>
    internal static string ToJsonOrText(MlValue value)
    {
        try
        {
            return MlJson.Stringify(value, null) ?? Str(value);
        }
        catch (Runtime.MlError e) when (!e.IsLimit)
        {
            // a cycle: the plain text says what it can (a limit of the running call goes on up)
            return Str(value);
        }
    }

    /// <summary>Decimal text keeping the scale, never an exponent (<c>19.90</c>, <c>4.00</c>).</summary>
    public static string Decimal(decimal value) => value.ToString(Invariant);

    /// <summary><c>YYYY-MM-DDTHH:mm:ss.sssZ</c>; sub-millisecond ticks are truncated.</summary>
    public static string IsoDate(long utcTicks) =>
        new DateTime(utcTicks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", Invariant);

    /// <summary>
    /// Python <c>repr</c> of a double: the shortest text that round-trips; positional when the
    /// decimal exponent x satisfies −4 ≤ x &lt; 16 (always with a fraction part), otherwise
    /// scientific with at least two exponent digits.
    /// </summary>
    public static string Double(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";

        // "R" gives the shortest round-trip digits; re-layout them in Python's style.
        string r = d.ToString("R", Invariant);
        bool negative = r[0] == '-';
        int start = negative ? 1 : 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        int exp = 0;
        string mantissa = ePos < 0 ? r[start..] : r[start..ePos];
        if (ePos >= 0) exp = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, Invariant);
        int dot = mantissa.IndexOf('.');
        string intPart = dot < 0 ? mantissa : mantissa[..dot];
        string fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        string digits = intPart + fracPart;
        int pointPos = intPart.Length + exp; // digits[0..pointPos) are the integer digits
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..];
        pointPos -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) return negative ? "-0.0" : "0.0";
        int x = pointPos - 1; // scientific exponent

        var sb = new StringBuilder(32);
        if (negative) sb.Append('-');
        if (x >= -4 && x < 16)
        {
            if (pointPos <= 0)
            {
                sb.Append("0.").Append('0', -pointPos).Append(digits);
            }
            else if (pointPos >= digits.Length)
            {
                sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
            }
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(x < 0 ? '-' : '+');
            int ax = Math.Abs(x);
            if (ax < 10) sb.Append('0');
            sb.Append(ax.ToString(Invariant));
        }
        return sb.ToString();
    }
}
