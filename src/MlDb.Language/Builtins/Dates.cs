using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>Date arithmetic shared by <c>Date</c>, the date methods and the datetime module (spec §7.4, §8.3).</summary>
internal static class Dates
{
    public const long EpochTicks = 621355968000000000L; // 1970-01-01T00:00:00Z
    public const long TicksPerMs = TimeSpan.TicksPerMillisecond;
    private const long MaxTicks = 3155378975999999999L; // DateTime.MaxValue.Ticks
    private const long MsPerDay = 86400000L;

    /// <summary>Milliseconds since the epoch, floored.</summary>
    public static long ToEpochMs(long ticks) => FloorDiv(ticks - EpochTicks, TicksPerMs);

    public static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    /// <summary>A date value from epoch milliseconds; out of the representable range ⇒ ValueError.</summary>
    public static MlValue FromEpochMs(long ms)
    {
        // representable: years 0001–9999
        const long minMs = -62135596800000L;
        const long maxMs = 253402300799999L;
        if (ms < minMs || ms > maxMs) throw OutOfRange();
        return MlValue.FromDateTicks(EpochTicks + ms * TicksPerMs);
    }

    /// <summary>A date value from fractional epoch milliseconds (floored to a tick).</summary>
    public static MlValue FromEpochMs(double ms)
    {
        if (!double.IsFinite(ms)) throw MlError.Value("invalid date (" + MlFormat.Double(ms) + " milliseconds)");
        double ticks = Math.Floor(ms * TicksPerMs);
        if (ticks < -EpochTicks || ticks > MaxTicks - EpochTicks) throw OutOfRange();
        return MlValue.FromDateTicks(EpochTicks + (long)ticks);
    }

    /// <summary>A date <paramref name="deltaTicks"/> after <paramref name="ticks"/>; leaving the range ⇒ ValueError.</summary>
    public static MlValue AddTicks(long ticks, long deltaTicks)
    {
        long r;
        try { r = checked(ticks + deltaTicks); }
        catch (OverflowException) { throw OutOfRange(); }
        if (r < 0 || r > MaxTicks) throw OutOfRange();
        return MlValue.FromDateTicks(r);
    }

    public static MlError OutOfRange() => MlError.Value("invalid date: outside the years 1 to 9999");

    public static MlValue FromValue(in MlValue v, string fn)
    {
        if (v.IsInt) return FromEpochMs(v.AsInt);
        if (v.IsDouble) return FromEpochMs(v.AsDouble);
        if (v.IsDecimal)
        {
            decimal ms = v.AsDecimal;
            decimal ticks = decimal.Floor(ms * TicksPerMs);
            if (ticks < -EpochTicks || ticks > MaxTicks - EpochTicks) throw OutOfRange();
            return MlValue.FromDateTicks(EpochTicks + (long)ticks);
        }
        if (v.IsString) return MlValue.FromDateTicks(ParseIso(v.AsString));
        if (v.IsDate) return v;
        throw MlError.Type($"{fn}: cannot make a date from {Args.Describe(v)}");
    }

    // ---- ISO-8601 parsing --------------------------------------------------------------------

    /// <summary>
    /// <c>YYYY-MM-DD</c>, optionally followed by <c>T</c> or a space and <c>HH:mm</c>, <c>:ss</c>,
    /// <c>.f</c> (1–7 digits), then optionally <c>Z</c> or <c>±HH:mm</c> (no zone = UTC). UTC ticks.
    /// </summary>
    public static long ParseIso(string text)
    {
        if (!TryParseIso(text, out long ticks)) throw MlError.Value("invalid date " + MlJson.QuoteString(text) + " (expected ISO-8601 such as 2024-01-31 or 2024-01-31T12:00:00Z)");
        return ticks;
    }

