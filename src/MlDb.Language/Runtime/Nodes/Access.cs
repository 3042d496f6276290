using System.Runtime.CompilerServices;
using MlDb.Language.Builtins;

namespace MlDb.Language.Runtime;

/// <summary>Remembers "objects of this shape keep the key at this slot" for one member site.</summary>
internal sealed class ShapeCache(ObjectShape shape, int index)
{
    public readonly ObjectShape Shape = shape;
    public readonly int Index = index;
}

/// <summary>Remembers "adding the key to this shape gives that shape" for one assignment site.</summary>
internal sealed class TransitionCache(ObjectShape from, ObjectShape to)
{
    public readonly ObjectShape From = from;
    public readonly ObjectShape To = to;
}

/// <summary>Shared pieces of member, index and method access on non-object values.</summary>
internal static class Access
{
    public static MlError PropertyOfNull(string name) => MlError.Type($"cannot read property '{name}' of null");

    public static MlError NoProperty(in MlValue target, string name) =>
        MlError.Type($"{Ops.Article(target.TypeName)} has no property '{name}'");

    /// <summary><c>x.name</c> where x is not an object: <c>length</c>, or a method as a bound function value.</summary>
    public static MlValue NonObjectMember(ExecContext ctx, in MlValue target, string name)
    {
        if (target.IsNull) throw PropertyOfNull(name);
        if (name == "length")
        {
            if (target.IsArray) return MlValue.FromInt(target.AsArray.Count);
            if (target.IsString) return MlValue.FromInt(target.AsString.Length);
            if (target.IsBytes) return MlValue.FromInt(target.AsBytes.Length);
        }
        if (target.IsOpaque)
        {
            var m = target.AsOpaque.GetMethod(name);
            if (m is not null) return MlValue.FromFunction(m);
            throw NoProperty(target, name);
        }
        if (target.IsFunction && target.AsFunction.StaticMembers is { } members) return members.Get(name);
        if (target.IsBool || target.IsFunction) throw NoProperty(target, name);
        var body = BuiltinRegistry.FindMethod(target.Kind, name);
        if (body is null) throw NoProperty(target, name);
        return MlValue.FromFunction(BindMethod(name, body, target));
    }

    // Kept out of NonObjectMember: a lambda capturing locals there would allocate its closure on
    // every call of that method, including every `.length` read.
    private static BuiltinFunction BindMethod(string name, MethodBody body, MlValue self) =>
        new(name, (c, args) => body(c, self, args), size => size.AddValue(self));

    /// <summary><c>x[i]</c> (spec §6.6).</summary>
    public static MlValue Index(in MlValue target, in MlValue index)
    {
        if (target.TryGetObject(out var obj)) return obj.Get(Ops.ToKey(index));
        if (target.TryGetArray(out var array))
        {
            long i = Ops.ToIndex(index);
            if (i < 0) i += array.Count;
            return (ulong)i < (ulong)array.Count ? array[(int)i] : MlValue.Null;
        }
        if (target.TryGetString(out var s))
        {
            long i = Ops.ToIndex(index);
            if (i < 0) i += s.Length;
            return (ulong)i < (ulong)s.Length ? MlValue.FromString(s[(int)i].ToString()) : MlValue.Null;
        }
        if (target.IsBytes)
        {
            var b = target.AsBytes;
            long i = Ops.ToIndex(index);
            if (i < 0) i += b.Length;
            return (ulong)i < (ulong)b.Length ? MlValue.FromInt(b[(int)i]) : MlValue.Null;
        }
        if (target.IsNull) throw MlError.Type($"cannot read index {MlFormat.Str(index)} of null");
        throw MlError.Type($"cannot index {Ops.Article(target.TypeName)}");
    }

