using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>The global objects of spec §8: JSON, Math, Date, Object, Array, Number, String, Error, console, Bytes.</summary>
internal static class GlobalObjects
{
    // ---- JSON (§8.1) ---------------------------------------------------------------------------

    public static readonly MlObject Json = Ns.Functions("JSON", ("stringify", JsonStringify), ("parse", JsonParse));

    private static MlValue JsonStringify(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        if (Args.Has(args, 1)) throw MlError.Type("JSON.stringify: the replacer must be null (replacer functions are not supported)");
        string? indent = IndentOf(Args.At(args, 2));
        return StringifyChecked(ctx, Args.At(args, 0), indent);
    }

    /// <summary>JavaScript's indent argument: an int clamped to 10 spaces (&lt; 1 ⇒ compact) or the first 10 characters of a string.</summary>
    public static string? IndentOf(in MlValue v)
    {
        if (v.IsNull) return null;
        if (v.IsString)
        {
            string s = v.AsString;
            if (s.Length == 0) return null;
            return s.Length > 10 ? s[..10] : s;
        }
        if (v.IsNumber)
        {
            long n = v.IsInt ? v.AsInt : Args.TruncateToLong(Ops.AsDoubleExact(v));
            if (n < 1) return null;
            return new string(' ', (int)System.Math.Min(n, 10));
        }
        throw MlError.Type($"JSON.stringify: the indent must be a number or a string, not {Args.Describe(v)}");
    }

    public static MlValue StringifyChecked(ExecContext ctx, in MlValue value, string? indent)
    {
        // The writer checks the size and memory limits as the text grows (see MlJson).
        string? text = MlJson.Stringify(value, indent);
        if (text is null) return MlValue.Null;
        ctx.CheckStringLength(text.Length);
        return text;
    }

    private static MlValue JsonParse(ExecContext ctx, ReadOnlySpan<MlValue> args) =>
        MlJson.Parse(Args.String(args, 0, "JSON.parse"), ctx, MlJson.MaxDepth);

    // ---- Math (§8.2) -------------------------------------------------------------------------------

    public static readonly MlObject Math = Ns.Extend(
        Ns.Functions("Math",
            ("abs", (ctx, a) => Abs(Args.Number(a, 0, "Math.abs"))),
            ("min", (ctx, a) => MinMax(a, "Math.min", wantMax: false)),
            ("max", (ctx, a) => MinMax(a, "Math.max", wantMax: true)),
            ("floor", (ctx, a) => MlValue.FromInt(Numeric.Floor(Args.Number(a, 0, "Math.floor"), "Math.floor"))),
            ("ceil", (ctx, a) => MlValue.FromInt(Numeric.Ceiling(Args.Number(a, 0, "Math.ceil"), "Math.ceil"))),
            ("trunc", (ctx, a) => MlValue.FromInt(Numeric.Truncate(Args.Number(a, 0, "Math.trunc"), "Math.trunc"))),
            ("round", (ctx, a) => MlValue.FromInt(Numeric.JsRound(Args.Number(a, 0, "Math.round"), "Math.round"))),
            ("sqrt", (ctx, a) => System.Math.Sqrt(Args.Double(a, 0, "Math.sqrt"))),
            ("pow", (ctx, a) => Pow(Args.Double(a, 0, "Math.pow"), Args.Double(a, 1, "Math.pow"))),
            ("exp", (ctx, a) => System.Math.Exp(Args.Double(a, 0, "Math.exp"))),
            ("log", (ctx, a) => System.Math.Log(Args.Double(a, 0, "Math.log"))),
            ("log10", (ctx, a) => System.Math.Log10(Args.Double(a, 0, "Math.log10"))),
            ("log2", (ctx, a) => System.Math.Log2(Args.Double(a, 0, "Math.log2"))),
            ("sin", (ctx, a) => System.Math.Sin(Args.Double(a, 0, "Math.sin"))),
            ("cos", (ctx, a) => System.Math.Cos(Args.Double(a, 0, "Math.cos"))),
            ("tan", (ctx, a) => System.Math.Tan(Args.Double(a, 0, "Math.tan"))),
            ("asin", (ctx, a) => System.Math.Asin(Args.Double(a, 0, "Math.asin"))),
            ("acos", (ctx, a) => System.Math.Acos(Args.Double(a, 0, "Math.acos"))),
            ("atan", (ctx, a) => System.Math.Atan(Args.Double(a, 0, "Math.atan"))),
            ("atan2", (ctx, a) => System.Math.Atan2(Args.Double(a, 0, "Math.atan2"), Args.Double(a, 1, "Math.atan2"))),
            ("random", (ctx, a) => ctx.Random())),
        ("PI", System.Math.PI), ("E", System.Math.E));