    public static bool TryParseIso(string s, out long ticks)
    {
        ticks = 0;
        int i = 0;
        if (!Digits(s, ref i, 4, out int year) || !Expect(s, ref i, '-') || !Digits(s, ref i, 2, out int month)
            || !Expect(s, ref i, '-') || !Digits(s, ref i, 2, out int day))
            return false;
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        int hour = 0, minute = 0, second = 0;
        long fracTicks = 0;
        long offsetMinutes = 0;
        if (i < s.Length)
        {
            if (s[i] != 'T' && s[i] != ' ') return false;
            i++;
            if (!Digits(s, ref i, 2, out hour) || !Expect(s, ref i, ':') || !Digits(s, ref i, 2, out minute)) return false;
            if (i < s.Length && s[i] == ':')
            {
                i++;
                if (!Digits(s, ref i, 2, out second)) return false;
                if (i < s.Length && s[i] == '.')
                {
                    i++;
                    int start = i;
                    long frac = 0;
                    while (i < s.Length && s[i] >= '0' && s[i] <= '9' && i - start < 7) { frac = frac * 10 + (s[i] - '0'); i++; }
                    int n = i - start;
                    if (n == 0) return false;
                    for (int k = n; k < 7; k++) frac *= 10;
                    fracTicks = frac;
                }
            }
            if (hour > 23 || minute > 59 || second > 59) return false;
            if (i < s.Length)
            {
                if (s[i] == 'Z') i++;
                else if (s[i] == '+' || s[i] == '-')
                {
                    bool neg = s[i] == '-';
                    i++;
                    if (!Digits(s, ref i, 2, out int oh) || !Expect(s, ref i, ':') || !Digits(s, ref i, 2, out int om)) return false;
                    if (oh > 23 || om > 59) return false;
                    offsetMinutes = (oh * 60 + om) * (neg ? -1 : 1);
                }
                else return false;
            }
            if (i != s.Length) return false;
        }
        long t = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fracTicks
                 - offsetMinutes * TimeSpan.TicksPerMinute;
        if (t < 0 || t > MaxTicks) return false;
        ticks = t;
        return true;
    }

    private static bool Digits(string s, ref int i, int count, out int value)
    {
        value = 0;
        if (i + count > s.Length) return false;
        for (int k = 0; k < count; k++)
        {
            char c = s[i + k];
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        i += count;
        return true;
    }

    private static bool Expect(string s, ref int i, char c)
    {
        if (i < s.Length && s[i] == c) { i++; return true; }
        return false;
    }

    // ---- components (JavaScript MakeDay / MakeTime with rollover) ------------------------------

    /// <summary>
    /// Epoch milliseconds of UTC components, month 0-based, out-of-range components rolling over as
    /// in JavaScript (<c>Date.UTC(2024, 0, 32)</c> is Feb 1). Years 0–99 mean 1900–1999 (JavaScript).
    /// </summary>
    public static long ComponentsToEpochMs(ReadOnlySpan<MlValue> args, string fn)
    {
        long year = Component(args, 0, 0, fn);
        if (year >= 0 && year <= 99) year += 1900;
        long month = Component(args, 1, 0, fn);
        long day = Component(args, 2, 1, fn);
        long hour = Component(args, 3, 0, fn);
        long minute = Component(args, 4, 0, fn);
        long second = Component(args, 5, 0, fn);
        long ms = Component(args, 6, 0, fn);
        return ComponentsToEpochMs(year, month, day, hour, minute, second, ms);
    }

    public static long ComponentsToEpochMs(long year, long month, long day, long hour, long minute, long second, long ms)
    {
        try
        {
            checked
            {
                long y = year + FloorDiv(month, 12);
                long m = month - FloorDiv(month, 12) * 12; // 0..11
                if (y < -300000 || y > 300000) throw OutOfRange();
                long days = DaysFromCivil(y, m + 1, 1) + (day - 1);
                long time = hour * 3600000L + minute * 60000L + second * 1000L + ms;
                return days * MsPerDay + time;
            }
        }
        catch (OverflowException)
        {
            throw OutOfRange();
        }
    }

    private static long Component(ReadOnlySpan<MlValue> args, int i, long fallback, string fn)
    {
        if (i >= args.Length) return fallback;
        var v = args[i];
        if (v.IsInt) return v.AsInt;
        if (v.IsDouble)
        {
            double d = v.AsDouble;
            if (!double.IsFinite(d)) throw MlError.Value($"{fn}: invalid date component {MlFormat.Double(d)}");
            return Args.TruncateToLong(d);
        }
        if (v.IsDecimal) return Numeric.DecimalToLong(decimal.Truncate(v.AsDecimal));
        throw MlError.Type($"{fn}: date components must be numbers, not {Args.Describe(v)}");
    }

    /// <summary>Days from 1970-01-01 to the proleptic Gregorian date y-m-d (Howard Hinnant's algorithm).</summary>
    public static long DaysFromCivil(long y, long m, long d)
    {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    public static bool IsLeapYear(long y) => (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    public static int DaysInMonth(long y, long m) => m switch
    {
        2 => IsLeapYear(y) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };
}
