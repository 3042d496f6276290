using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary><c>import math;</c> (spec §10, mlpy's math module).</summary>
internal static class MathModule
{
    public static readonly MlObject Namespace = Ns.Extend(
        Ns.Functions("math",
            ("sqrt", (ctx, a) => Math.Sqrt(Args.Double(a, 0, "math.sqrt"))),
            ("abs", (ctx, a) => GlobalObjects.Abs(Args.Number(a, 0, "math.abs"))),
            ("sin", (ctx, a) => Math.Sin(Args.Double(a, 0, "math.sin"))),
            ("cos", (ctx, a) => Math.Cos(Args.Double(a, 0, "math.cos"))),
            ("tan", (ctx, a) => Math.Tan(Args.Double(a, 0, "math.tan"))),
            ("asin", (ctx, a) => Math.Asin(Args.Double(a, 0, "math.asin"))),
            ("acos", (ctx, a) => Math.Acos(Args.Double(a, 0, "math.acos"))),
            ("atan", (ctx, a) => Math.Atan(Args.Double(a, 0, "math.atan"))),
            ("atan2", (ctx, a) => Math.Atan2(Args.Double(a, 0, "math.atan2"), Args.Double(a, 1, "math.atan2"))),
            ("exp", (ctx, a) => Math.Exp(Args.Double(a, 0, "math.exp"))),
            ("pow", (ctx, a) => Math.Pow(Args.Double(a, 0, "math.pow"), Args.Double(a, 1, "math.pow"))),
            ("ln", (ctx, a) => Math.Log(Args.Double(a, 0, "math.ln"))),
            ("log", Log),
            ("floor", (ctx, a) => MlValue.FromInt(Numeric.Floor(Args.Number(a, 0, "math.floor"), "math.floor"))),
            ("ceil", (ctx, a) => MlValue.FromInt(Numeric.Ceiling(Args.Number(a, 0, "math.ceil"), "math.ceil"))),
            ("round", (ctx, a) => MlValue.FromInt(Numeric.RoundToIntHalfEven(Args.Number(a, 0, "math.round"), "math.round"))),
            ("min", (ctx, a) => Pick(a, "math.min", wantMax: false)),
            ("max", (ctx, a) => Pick(a, "math.max", wantMax: true)),
            ("sign", (ctx, a) => MlValue.FromInt(Sign(Args.Number(a, 0, "math.sign")))),
            ("factorial", Factorial),
            ("gcd", (ctx, a) => MlValue.FromInt(Gcd(Args.Int(a, 0, "math.gcd"), Args.Int(a, 1, "math.gcd")))),
            ("lcm", Lcm),
            ("degToRad", (ctx, a) => Args.Double(a, 0, "math.degToRad") * Math.PI / 180.0),
            ("radToDeg", (ctx, a) => Args.Double(a, 0, "math.radToDeg") * 180.0 / Math.PI),
            ("radians", (ctx, a) => Args.Double(a, 0, "math.radians") * Math.PI / 180.0),
            ("degrees", (ctx, a) => Args.Double(a, 0, "math.degrees") * 180.0 / Math.PI),
            ("random", (ctx, a) => ctx.Random())),
        ("pi", Math.PI), ("e", Math.E));

    /// <summary><c>log(x, base = 10)</c>; bases 10 and 2 use the exact library functions.</summary>
    private static MlValue Log(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        double x = Args.Double(args, 0, "math.log");
        if (!Args.Has(args, 1)) return Math.Log10(x);
        double b = Args.Double(args, 1, "math.log");
        if (b == 10) return Math.Log10(x);
        if (b == 2) return Math.Log2(x);
        return Math.Log(x) / Math.Log(b);
    }

    private static MlValue Pick(ReadOnlySpan<MlValue> args, string fn, bool wantMax)
    {
        var a = Args.Number(args, 0, fn);
        var b = Args.Number(args, 1, fn);
        int c = Ops.CompareNumbers(b, a);
        if (c == Ops.Unordered) return a.IsDouble && double.IsNaN(a.AsDouble) ? a : b;
        return (wantMax ? c > 0 : c < 0) ? b : a;
    }

    private static long Sign(in MlValue v)
    {
        if (v.IsInt) return Math.Sign(v.AsInt);
        if (v.IsDecimal) return Math.Sign(v.AsDecimal);
        double d = v.AsDouble;
        return d > 0 ? 1 : d < 0 ? -1 : 0;
    }

    private static MlValue Factorial(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long n = Args.Int(args, 0, "math.factorial");
        if (n < 0) throw MlError.Value($"math.factorial: invalid argument {n} (must not be negative)");
        long r = 1;
        for (long i = 2; i <= n; i++)
        {
            try { r = checked(r * i); }
            catch (OverflowException) { throw MlError.IntegerOverflow(); }
        }
        return MlValue.FromInt(r);
    }

    public static long Gcd(long a, long b)
    {
        ulong x = a < 0 ? (ulong)(-(a + 1)) + 1 : (ulong)a;
        ulong y = b < 0 ? (ulong)(-(b + 1)) + 1 : (ulong)b;
        while (y != 0) (x, y) = (y, x % y);
        if (x > long.MaxValue) throw MlError.IntegerOverflow();
        return (long)x;
    }

    private static MlValue Lcm(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long a = Args.Int(args, 0, "math.lcm");
        long b = Args.Int(args, 1, "math.lcm");
        if (a == 0 || b == 0) return MlValue.FromInt(0);
        long g = Gcd(a, b);
        try { return MlValue.FromInt(Math.Abs(checked(a / g * b))); }
        catch (OverflowException) { throw MlError.IntegerOverflow(); }
    }
}
