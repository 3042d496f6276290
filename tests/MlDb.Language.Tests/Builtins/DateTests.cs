using MlDb.Language.Builtins;
using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class DateTests
{
    private static string Iso(MlValue d) => MlFormat.IsoDate(d.AsDateTicks);

    private static MlValue New(params MlValue[] args) => With(ctx => Constructors.Construct(ctx, Date, args));

    private static MlValue Date => Globals.TryGet("Date", out var d) ? d : MlValue.Null;

    [Theory]
    [InlineData("2024-03-05T07:08:09.123Z", "2024-03-05T07:08:09.123Z")]
    [InlineData("2024-12-31", "2024-12-31T00:00:00.000Z")]
    [InlineData("2024-01-15 10:30", "2024-01-15T10:30:00.000Z")]
    [InlineData("2024-01-15T10:30:00", "2024-01-15T10:30:00.000Z")]
    [InlineData("2024-01-15T10:30:00.1234567Z", "2024-01-15T10:30:00.123Z")]
    [InlineData("2024-01-15T10:30:00.5", "2024-01-15T10:30:00.500Z")]
    [InlineData("2024-03-05T01:00:00+02:00", "2024-03-04T23:00:00.000Z")]
    [InlineData("2024-03-05T23:30-01:30", "2024-03-06T01:00:00.000Z")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z")]
    public void Parses_the_ISO_forms(string text, string expected)
    {
        Assert.Equal(expected, Iso(MlValue.FromDateTicks(Dates.ParseIso(text))));
    }

    [Theory]
    [InlineData("28/02/2024")]
    [InlineData("2024-02-30")]
    [InlineData("2023-02-29")]
    [InlineData("2024-1-5")]
    [InlineData("2024-01-01T24:00")]
    [InlineData("2024-01-01T10")]
    [InlineData("2024-01-01T10:00:00.12345678Z")]
    [InlineData("2024-01-01T10:00:00.Z")]
    [InlineData("2024-01-01Z")]
    [InlineData("2024-01-01T10:00:00+0200")]
    [InlineData(" 2024-01-01")]
    [InlineData("2024-01-01T10:00:00z")]
    [InlineData("")]
    public void Rejects_other_text(string text)
    {
        var e = Fails(() => MlValue.FromDateTicks(Dates.ParseIso(text)));
        Assert.Equal("ValueError", e.ErrorType);
        Assert.Contains("invalid date", e.Message);
    }

    [Fact]
    public void Components_roll_over_as_in_JavaScript()
    {
        Assert.Equal("2024-02-01T00:00:00.000Z", Iso(New(2024, 0, 32)));
        Assert.Equal("2024-02-02T01:00:00.000Z", Iso(New(2024, 0, 32, 25, 0, 0)));
        Assert.Equal("2025-01-01T00:00:00.000Z", Iso(New(2024, 12, 1)));
        Assert.Equal("2023-12-01T00:00:00.000Z", Iso(New(2024, -1, 1)));
        Assert.Equal("2024-02-29T00:00:00.000Z", Iso(New(2024, 2, 0)));
        Assert.Equal("2024-01-01T00:00:00.000Z", Iso(New(2023, 11, 31, 23, 59, 60)));
        Assert.Equal("2024-01-01T00:00:00.999Z", Iso(New(2024, 0, 1, 0, 0, 0, 999)));
        Assert.Equal("1999-05-01T00:00:00.000Z", Iso(New(99, 4)));
        Assert.Equal(1709164800000, Member("Date", "UTC", 2024, 1, 29).AsInt);
        Assert.Equal(1709164800000, Member("Date", "parse", "2024-02-29T00:00:00Z").AsInt);
    }

    [Fact]
    public void Milliseconds_and_text_constructors()
    {
        Assert.Equal("1970-01-02T00:00:00.000Z", Iso(New(86400000)));
        Assert.Equal("1969-12-31T23:59:59.999Z", Iso(New(-1)));
        Assert.Equal(-1, Method(New(-1), "getTime").AsInt);
        Assert.Equal(-2, Method(New(-1.5), "getTime").AsInt); // floored
        Assert.Equal("2024-03-05T07:08:09.123Z", Iso(New("2024-03-05T07:08:09.123Z")));
        Assert.Equal("ValueError", Fails(() => New(double.NaN)).ErrorType);
        Assert.Equal("ValueError", Fails(() => New(long.MaxValue)).ErrorType);
        Assert.Equal("TypeError", Fails(() => New(MlValue.True)).ErrorType);
        var fixedClock = new FixedClock(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var now = With(ctx => Constructors.Construct(ctx, Date, []), new MlCallOptions { Clock = fixedClock });
        Assert.Equal("2030-01-02T03:04:05.000Z", Iso(now));
    }

    [Fact]
    public void Getters_are_UTC()
    {
        var d = New("2024-03-05T07:08:09.123Z");
        Assert.Equal(1709622489123, Method(d, "getTime").AsInt);
        Assert.Equal(2024, Method(d, "getUTCFullYear").AsInt);
        Assert.Equal(2, Method(d, "getMonth").AsInt);
        Assert.Equal(3, Method(d, "month").AsInt);
        Assert.Equal(5, Method(d, "getUTCDate").AsInt);
        Assert.Equal(2, Method(d, "getUTCDay").AsInt);   // Tuesday
        Assert.Equal(1, Method(d, "weekday").AsInt);     // Monday = 0
        Assert.Equal(123, Method(d, "getMilliseconds").AsInt);
        Assert.Equal(1709622489.123, Method(d, "timestamp").AsDouble);
        Assert.Equal("2024-03-06T19:08:09.123Z", Iso(Method(d, "addHours", 36)));
        Assert.Equal("2024-03-05T19:08:09.123Z", Iso(Method(d, "addDays", 0.5)));
        Assert.True(Method(d, "isBefore", Method(d, "addSeconds", 1)).AsBool);
        Assert.Equal("ValueError", Fails(() => Method(d, "addDays", 1e9)).ErrorType);
    }

    [Fact]
    public void Datetime_module()
    {
        Assert.Equal("2024-02-28T23:00:00.000Z", Iso(Module("datetime", "create", 2024, 2, 28, 23)));
        Assert.Equal("ValueError", Fails(() => Module("datetime", "create", 2023, 2, 29)).ErrorType);
        Assert.Equal(29, Module("datetime", "daysInMonth", 2024, 2).AsInt);
        Assert.False(Module("datetime", "isLeapYear", 1900).AsBool);
        Assert.Equal("1970-01-01T00:00:01.500Z", Iso(Module("datetime", "fromTimestamp", 1.5)));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