    /// <summary><c>x[i] = v</c> (spec §3.6).</summary>
    public static void SetIndex(in MlValue target, in MlValue index, MlValue value)
    {
        if (target.TryGetObject(out var obj))
        {
            if (obj.IsFrozen) throw MlError.Type("cannot change a read-only module namespace");
            obj.SetFromData(Ops.ToKey(index), value);
            return;
        }
        if (target.TryGetArray(out var array))
        {
            long i = Ops.ToIndex(index);
            long n = array.Count;
            if (i < -n || i >= n) throw MlError.Range($"index out of range: {i} for an array of length {n} (use push to append)");
            if (i < 0) i += n;
            array[(int)i] = value;
            return;
        }
        if (target.IsNull) throw MlError.Type($"cannot set index {MlFormat.Str(index)} of null");
        throw MlError.Type($"cannot assign to an index of {Ops.Article(target.TypeName)}");
    }

    public static void SetMember(in MlValue target, string name, MlValue value)
    {
        if (target.TryGetObject(out var obj))
        {
            if (obj.IsFrozen) throw MlError.Type($"cannot change '{name}' of a read-only module namespace");
            obj.Set(name, value);
            return;
        }
        if (target.IsNull) throw MlError.Type($"cannot set property '{name}' of null");
        throw MlError.Type($"cannot set property '{name}' of {Ops.Article(target.TypeName)}");
    }

    /// <summary>Python slice bounds (spec §6.6): returns the element indexes in order.</summary>
    public static (long Start, long Step, long Count) SliceIndexes(long length, in MlValue start, in MlValue end, in MlValue step)
    {
        long k = step.IsNull ? 1 : Ops.ToIndex(step);
        if (k == 0) throw MlError.Value("invalid slice: the step cannot be zero");
        long lo, hi;
        if (k > 0)
        {
            lo = start.IsNull ? 0 : Clamp(Ops.ToIndex(start), length, 0, length);
            hi = end.IsNull ? length : Clamp(Ops.ToIndex(end), length, 0, length);
            long count = hi > lo ? (hi - lo + k - 1) / k : 0;
            return (lo, k, count);
        }
        lo = start.IsNull ? length - 1 : Clamp(Ops.ToIndex(start), length, -1, length - 1);
        hi = end.IsNull ? -1 : Clamp(Ops.ToIndex(end), length, -1, length - 1);
        long c = lo > hi ? (lo - hi + (-k) - 1) / (-k) : 0;
        return (lo, k, c);
    }

    private static long Clamp(long i, long length, long min, long max)
    {
        if (i < 0) i += length;
        if (i < min) return min;
        if (i > max) return max;
        return i;
    }

    public static MlValue Slice(ExecContext ctx, in MlValue target, in MlValue start, in MlValue end, in MlValue step)
    {
        if (target.TryGetArray(out var array))
        {
            var (first, k, count) = SliceIndexes(array.Count, start, end, step);
            ctx.ReserveElements(count, target);
            if (k == 1) return count == 0 ? new MlArray() : array.Slice(ctx, (int)first, (int)(first + count));
            var result = new MlArray((int)count);
            for (long i = 0, j = first; i < count; i++, j += k) result.Add(array[(int)j]);
            return result;
        }
        if (target.TryGetString(out var s))
        {
            var (first, k, count) = SliceIndexes(s.Length, start, end, step);
            ctx.ReserveString(count, target);
            if (k == 1) return s.Substring((int)first, (int)count);
            var chars = new char[count];
            for (long i = 0, j = first; i < count; i++, j += k) chars[i] = s[(int)j];
            return new string(chars);
        }
        if (target.IsNull) throw MlError.Type("cannot slice null (of null)");
        throw MlError.Type($"cannot slice {Ops.Article(target.TypeName)}");
    }
}

internal sealed class CellGetNode(int line, int column, VarSlot slot, int index, bool check) : ExprNode(line, column)
{
    private readonly int _index = index;
    private readonly bool _check = check;
    private readonly VarSlot _slot = slot;

    public override MlValue Eval(ExecContext ctx)
    {
        var v = ((Cell)ctx.Stack[ctx.Bp + _index]._ref!).Value;
        if (_check && v.IsUninitialized) throw ctx.Raise(MlError.Reference($"cannot access '{_slot.Name}' before initialization"), this);
        return v;
    }
}