    /// <summary><c>abs</c> keeping the kind (int overflow for the most negative int).</summary>
    public static MlValue Abs(in MlValue v)
    {
        if (v.IsInt)
        {
            long x = v.AsInt;
            if (x == long.MinValue) throw MlError.IntegerOverflow();
            return MlValue.FromInt(x < 0 ? -x : x);
        }
        if (v.IsDouble) return MlValue.FromDouble(System.Math.Abs(v.AsDouble));
        if (v.IsDecimal) return MlValue.FromDecimal(System.Math.Abs(v.AsDecimal));
        throw MlError.Type($"abs: expected a number, got {Args.Describe(v)}");
    }

    /// <summary>JavaScript's pow: unlike .NET, <c>pow(±1, ±∞)</c> and <c>pow(1, NaN)</c> are NaN.</summary>
    private static double Pow(double x, double y)
    {
        if (double.IsNaN(y)) return double.NaN;
        if ((x == 1 || x == -1) && double.IsInfinity(y)) return double.NaN;
        return System.Math.Pow(x, y);
    }

    /// <summary>Math.min / Math.max: the winning argument unchanged; NaN wins; no arguments ⇒ TypeError.</summary>
    private static MlValue MinMax(ReadOnlySpan<MlValue> args, string fn, bool wantMax)
    {
        if (args.Length == 0) throw MlError.Type($"{fn}: expected at least one number");
        MlValue best = default;
        for (int i = 0; i < args.Length; i++)
        {
            var v = args[i];
            if (!v.IsNumber) throw MlError.Type($"{fn}: expected numbers, got {Args.Describe(v)}");
            if (v.IsDouble && double.IsNaN(v.AsDouble)) return v;
            if (i == 0) { best = v; continue; }
            int c = Ops.CompareNumbers(v, best);
            if (wantMax ? c > 0 : c < 0) best = v;
        }
        return best;
    }

    // ---- Date (§8.3) ---------------------------------------------------------------------------------

    public static readonly MlObject Date = Ns.Functions("Date",
        ("now", (ctx, a) => MlValue.FromInt(Dates.ToEpochMs(ctx.Clock.GetUtcNow().UtcTicks))),
        ("parse", (ctx, a) => MlValue.FromInt(Dates.ToEpochMs(Dates.ParseIso(Args.String(a, 0, "Date.parse"))))),
        ("UTC", (ctx, a) => MlValue.FromInt(Dates.ComponentsToEpochMs(a, "Date.UTC"))));

    /// <summary><c>new Date(…)</c>.</summary>
    public static MlValue ConstructDate(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        if (args.Length == 0) return MlValue.FromDateTicks(ctx.Clock.GetUtcNow().UtcTicks);
        if (args.Length == 1) return Dates.FromValue(args[0], "new Date");
        return Dates.FromEpochMs(Dates.ComponentsToEpochMs(args, "new Date"));
    }

    // ---- Object, Array (§8.4) ------------------------------------------------------------------------

    public static readonly MlObject Object = Ns.Functions("Object",
        ("keys", (ctx, a) => Keys(ctx, Args.Object(a, 0, "Object.keys"))),
        ("values", (ctx, a) => Values(ctx, Args.Object(a, 0, "Object.values"))),
        ("entries", (ctx, a) => Entries(ctx, Args.Object(a, 0, "Object.entries"))),
        ("fromEntries", FromEntries),
        ("assign", Assign),
        ("hasOwn", (ctx, a) => MlValue.FromBool(Args.Object(a, 0, "Object.hasOwn").ContainsKey(Ops.ToKey(Args.At(a, 1))))));

    public static MlArray Keys(ExecContext ctx, MlObject o)
    {
        int n = o.Count;
        ctx.ReserveElements(n, o);
        var items = new MlValue[n];
        for (int i = 0; i < n; i++) items[i] = MlValue.FromString(o.KeyAt(i));
        return new MlArray(items, n);
    }

    public static MlArray Values(ExecContext ctx, MlObject o)
    {
        int n = o.Count;
        ctx.ReserveElements(n, o);
        var items = new MlValue[n];
        for (int i = 0; i < n; i++) items[i] = o.ValueAt(i);
        return new MlArray(items, n);
    }

    public static MlArray Entries(ExecContext ctx, MlObject o)
    {
        int n = o.Count;
        ctx.ReserveElements(n, o);
        ctx.Reserve(n * CoreBuiltins.PairBytes, o);
        var items = new MlValue[n];
        for (int i = 0; i < n; i++)
            items[i] = new MlArray([MlValue.FromString(o.KeyAt(i)), o.ValueAt(i)], 2);
        return new MlArray(items, n);
    }

    private static MlValue FromEntries(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var pairs = Args.Array(args, 0, "Object.fromEntries");
        var result = new MlObject();
        ctx.Protect(result);
        var items = pairs.ToArray();
        for (int i = 0; i < items.Length; i++)
        {
            Args.Tick(ctx, i);
            var p = items[i];
            if (!p.IsArray) throw MlError.Type($"Object.fromEntries: each entry must be a [key, value] array, got {Args.Describe(p)}");
            var pair = p.AsArray;
            var key = pair.Count > 0 ? pair[0] : MlValue.Null;
            var value = pair.Count > 1 ? pair[1] : MlValue.Null;
            result.SetFromData(Ops.ToKey(key), value);
            ctx.CheckCollectionSize(result.Count);
        }
        return result;
    }

