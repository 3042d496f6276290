using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary><c>import datetime;</c> (spec §10): helpers that return ordinary dates.</summary>
internal static class DatetimeModule
{
    private const string P = "datetime.";

    public static readonly MlObject Namespace = Ns.Functions("datetime",
        ("now", (ctx, a) => MlValue.FromDateTicks(ctx.Clock.GetUtcNow().UtcTicks)),
        ("create", Create),
        ("parseISO", (ctx, a) => MlValue.FromDateTicks(Dates.ParseIso(Args.String(a, 0, P + "parseISO")))),
        ("fromTimestamp", FromTimestamp),
        ("daysInMonth", DaysInMonth),
        ("isLeapYear", (ctx, a) => MlValue.FromBool(Dates.IsLeapYear(Args.Int(a, 0, P + "isLeapYear")))));

    /// <summary><c>create(y, m, d, h = 0, mi = 0, s = 0)</c>: month 1–12, UTC, every component validated.</summary>
    private static MlValue Create(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long y = Args.Int(args, 0, P + "create");
        long m = Args.Int(args, 1, P + "create");
        long d = Args.Int(args, 2, P + "create");
        long h = Args.IntOr(args, 3, 0, P + "create");
        long mi = Args.IntOr(args, 4, 0, P + "create");
        long s = Args.IntOr(args, 5, 0, P + "create");
        if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > Dates.DaysInMonth(y, m)
            || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
            throw MlError.Value($"{P}create: invalid date {y}-{m}-{d} {h}:{mi}:{s}");
        return MlValue.FromDateTicks(new DateTime((int)y, (int)m, (int)d, (int)h, (int)mi, (int)s, DateTimeKind.Utc).Ticks);
    }

    private static MlValue FromTimestamp(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var v = Args.Number(args, 0, P + "fromTimestamp");
        if (v.IsInt)
        {
            long ms;
            try { ms = checked(v.AsInt * 1000); }
            catch (OverflowException) { throw Dates.OutOfRange(); }
            return Dates.FromEpochMs(ms);
        }
        return Dates.FromEpochMs(Ops.AsDoubleExact(v) * 1000.0);
    }

    private static MlValue DaysInMonth(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long y = Args.Int(args, 0, P + "daysInMonth");
        long m = Args.Int(args, 1, P + "daysInMonth");
        if (m < 1 || m > 12) throw MlError.Value($"{P}daysInMonth: invalid month {m} (must be 1 to 12)");
        return MlValue.FromInt(Dates.DaysInMonth(y, m));
    }
}