internal sealed class UpvalueGetNode(int line, int column, string name, int index, bool check, bool isImplicit) : ExprNode(line, column)
{
    private readonly int _index = index;
    private readonly bool _check = check;

    public override MlValue Eval(ExecContext ctx)
    {
        var v = ctx.Upvalues[_index].Value;
        if (_check && v.IsUninitialized) throw ctx.Raise(isImplicit
            ? MlError.Reference($"cannot read '{name}' before assignment")
            : MlError.Reference($"cannot access '{name}' before initialization"), this);
        return v;
    }
}

internal sealed class GlobalGetNode(int line, int column, string name, int index, bool check, bool isImplicit) : ExprNode(line, column)
{
    private readonly int _index = index;
    private readonly bool _check = check;

    public override MlValue Eval(ExecContext ctx)
    {
        var v = ctx.Globals[_index].Value;
        if (_check && v.IsUninitialized) throw ctx.Raise(isImplicit
            ? MlError.Reference($"cannot read '{name}' before assignment")
            : MlError.Reference($"cannot access '{name}' before initialization"), this);
        return v;
    }
}

/// <summary><c>target.name</c> with an inline cache of the last shared shape seen.</summary>
internal sealed class MemberNode(int line, int column, ExprNode target, string name) : ExprNode(line, column)
{
    private readonly ExprNode _target = target;
    private readonly string _name = name;
    private ShapeCache? _cache;

    public override MlValue Eval(ExecContext ctx)
    {
        var t = _target.Eval(ctx);
        if (t._ref is MlObject o)
        {
            var c = _cache;
            if (c is not null && ReferenceEquals(c.Shape, o._shape)) return o._values[c.Index];
            return Lookup(o);
        }
        if (_isLength)
        {
            if (t._ref is MlArray a) return MlValue.FromInt(a.Count);
            if (t._ref is string s) return MlValue.FromInt(s.Length);
        }
        return NonObject(ctx, t);
    }

    private readonly bool _isLength = name == "length";

    public override bool EvalBool(ExecContext ctx) => Eval(ctx).IsTruthy;

