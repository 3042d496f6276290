using MlDb.Language.Builtins;
using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class ConversionTests
{
    private static MlValue ParseInt(string s, MlValue radix = default) => Conversions.ParseInt(s, radix);

    [Theory]
    [InlineData("42px", 42)]
    [InlineData("  -17  ", -17)]
    [InlineData("+8", 8)]
    [InlineData("0x1F", 31)]
    [InlineData("-0x1f", -31)]
    [InlineData("3.9", 3)]
    [InlineData("007", 7)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void ParseInt_reads_leading_digits(string text, long expected)
    {
        var r = ParseInt(text);
        Assert.True(r.IsInt, text);
        Assert.Equal(expected, r.AsInt);
    }

    [Theory]
    [InlineData("px")]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("-")]
    [InlineData(" .5")]
    public void ParseInt_without_digits_is_NaN(string text)
    {
        var r = ParseInt(text);
        Assert.True(r.IsDouble && double.IsNaN(r.AsDouble), text);
    }

    [Fact]
    public void ParseInt_radix()
    {
        Assert.Equal(255, ParseInt("ff", 16).AsInt);
        Assert.Equal(255, ParseInt("0xff", 16).AsInt);
        Assert.Equal(0, ParseInt("0xff", 10).AsInt);
        Assert.Equal(5, ParseInt("101", 2).AsInt);
        Assert.Equal(1, ParseInt("12", 2).AsInt);
        Assert.Equal(35, ParseInt("z", 36).AsInt);
        Assert.True(double.IsNaN(ParseInt("12", 1).AsDouble));
        Assert.True(double.IsNaN(ParseInt("12", 37).AsDouble));
        Assert.Equal(12, ParseInt("12", 0).AsInt);
        var big = ParseInt("99999999999999999999");
        Assert.True(big.IsDouble);
        Assert.Equal(1e20, big.AsDouble);
        Assert.Equal(3, Conversions.ParseInt(MlValue.FromDouble(3.9), MlValue.Null).AsInt);
        Assert.True(double.IsNaN(Conversions.ParseInt(MlValue.Null, MlValue.Null).AsDouble));
    }

    [Theory]
    [InlineData("3.25kg", 3.25)]
    [InlineData("  -2.5e-3xyz", -0.0025)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("1e", 1.0)]
    [InlineData("1e+", 1.0)]
    [InlineData("1.5E2", 150.0)]
    [InlineData("+7", 7.0)]
    [InlineData("-Infinityx", double.NegativeInfinity)]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("0.1.2", 0.1)]
    public void ParseFloat_longest_prefix(string text, double expected)
    {
        Assert.Equal(expected, Conversions.ParseFloat(text));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("e5")]
    [InlineData("infinity")]
    [InlineData("-.e1")]
    public void ParseFloat_without_number_is_NaN(string text)
    {
        Assert.True(double.IsNaN(Conversions.ParseFloat(text)));
    }

    [Fact]
    public void Number_conversion()
    {
        Assert.Equal(42, Conversions.ToNumber("42").AsInt);
        Assert.Equal(12, Conversions.ToNumber(" 12 ").AsInt);
        Assert.Equal(0, Conversions.ToNumber("").AsInt);
        Assert.Equal(0, Conversions.ToNumber("   ").AsInt);
        Assert.Equal(4.5, Conversions.ToNumber("4.5").AsDouble);
        Assert.Equal(1000.0, Conversions.ToNumber("1e3").AsDouble);
        Assert.Equal(16, Conversions.ToNumber("0x10").AsInt);
        Assert.Equal(double.NegativeInfinity, Conversions.ToNumber("-Infinity").AsDouble);
        Assert.True(double.IsNaN(Conversions.ToNumber("12abc").AsDouble));
        Assert.True(double.IsNaN(Conversions.ToNumber(MlValue.FromArray(Arr())).AsDouble));
        Assert.Equal(1e19, Conversions.ToNumber("10000000000000000000").AsDouble);
        Assert.Equal(0, Conversions.ToNumber(MlValue.Null).AsInt);
        Assert.Equal(1, Conversions.ToNumber(MlValue.True).AsInt);
        Assert.Equal(86400000, Conversions.ToNumber(MlValue.FromDateTicks(Dates.EpochTicks + TimeSpan.TicksPerDay)).AsInt);
        Assert.Equal(42, Lib.Call("Number", "42").AsInt);
        Assert.True(Member("Number", "isNaN", MlValue.FromDouble(double.NaN)).AsBool);
        Assert.True(Member("Number", "isInteger", MlValue.FromDouble(5.0)).AsBool);
        Assert.False(Member("Number", "isInteger", MlValue.FromDouble(5.5)).AsBool);
        Assert.False(Member("Number", "isFinite", MlValue.FromDouble(double.PositiveInfinity)).AsBool);
    }

    [Fact]
    public void Int_conversion()
    {
        Assert.Equal(3, Conversions.ToInt("3.9"));
        Assert.Equal(-7, Conversions.ToInt(" -7 "));
        Assert.Equal(-2, Conversions.ToInt(-2.7));
        Assert.Equal(1, Conversions.ToInt(MlValue.True));
        Assert.Equal(19, Conversions.ToInt(MlValue.FromDecimal(19.99m)));
        Assert.Equal(long.MinValue, Conversions.ToInt("-9223372036854775808"));
        Assert.Equal("ValueError", Fails(() => Conversions.ToInt("1e3")).ErrorType);
        Assert.Equal("ValueError", Fails(() => Conversions.ToInt("abc")).ErrorType);
        Assert.Equal("ValueError", Fails(() => Conversions.ToInt("")).ErrorType);
        Assert.Equal("ValueError", Fails(() => Conversions.ToInt(double.NaN)).ErrorType);
        Assert.Equal("ArithmeticError", Fails(() => Conversions.ToInt(1e19)).ErrorType);
        Assert.Equal("ArithmeticError", Fails(() => Conversions.ToInt("9223372036854775808")).ErrorType);
        Assert.Contains("invalid", Fails(() => Conversions.ToInt("x")).Message);
    }

    [Fact]
    public void Float_and_decimal_conversion()
    {
        Assert.Equal(1000.0, Conversions.ToFloat("1e3"));
        Assert.Equal(double.PositiveInfinity, Conversions.ToFloat("inf"));
        Assert.Equal(double.NegativeInfinity, Conversions.ToFloat(" -Infinity "));
        Assert.True(double.IsNaN(Conversions.ToFloat("NaN")));
        Assert.Equal(2.0, Conversions.ToFloat(2));
        Assert.Equal(0.1, Conversions.ToFloat(MlValue.FromDecimal(0.1m)));
        Assert.Equal("ValueError", Fails(() => Conversions.ToFloat("x1")).ErrorType);
        Assert.Equal("ValueError", Fails(() => Conversions.ToFloat("01")).ErrorType);
        Assert.Equal("ValueError", Fails(() => Conversions.ToFloat(MlValue.Null)).ErrorType);
        Assert.Equal("19.90", MlFormat.Decimal(Conversions.ToDecimal("19.90")));
        Assert.Equal("0.1", MlFormat.Decimal(Conversions.ToDecimal(0.1)));
        Assert.Equal("10000000000000000", MlFormat.Decimal(Conversions.ToDecimal(1e16)));
        Assert.Equal("ValueError", Fails(() => Conversions.ToDecimal("1.2.3")).ErrorType);
        Assert.Equal("ValueError", Fails(() => Conversions.ToDecimal(double.NaN)).ErrorType);
        Assert.Equal("ArithmeticError", Fails(() => Conversions.ToDecimal(1e300)).ErrorType);
    }
}
