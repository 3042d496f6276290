using MlDb.Language.Builtins;
using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class NumericTests
{
    [Theory]
    [InlineData(2.5, 0, 2.0)]
    [InlineData(3.5, 0, 4.0)]
    [InlineData(-2.5, 0, -2.0)]
    [InlineData(0.5, 0, 0.0)]
    [InlineData(3.14159, 2, 3.14)]
    [InlineData(2.675, 2, 2.67)]      // 2.675 is 2.67499999… in binary
    [InlineData(1.005, 2, 1.0)]       // 1.00499999…
    [InlineData(0.125, 2, 0.12)]      // exact tie: to even
    [InlineData(0.375, 2, 0.38)]      // exact tie: to even
    [InlineData(1234.5, -2, 1200.0)]
    [InlineData(1250.0, -2, 1200.0)]
    [InlineData(1350.0, -2, 1400.0)]
    [InlineData(1e300, 2, 1e300)]
    [InlineData(5e-324, 400, 5e-324)]
    public void Round_double_is_half_even_on_the_exact_value(double x, long n, double expected)
    {
        Assert.Equal(expected, Numeric.RoundHalfEven(x, n));
    }

    [Fact]
    public void Round_keeps_kinds()
    {
        var r = Call("round", MlValue.FromDouble(2.5));
        Assert.True(r.IsDouble);
        Assert.Equal(2.0, r.AsDouble);
        Assert.Equal(7, Call("round", MlValue.FromInt(7)).AsInt);
        Assert.Equal(20, Call("round", MlValue.FromInt(15), MlValue.FromInt(-1)).AsInt);
        Assert.Equal(20, Call("round", MlValue.FromInt(25), MlValue.FromInt(-1)).AsInt);
        Assert.Equal(-20, Call("round", MlValue.FromInt(-25), MlValue.FromInt(-1)).AsInt);
        var d = Call("round", MlValue.FromDecimal(2.345m), MlValue.FromInt(2));
        Assert.Equal("2.34", MlFormat.Str(d));
        Assert.Equal("2.00", MlFormat.Str(Call("round", MlValue.FromDecimal(2m), MlValue.FromInt(2))));
        Assert.Equal("2", MlFormat.Str(Call("round", MlValue.FromDecimal(2.5m))));
        Assert.Equal(-0.0, Numeric.RoundHalfEven(-0.4, 0));
        Assert.True(double.IsNegative(Numeric.RoundHalfEven(-0.4, 0)));
    }

    [Theory]
    [InlineData(2.5, 0, "3")]
    [InlineData(-1.5, 0, "-2")]
    [InlineData(1.456, 2, "1.46")]
    [InlineData(1.005, 2, "1.00")]    // exact value is below the half
    [InlineData(1.45, 1, "1.4")]      // exact value 1.44999999999999995559… is below
    [InlineData(8.345, 2, "8.35")]    // 8.3450000000000006394884621840901672840118408203125
    [InlineData(0.000001, 3, "0.000")]
    [InlineData(1234.5678, 1, "1234.6")]
    [InlineData(-0.0001, 2, "-0.00")]
    [InlineData(0.1, 20, "0.10000000000000000555")]
    [InlineData(123.0, 0, "123")]
    [InlineData(1e21, 1, "1000000000000000000000.0")]
    public void ToFixed_double(double x, int digits, string expected)
    {
        Assert.Equal(expected, Method(MlValue.FromDouble(x), "toFixed", MlValue.FromInt(digits)).AsString);
    }

    [Fact]
    public void ToFixed_other_kinds_and_range()
    {
        Assert.Equal("10.00", Method(MlValue.FromInt(10), "toFixed", MlValue.FromInt(2)).AsString);
        Assert.Equal("2.35", Method(MlValue.FromDecimal(2.345m), "toFixed", MlValue.FromInt(2)).AsString);
        Assert.Equal("-2.35", Method(MlValue.FromDecimal(-2.345m), "toFixed", MlValue.FromInt(2)).AsString);
        Assert.Equal("19.9000", Method(MlValue.FromDecimal(19.9m), "toFixed", MlValue.FromInt(4)).AsString);
        Assert.Equal("NaN", Method(MlValue.FromDouble(double.NaN), "toFixed", MlValue.FromInt(2)).AsString);
        Assert.Equal("3", Method(MlValue.FromDouble(2.5), "toFixed").AsString);
        Assert.Equal("RangeError", Fails(() => Method(MlValue.FromDouble(1), "toFixed", MlValue.FromInt(21))).ErrorType);
        Assert.Equal("2.0", Method(MlValue.FromDouble(2.0), "toString").AsString);
    }

    [Fact]
    public void Math_rounding_functions_return_ints()
    {
        Assert.Equal(3, Member("Math", "round", MlValue.FromDouble(2.5)).AsInt);
        Assert.Equal(-2, Member("Math", "round", MlValue.FromDouble(-2.5)).AsInt);
        Assert.Equal(-3, Member("Math", "round", MlValue.FromDouble(-2.51)).AsInt);
        Assert.Equal(0, Member("Math", "round", MlValue.FromDouble(0.49999999999999994)).AsInt);
        Assert.Equal(-3, Member("Math", "floor", MlValue.FromDouble(-2.5)).AsInt);
        Assert.Equal(3, Member("Math", "ceil", MlValue.FromDecimal(2.1m)).AsInt);
        Assert.Equal(-2, Member("Math", "trunc", MlValue.FromDouble(-2.7)).AsInt);
        Assert.Equal("ArithmeticError", Fails(() => Member("Math", "floor", MlValue.FromDouble(double.NaN))).ErrorType);
        Assert.Equal("ArithmeticError", Fails(() => Member("Math", "round", MlValue.FromDouble(double.PositiveInfinity))).ErrorType);
        Assert.Contains("integer overflow", Fails(() => Member("Math", "floor", MlValue.FromDouble(1e19))).Message);
        Assert.Equal(2, Module("math", "round", MlValue.FromDouble(2.5)).AsInt);
        Assert.Equal(4, Module("math", "round", MlValue.FromDouble(3.5)).AsInt);
    }

    [Fact]
    public void Math_min_max_return_the_argument_unchanged()
    {
        var r = Member("Math", "max", MlValue.FromInt(1), MlValue.FromDouble(2.5), MlValue.FromInt(2));
        Assert.Equal(2.5, r.AsDouble);
        Assert.True(Member("Math", "min", MlValue.FromInt(3), MlValue.FromInt(1)).IsInt);
        Assert.True(double.IsNaN(Member("Math", "max", MlValue.FromInt(1), MlValue.FromDouble(double.NaN)).AsDouble));
        Assert.Equal("TypeError", Fails(() => Member("Math", "min")).ErrorType);
        Assert.True(double.IsNaN(Member("Math", "sqrt", MlValue.FromInt(-1)).AsDouble));
    }

    [Fact]
    public void Builtin_min_max_sum_abs()
    {
        Assert.True(Call("min", MlValue.FromArray(Arr())).IsNull);
        Assert.Equal(9, Call("max", MlValue.FromArray(Arr(4, 9, 2))).AsInt);
        Assert.Equal("a", Call("min", "b", "a", "c").AsString);
        Assert.Equal("TypeError", Fails(() => Call("min", 1, "a")).ErrorType);
        Assert.Equal(3.5, Call("sum", MlValue.FromArray(Arr(1, 2.5))).AsDouble);
        Assert.Equal("0.3", MlFormat.Str(Call("sum", MlValue.FromArray(Arr(MlValue.FromDecimal(0.1m), MlValue.FromDecimal(0.2m))))));
        Assert.Contains("integer overflow", Fails(() => Call("sum", MlValue.FromArray(Arr(long.MaxValue, 1)))).Message);
        Assert.Equal("TypeError", Fails(() => Call("sum", MlValue.FromArray(Arr(1, "2")))).ErrorType);
        Assert.Contains("integer overflow", Fails(() => Call("abs", long.MinValue)).Message);
        Assert.Equal("-0x8000000000000000", Call("hex", long.MinValue).AsString);
        Assert.Equal("-0b1010", Call("bin", -10).AsString);
        Assert.Equal("0o0", Call("oct", 0).AsString);
    }
}