    private MlValue Lookup(MlObject o)
    {
        var shape = o._shape;
        int i = shape.IndexOf(_name);
        if (i < 0) return MlValue.Null;
        if (shape.IsShared) _cache = new ShapeCache(shape, i);
        return o._values[i];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue NonObject(ExecContext ctx, MlValue t)
    {
        try { return Access.NonObjectMember(ctx, t, _name); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class IndexNode(int line, int column, ExprNode target, ExprNode index) : ExprNode(line, column)
{
    private readonly ExprNode _target = target;
    private readonly ExprNode _index = index;

    public override MlValue Eval(ExecContext ctx)
    {
        var t = _target.Eval(ctx);
        var i = _index.Eval(ctx);
        if (t._ref is MlArray a && i.IsInt)
        {
            long k = i.AsInt;
            if (k < 0) k += a.Count;
            return (ulong)k < (ulong)a.Count ? a[(int)k] : MlValue.Null;
        }
        if (t._ref is MlObject o && i._ref is string key) return o.Get(key);
        return Slow(ctx, t, i);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue t, MlValue i)
    {
        try { return Access.Index(t, i); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class SliceNode(int line, int column, ExprNode target, ExprNode? start, ExprNode? end, ExprNode? step) : ExprNode(line, column)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var t = target.Eval(ctx);
        var a = start?.Eval(ctx) ?? MlValue.Null;
        var b = end?.Eval(ctx) ?? MlValue.Null;
        var k = step?.Eval(ctx) ?? MlValue.Null;
        try { return Access.Slice(ctx, t, a, b, k); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

/// <summary>The element values of an array or object literal.</summary>
internal static class LiteralParts
{
    /// <summary>
    /// Evaluates <paramref name="parts"/> into a new array of at least <paramref name="minLength"/>
    /// slots. The values wait on the value stack meanwhile, so the memory measurement sees the
    /// ones already made while the next ones are computed.
    /// </summary>
    public static MlValue[] Evaluate(ExecContext ctx, ExprNode[] parts, int minLength)
    {
        int n = parts.Length;
        var values = new MlValue[Math.Max(n, minLength)];
        if (n == 0) return values;
        int at = ctx.Sp;
        ctx.EnsureStack(at + n);
        ctx.Sp = at + n;
        for (int i = 0; i < n; i++) ctx.Stack[at + i] = parts[i].Eval(ctx);
        ctx.Stack.AsSpan(at, n).CopyTo(values);
        ctx.Sp = at;
        return values;
    }
}

internal sealed class ArrayLiteralNode(int line, int column, ExprNode[] items) : ExprNode(line, column)
{
    public override MlValue Eval(ExecContext ctx)
    {
        if (items.Length > ctx.MaxCollection) throw ctx.Raise(MlError.SizeLimit(), this);
        return MlValue.FromArray(new MlArray(LiteralParts.Evaluate(ctx, items, items.Length), items.Length));
    }
}

/// <summary>An object literal; its keys are known, so its shape is computed once at compile time.</summary>
internal sealed class ObjectLiteralNode : ExprNode
{
    private readonly ObjectShape? _shape;
    private readonly string[] _keys;
    private readonly int[] _slotOfMember;
    private readonly ExprNode[] _values;

    public ObjectLiteralNode(int line, int column, List<(string Key, ExprNode Value)> members) : base(line, column)
    {
        // A repeated key keeps its first position and takes the last value.
        var keys = new List<string>();
        _slotOfMember = new int[members.Count];
        _values = new ExprNode[members.Count];
        for (int i = 0; i < members.Count; i++)
        {
            int slot = keys.IndexOf(members[i].Key);
            if (slot < 0)
            {
                slot = keys.Count;
                keys.Add(string.Intern(members[i].Key));
            }
            _slotOfMember[i] = slot;
            _values[i] = members[i].Value;
        }
        _keys = keys.ToArray();
        ObjectShape? shape = ObjectShape.Empty;
        foreach (var k in _keys)
        {
            shape = shape.WithKey(k);
            if (shape is null) break;
        }
        _shape = shape;
    }

    public override MlValue Eval(ExecContext ctx)
    {
        if (_keys.Length > ctx.MaxCollection) throw ctx.Raise(MlError.SizeLimit(), this);
        // At least two slots, so a small object can grow a little without copying.
        var values = LiteralParts.Evaluate(ctx, _values, 2);
        if (_keys.Length != _values.Length)
        {
            // a repeated key keeps its first slot and takes the last value
            var evaluated = values;
            values = new MlValue[Math.Max(_keys.Length, 2)];
            for (int i = 0; i < _values.Length; i++) values[_slotOfMember[i]] = evaluated[i];
        }
        if (_shape is not null) return MlValue.FromObject(new MlObject(_shape, values));
        var obj = new MlObject(_keys.Length);
        for (int i = 0; i < _keys.Length; i++) obj.SetFromData(_keys[i], values[i]);
        return MlValue.FromObject(obj);
    }
}

/// <summary>Creates a closure: collects the captured cells from the running frame.</summary>
internal sealed class MakeClosureNode(int line, int column, FunctionProto proto) : ExprNode(line, column)
{
    public readonly FunctionProto Proto = proto;

    public override MlValue Eval(ExecContext ctx) => MlValue.FromFunction(Create(ctx));

    public Closure Create(ExecContext ctx)
    {
        var sources = Proto.Upvalues;
        if (sources.Length == 0) return new Closure(Proto, []);
        var cells = new Cell[sources.Length];
        for (int i = 0; i < cells.Length; i++)
        {
            var s = sources[i];
            cells[i] = s.FromLocalSlot ? (Cell)ctx.Stack[ctx.Bp + s.Index]._ref! : ctx.Upvalues[s.Index];
        }
        return new Closure(Proto, cells);
    }
}
