using System.Globalization;
using System.Text;
using MlDb.Language;
using NpgsqlTypes;

namespace MlDb.Data.Postgres;

/// <summary>Text forms PostgreSQL itself prints or reads, built on the client.</summary>
internal static class PgText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// An interval as PostgreSQL prints it with the default <c>IntervalStyle = postgres</c>:
    /// <c>1 year 2 mons 3 days 04:05:06.789</c>, <c>-1 days +02:00:00</c>, <c>00:00:00</c>.
    /// The text reads back into an interval column unchanged.
    /// </summary>
    public static string Interval(NpgsqlInterval value)
    {
        var sb = new StringBuilder();
        bool isZero = true, isBefore = false;
        void Part(long n, string unit)
        {
            if (n == 0) return;
            if (!isZero) sb.Append(' ');
            if (isBefore && n > 0) sb.Append('+');
            sb.Append(n.ToString(Invariant)).Append(' ').Append(unit);
            if (n != 1) sb.Append('s');
            isBefore |= n < 0;
            isZero = false;
        }
        Part(value.Months / 12, "year");
        Part(value.Months % 12, "mon");
        Part(value.Days, "day");
        long micros = value.Time;
        if (isZero || micros != 0)
        {
            bool minus = micros < 0;
            ulong abs = minus ? (ulong)(-(micros + 1)) + 1 : (ulong)micros;
            ulong hours = abs / 3_600_000_000UL;
            ulong minutes = abs / 60_000_000UL % 60;
            ulong seconds = abs / 1_000_000UL % 60;
            ulong fraction = abs % 1_000_000UL;
            if (!isZero) sb.Append(' ');
            sb.Append(minus ? "-" : isBefore ? "+" : "");
            sb.Append(hours.ToString("00", Invariant)).Append(':').Append(minutes.ToString("00", Invariant)).Append(':').Append(seconds.ToString("00", Invariant));
            if (fraction != 0) sb.Append('.').Append(fraction.ToString("000000", Invariant).TrimEnd('0'));
        }
        return sb.ToString();
    }

    /// <summary>A time of day as PostgreSQL prints it (<c>12:30:00</c>, <c>12:30:00.5</c>).</summary>
    public static string Time(TimeOnly time) => time.ToString("HH':'mm':'ss.FFFFFF", Invariant);

    /// <summary>A time with offset (<c>12:30:00+02:00</c>).</summary>
    public static string Time(DateTimeOffset time) => time.ToString("HH':'mm':'ss.FFFFFFzzz", Invariant);

    /// <summary>
    /// An ML array as a PostgreSQL array literal (<c>{1,"two",NULL,{3,4}}</c>), for the server to
    /// read into the column's array type: nested arrays become dimensions, every other element is a
    /// quoted text in its ML <c>str()</c> form (objects as JSON, bytes as <c>\x…</c> hex).
    /// </summary>
    public static string ArrayLiteral(MlArray array)
    {
        var sb = new StringBuilder();
        AppendArray(sb, array, 0);
        return sb.ToString();
    }

    private static void AppendArray(StringBuilder sb, MlArray array, int depth)
    {
        if (depth > 6)
            throw new MlDbException(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData, "An array nested more than 6 levels deep cannot be stored in a PostgreSQL array column.", null);
        sb.Append('{');
        var items = array.AsSpan();
        for (int i = 0; i < items.Length; i++)
        {
            if (i > 0) sb.Append(',');
            var v = items[i];
            if (v.IsNull) sb.Append("NULL");
            else if (v.IsArray) AppendArray(sb, v.AsArray, depth + 1);
            else AppendQuoted(sb, v.IsBytes ? "\\x" + Convert.ToHexString(v.AsBytes) : MlFormat.Str(v));
        }
        sb.Append('}');
    }

    private static void AppendQuoted(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (char ch in text)
        {
            if (ch is '"' or '\\') sb.Append('\\');
            sb.Append(ch);
        }
        sb.Append('"');
    }
}
