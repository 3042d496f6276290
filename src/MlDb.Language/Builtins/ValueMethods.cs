using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>Methods of numbers (spec §7.3), dates (§7.4) and bytes (§7.5).</summary>
internal static class ValueMethods
{
    // ---- numbers -------------------------------------------------------------------------------

    public static readonly (string Name, MethodBody Body)[] Number =
    [
        ("toFixed", ToFixed), ("toString", NumberToString),
    ];

    private static MlValue ToFixed(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        long digits = Args.IntOr(args, 0, 0, "toFixed");
        if (digits < 0 || digits > 20) throw MlError.Range($"toFixed: the digits must be between 0 and 20, got {digits}");
        return Numeric.ToFixed(self, (int)digits);
    }

    private static MlValue NumberToString(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlFormat.Str(self);

    // ---- dates ---------------------------------------------------------------------------------

    public static readonly (string Name, MethodBody Body)[] Date =
    [
        ("toISOString", DateIso), ("toJSON", DateIso), ("toString", DateIso),
        ("getTime", GetTime), ("valueOf", GetTime),
        ("getUTCFullYear", Year), ("getFullYear", Year),
        ("getUTCMonth", Month0), ("getMonth", Month0),
        ("getUTCDate", Day), ("getDate", Day),
        ("getUTCDay", DaySunday0), ("getDay", DaySunday0),
        ("getUTCHours", Hour), ("getHours", Hour),
        ("getUTCMinutes", Minute), ("getMinutes", Minute),
        ("getUTCSeconds", Second), ("getSeconds", Second),
        ("getUTCMilliseconds", Millisecond), ("getMilliseconds", Millisecond),
        ("year", Year), ("month", Month1), ("day", Day), ("hour", Hour), ("minute", Minute),
        ("second", Second), ("weekday", WeekdayMonday0),
        ("addDays", AddDays), ("addHours", AddHours), ("addMinutes", AddMinutes), ("addSeconds", AddSeconds),
        ("isBefore", IsBefore), ("isAfter", IsAfter), ("timestamp", Timestamp),
    ];

    private static MlValue DateIso(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlFormat.IsoDate(self.AsDateTicks);

    private static MlValue GetTime(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(Dates.ToEpochMs(self.AsDateTicks));

    private static MlValue Year(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Year);

    private static MlValue Month0(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Month - 1);

    private static MlValue Month1(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Month);

    private static MlValue Day(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Day);

    private static MlValue DaySunday0(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt((int)self.AsDateTime.DayOfWeek);

    private static MlValue WeekdayMonday0(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(((int)self.AsDateTime.DayOfWeek + 6) % 7);

    private static MlValue Hour(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Hour);

    private static MlValue Minute(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Minute);

    private static MlValue Second(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Second);

    private static MlValue Millisecond(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => MlValue.FromInt(self.AsDateTime.Millisecond);

    private static MlValue AddDays(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => Add(self, args, TimeSpan.TicksPerDay, "addDays");

    private static MlValue AddHours(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => Add(self, args, TimeSpan.TicksPerHour, "addHours");

    private static MlValue AddMinutes(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => Add(self, args, TimeSpan.TicksPerMinute, "addMinutes");

    private static MlValue AddSeconds(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => Add(self, args, TimeSpan.TicksPerSecond, "addSeconds");

    private static MlValue Add(in MlValue self, ReadOnlySpan<MlValue> args, long unitTicks, string fn)
    {
        var n = Args.Number(args, 0, fn);
        long delta;
        if (n.IsInt)
        {
            try { delta = checked(n.AsInt * unitTicks); }
            catch (OverflowException) { throw Dates.OutOfRange(); }
        }
        else
        {
            double d = Ops.AsDoubleExact(n) * unitTicks;
            if (!double.IsFinite(d) || Math.Abs(d) > 4e18) throw Dates.OutOfRange();
            delta = (long)Math.Round(d);
        }
        return Dates.AddTicks(self.AsDateTicks, delta);
    }

    private static long OtherDate(ReadOnlySpan<MlValue> args, string fn)
    {
        var v = Args.At(args, 0);
        if (v.IsDate) return v.AsDateTicks;
        throw MlError.Type($"{fn}: expected a date, got {Args.Describe(v)}");
    }

    private static MlValue IsBefore(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) =>
        MlValue.FromBool(self.AsDateTicks < OtherDate(args, "isBefore"));

    private static MlValue IsAfter(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) =>
        MlValue.FromBool(self.AsDateTicks > OtherDate(args, "isAfter"));

    private static MlValue Timestamp(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) =>
        MlValue.FromDouble((self.AsDateTicks - Dates.EpochTicks) / (double)TimeSpan.TicksPerSecond);

    // ---- bytes -----------------------------------------------------------------------------------

    public static readonly (string Name, MethodBody Body)[] Bytes =
    [
        ("toBase64", ToBase64), ("toHex", ToHex), ("toString", ToBase64),
    ];

    private static MlValue ToBase64(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var b = self.AsBytes;
        ctx.ReserveString((b.Length + 2L) / 3 * 4, self);
        return Convert.ToBase64String(b);
    }

    private static MlValue ToHex(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        var b = self.AsBytes;
        ctx.ReserveString(b.Length * 2L, self);
        ctx.Reserve(b.Length * 4L, self); // the upper-case text before it is lowered
        return Convert.ToHexString(b).ToLowerInvariant();
    }
}
