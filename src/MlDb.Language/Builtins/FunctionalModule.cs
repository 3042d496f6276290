using System.Text;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary><c>import functional;</c> (spec §10): function-first helpers; results are plain ML values.</summary>
internal static class FunctionalModule
{
    private const string P = "functional.";

    public static readonly MlObject Namespace = Ns.Functions("functional",
        ("map", (ctx, a) => CollectionsModule.Map(ctx, Args.Array(a, 1, P + "map"), Args.Function(a, 0, P + "map"))),
        ("filter", (ctx, a) => CollectionsModule.Filter(ctx, Args.Array(a, 1, P + "filter"), Args.Function(a, 0, P + "filter"))),
        ("reduce", (ctx, a) => CollectionsModule.Reduce(ctx, Args.Array(a, 1, P + "reduce"), Args.Function(a, 0, P + "reduce"), a.Length > 2, Args.At(a, 2))),
        ("forEach", ForEach),
        ("find", (ctx, a) => CollectionsModule.Find(ctx, Args.Array(a, 1, P + "find"), Args.Function(a, 0, P + "find"))),
        ("some", (ctx, a) => MlValue.FromBool(CollectionsModule.Some(ctx, Args.Array(a, 1, P + "some"), Args.Function(a, 0, P + "some")))),
        ("every", (ctx, a) => MlValue.FromBool(CollectionsModule.Every(ctx, Args.Array(a, 1, P + "every"), Args.Function(a, 0, P + "every")))),
        ("compose", (ctx, a) => Chain(FunctionList(a, P + "compose"), reverse: true, "composed")),
        ("pipe", (ctx, a) => Chain(FunctionList(a, P + "pipe"), reverse: false, "piped")),
        ("partial", Partial),
        ("curry2", Curry2),
        ("identity", (ctx, a) => Args.At(a, 0)),
        ("constant", Constant),
        ("memoize", Memoize),
        ("zip", Zip),
        ("range", Range),
        ("repeat", Repeat),
        ("take", (ctx, a) => CollectionsModule.Take(ctx, Args.Array(a, 1, P + "take"), Args.Int(a, 0, P + "take"))),
        ("drop", (ctx, a) => CollectionsModule.Drop(ctx, Args.Array(a, 1, P + "drop"), Args.Int(a, 0, P + "drop"))),
        ("flatten", (ctx, a) => CollectionsModule.Flatten(ctx, Args.Array(a, 0, P + "flatten"))),
        ("chunk", (ctx, a) => CollectionsModule.Chunk(ctx, Args.Array(a, 1, P + "chunk"), Args.Int(a, 0, P + "chunk"), P + "chunk")),
        ("groupBy", GroupBy),
        ("unique", (ctx, a) => ValueEquality.Unique(ctx, Args.Array(a, 0, P + "unique").AsSpan())),
        ("reverse", (ctx, a) => CollectionsModule.Reversed(ctx, Args.Array(a, 0, P + "reverse"))),
        ("partition", Partition),
        ("ifElse", IfElse),
        ("cond", Cond),
        ("times", Times),
        ("zipWith", ZipWith),
        ("takeWhile", TakeWhile),
        ("juxt", (ctx, a) => Juxt(FunctionList(a, P + "juxt"))));

    /// <summary>A function made at run time; <paramref name="retains"/> reports the ML values it holds to the memory measurement.</summary>
    private static MlValue Closure(string name, BuiltinBody body, Action<RetainedSize>? retains = null) =>
        MlValue.FromFunction(new BuiltinFunction(name, body, retains));

    private static Action<RetainedSize> Holding(params MlFunction[] fns) => size =>
    {
        foreach (var f in fns) size.AddValue(MlValue.FromFunction(f));
    };

    /// <summary>Functions given as arguments, or as one array argument (mlpy's <c>juxt([f, g])</c>).</summary>
    private static MlFunction[] FunctionList(ReadOnlySpan<MlValue> args, string fn)
    {
        var source = args.Length == 1 && args[0].IsArray ? args[0].AsArray.AsSpan() : args;
        var fns = new MlFunction[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            if (!source[i].IsFunction) throw MlError.Type($"{fn}: argument {i + 1} ({Args.Describe(source[i])}) is not a function");
            fns[i] = source[i].AsFunction;
        }
        return fns;
    }