    private static MlValue Assign(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var target = Args.Object(args, 0, "Object.assign");
        Ns.CheckWritable(target, "Object.assign");
        for (int s = 1; s < args.Length; s++)
        {
            var src = args[s];
            if (src.IsNull) continue;
            if (!src.IsObject) throw MlError.Type($"Object.assign: sources must be objects, got {Args.Describe(src)}");
            var o = src.AsObject;
            int n = o.Count;
            ctx.ReserveElements((long)target.Count + n, args[0], src);
            for (int i = 0; i < n && i < o.Count; i++)
            {
                target.SetFromData(o.KeyAt(i), o.ValueAt(i));
                Args.Tick(ctx, i);
            }
            ctx.CheckCollectionSize(target.Count);
        }
        return args[0];
    }

    public static readonly MlObject Array = Ns.Functions("Array",
        ("isArray", (ctx, a) => MlValue.FromBool(Args.At(a, 0).IsArray)));

    // ---- Number, String, Error ------------------------------------------------------------------------

    public static readonly NamespaceFunction Number = new("Number",
        (ctx, a) => a.Length == 0 ? MlValue.FromInt(0) : Conversions.ToNumber(a[0]),
        Ns.Functions("Number",
            ("isInteger", (ctx, a) => MlValue.FromBool(IsInteger(Args.At(a, 0)))),
            ("isFinite", (ctx, a) => MlValue.FromBool(IsFinite(Args.At(a, 0)))),
            ("isNaN", (ctx, a) => MlValue.FromBool(Args.At(a, 0) is var v && v.IsDouble && double.IsNaN(v.AsDouble)))));

    private static bool IsInteger(in MlValue v)
    {
        if (v.IsInt) return true;
        if (v.IsDouble) { double d = v.AsDouble; return double.IsFinite(d) && d == System.Math.Floor(d); }
        if (v.IsDecimal) return v.AsDecimal == decimal.Truncate(v.AsDecimal);
        return false;
    }

    private static bool IsFinite(in MlValue v) => v.IsInt || v.IsDecimal || (v.IsDouble && double.IsFinite(v.AsDouble));

    public static readonly MlValue String = Ns.Fn("String", (ctx, a) => Str(ctx, Args.At(a, 0)));

    public static MlValue Str(ExecContext ctx, in MlValue v)
    {
        if (v.IsString) return v;
        string s = MlFormat.Str(v);
        ctx.CheckStringLength(s.Length);
        return s;
    }

    public static readonly MlValue Error = Ns.Fn("Error", MakeError);

    private static MlValue MakeError(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var m = Args.At(args, 0);
        var o = new MlObject();
        o.Set("type", "Error");
        o.Set("message", m.IsNull ? "" : m.IsString ? m : MlFormat.Str(m));
        return o;
    }

    /// <summary>The Error function as a <see cref="BuiltinFunction"/>, to recognise <c>new Error(…)</c>.</summary>
    public static MlFunction ErrorFunction => Error.AsFunction;

    // ---- console, Bytes ------------------------------------------------------------------------

    public static readonly MlObject Console = Ns.Functions("console",
        ("log", (ctx, a) => Write(ctx, MlOutputLevel.Log, a)),
        ("info", (ctx, a) => Write(ctx, MlOutputLevel.Info, a)),
        ("warn", (ctx, a) => Write(ctx, MlOutputLevel.Warn, a)),
        ("error", (ctx, a) => Write(ctx, MlOutputLevel.Error, a)),
        ("debug", (ctx, a) => Write(ctx, MlOutputLevel.Debug, a)));

    /// <summary>print / console.*: the str() of the arguments joined by spaces; returns null.</summary>
    public static MlValue Write(ExecContext ctx, MlOutputLevel level, ReadOnlySpan<MlValue> args)
    {
        var output = ctx.Output;
        if (output is null) return MlValue.Null;
        string text;
        if (args.Length == 1) text = MlFormat.Str(args[0]);
        else
        {
            var parts = new string[args.Length];
            for (int i = 0; i < args.Length; i++) parts[i] = MlFormat.Str(args[i]);
            text = string.Join(' ', parts);
        }
        output(level, text);
        return MlValue.Null;
    }

    public static readonly MlObject Bytes = Ns.Functions("Bytes", ("fromBase64", FromBase64));

    private static MlValue FromBase64(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        string s = Args.String(args, 0, "Bytes.fromBase64");
        ctx.Reserve(s.Length, args[0]);
        try
        {
            return MlValue.FromBytes(Convert.FromBase64String(s));
        }
        catch (FormatException)
        {
            throw MlError.Value("Bytes.fromBase64: invalid base64 text");
        }
    }
}