    private static MlValue ForEach(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "forEach");
        var list = Args.Array(args, 1, P + "forEach");
        ctx.Reserve(list.Count * MemoryMeter.SlotBytes, args[1]);
        foreach (var v in list.ToArray()) ctx.Call(f, v);
        return MlValue.Null;
    }

    private static MlValue Chain(MlFunction[] fns, bool reverse, string name) =>
        Closure(name, (ctx, a) =>
        {
            var x = Args.At(a, 0);
            if (reverse) for (int i = fns.Length - 1; i >= 0; i--) x = ctx.Call(fns[i], x);
            else for (int i = 0; i < fns.Length; i++) x = ctx.Call(fns[i], x);
            return x;
        }, Holding(fns));

    private static MlValue Partial(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "partial");
        var bound = args[1..].ToArray();
        return Closure("partial", (c, a) =>
        {
            var all = new MlValue[bound.Length + a.Length];
            bound.CopyTo(all, 0);
            a.CopyTo(all.AsSpan(bound.Length));
            return c.Call(f, all);
        }, size =>
        {
            size.AddValue(MlValue.FromFunction(f));
            size.AddValues(bound);
        });
    }

    private static MlValue Curry2(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "curry2");
        return Closure("curried", (c, a) =>
        {
            var first = Args.At(a, 0);
            return Closure("curried", (c2, b) => c2.Call(f, first, Args.At(b, 0)), size =>
            {
                size.AddValue(MlValue.FromFunction(f));
                size.AddValue(first);
            });
        }, Holding(f));
    }

    private static MlValue Constant(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var v = Args.At(args, 0);
        return Closure("constant", (c, a) => v, size => size.AddValue(v));
    }

    /// <summary>Caches results by the arguments' type and JSON text; safe to call from several threads.</summary>
    private static MlValue Memoize(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "memoize");
        var cache = new Dictionary<string, MlValue>(StringComparer.Ordinal);
        return Closure("memoized", (c, a) =>
        {
            var sb = new StringBuilder();
            foreach (var v in a)
            {
                sb.Append(v.TypeName).Append(':');
                if (v.IsFunction) sb.Append(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v.AsFunction));
                else sb.Append(MlFormat.ToJsonOrText(v));
                sb.Append('\u0001');
            }
            string key = sb.ToString();
            lock (cache)
            {
                if (cache.TryGetValue(key, out var hit)) return hit;
            }
            var result = c.Call(f, a);
            lock (cache) cache[key] = result;
            return result;
        }, size =>
        {
            size.AddValue(MlValue.FromFunction(f));
            lock (cache)
            {
                foreach (var (key, value) in cache)
                {
                    size.AddString(key);
                    size.AddBytes(24);
                    size.AddValue(value);
                }
            }
        });
    }

    private static MlValue Zip(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        if (args.Length == 2) return CollectionsModule.Zip(ctx, Args.Array(args, 0, P + "zip"), Args.Array(args, 1, P + "zip"));
        int n = int.MaxValue;
        for (int k = 0; k < args.Length; k++) n = Math.Min(n, Args.Array(args, k, P + "zip").Count);
        if (args.Length == 0) n = 0;
        ctx.ReserveElements(n);
        ctx.Reserve(n * (56 + args.Length * MemoryMeter.SlotBytes));
        var result = new MlArray(n);
        for (int i = 0; i < n; i++)
        {
            Args.Tick(ctx, i);
            var tuple = new MlValue[args.Length];
            for (int k = 0; k < args.Length; k++) tuple[k] = args[k].AsArray[i];
            result.Add(new MlArray(tuple, tuple.Length));
        }
        return result;
    }

    private static MlValue Range(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long start = Args.Int(args, 0, P + "range");
        if (!Args.Has(args, 1)) return CoreBuiltins.MakeRange(ctx, 0, start, 1);
        return CoreBuiltins.MakeRange(ctx, start, Args.Int(args, 1, P + "range"), Args.IntOr(args, 2, 1, P + "range"));
    }

    private static MlValue Repeat(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var v = Args.At(args, 0);
        long n = Args.Int(args, 1, P + "repeat");
        if (n <= 0) return new MlArray();
        ctx.ReserveElements(n, v);
        if (n > int.MaxValue) throw MlError.SizeLimit();
        var items = new MlValue[n];
        Array.Fill(items, v);
        return new MlArray(items, items.Length);
    }

    private static MlValue GroupBy(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "groupBy");
        var list = Args.Array(args, 1, P + "groupBy");
        ctx.Reserve(list.Count * MemoryMeter.SlotBytes * 2, args[1]);
        var items = list.ToArray();
        var result = new MlObject();
        ctx.Protect(result);
        foreach (var v in items)
        {
            string key = Ops.ToKey(ctx.Call(f, v));
            if (!result.TryGetValue(key, out var group))
            {
                ctx.CheckCollectionSize(result.Count + 1L);
                group = new MlArray();
                result.SetFromData(key, group);
            }
            group.AsArray.Add(v);
        }
        return result;
    }

    private static MlValue Partition(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "partition");
        var yes = new MlArray();
        var no = new MlArray();
        var list = Args.Array(args, 1, P + "partition");
        ctx.Reserve(list.Count * MemoryMeter.SlotBytes * 2, args[1]);
        ctx.Protect(yes);
        ctx.Protect(no);
        foreach (var v in list.ToArray())
            (ctx.Call(f, v).IsTruthy ? yes : no).Add(v);
        return new MlArray([yes, no], 2);
    }

    private static MlValue IfElse(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var pred = Args.Function(args, 0, P + "ifElse");
        var then = Args.Function(args, 1, P + "ifElse");
        var otherwise = Args.Function(args, 2, P + "ifElse");
        return Closure("ifElse", (c, a) =>
        {
            var x = Args.At(a, 0);
            return c.Call(c.Call(pred, x).IsTruthy ? then : otherwise, x);
        }, Holding(pred, then, otherwise));
    }

    private static MlValue Cond(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var pairs = Args.Array(args, 0, P + "cond").ToArray();
        var preds = new MlFunction[pairs.Length];
        var actions = new MlFunction[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            if (!pairs[i].IsArray || pairs[i].AsArray.Count < 2 || !pairs[i].AsArray[0].IsFunction || !pairs[i].AsArray[1].IsFunction)
                throw MlError.Type($"{P}cond: each condition must be a [predicate, function] pair; entry {i} is not a function pair");
            preds[i] = pairs[i].AsArray[0].AsFunction;
            actions[i] = pairs[i].AsArray[1].AsFunction;
        }
        return Closure("cond", (c, a) =>
        {
            var x = Args.At(a, 0);
            for (int i = 0; i < preds.Length; i++)
                if (c.Call(preds[i], x).IsTruthy) return c.Call(actions[i], x);
            return MlValue.Null;
        }, Holding([.. preds, .. actions]));
    }

    private static MlValue Times(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        long n = Args.Int(args, 0, P + "times");
        var f = Args.Function(args, 1, P + "times");
        if (n <= 0) return new MlArray();
        ctx.ReserveElements(n);
        if (n > int.MaxValue) throw MlError.SizeLimit();
        var r = new MlArray((int)n);
        ctx.Protect(r);
        for (long i = 0; i < n; i++) r.Add(ctx.Call(f, MlValue.FromInt(i)));
        return r;
    }

    private static MlValue ZipWith(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "zipWith");
        var la = Args.Array(args, 1, P + "zipWith");
        var lb = Args.Array(args, 2, P + "zipWith");
        ctx.ReserveElements(Math.Min(la.Count, lb.Count), args[1], args[2]);
        ctx.Reserve((la.Count + (long)lb.Count) * MemoryMeter.SlotBytes, args[1], args[2]);
        var a = la.ToArray();
        var b = lb.ToArray();
        int n = Math.Min(a.Length, b.Length);
        var r = new MlArray(n);
        ctx.Protect(r);
        for (int i = 0; i < n; i++) r.Add(ctx.Call(f, a[i], b[i]));
        return r;
    }

    private static MlValue TakeWhile(ExecContext ctx, ReadOnlySpan<MlValue> args)
    {
        var f = Args.Function(args, 0, P + "takeWhile");
        var r = new MlArray();
        var list = Args.Array(args, 1, P + "takeWhile");
        ctx.Reserve(list.Count * MemoryMeter.SlotBytes, args[1]);
        ctx.Protect(r);
        foreach (var v in list.ToArray())
        {
            if (!ctx.Call(f, v).IsTruthy) break;
            r.Add(v);
        }
        return r;
    }

    private static MlValue Juxt(MlFunction[] fns) =>
        Closure("juxt", (c, a) =>
        {
            var x = Args.At(a, 0);
            var r = new MlArray(fns.Length);
            c.Protect(r);
            foreach (var f in fns) r.Add(c.Call(f, x));
            return r;
        }, Holding(fns));
}
