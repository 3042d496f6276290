using MlDb.Language.Syntax;

namespace MlDb.Language.Runtime;

/// <summary>
/// A block: on entry it makes fresh cells for its captured variables, resets variables that may
/// be read before their declaration, and binds its hoisted function declarations; then it runs
/// its statements, counting one step each.
/// </summary>
internal sealed class BlockNode(int line, int column, StmtNode[] statements) : StmtNode(line, column)
{
    private readonly StmtNode[] _statements = statements;
    public int[] FreshCellSlots = [];
    public int[] TdzResetSlots = [];
    public (VarSlot Target, MakeClosureNode Maker)[] Hoisted = [];
    public VarSlot[] HoistedImports = [];
    public MlValue[] HoistedImportValues = [];
    private bool _hasEntryWork;

    public void Seal() =>
        _hasEntryWork = FreshCellSlots.Length + TdzResetSlots.Length + Hoisted.Length + HoistedImports.Length > 0;

    public override Completion Exec(ExecContext ctx)
    {
        if (_hasEntryWork) Enter(ctx);
        var statements = _statements;
        for (int i = 0; i < statements.Length; i++)
        {
            ctx.Step(statements[i]);
            var c = statements[i].Exec(ctx);
            if (c != Completion.Normal) return c;
        }
        return Completion.Normal;
    }

    private void Enter(ExecContext ctx)
    {
        var stack = ctx.Stack;
        int bp = ctx.Bp;
        foreach (int slot in FreshCellSlots) stack[bp + slot] = new MlValue(new Cell(), 0);
        foreach (int slot in TdzResetSlots) stack[bp + slot] = MlValue.Uninitialized;
        for (int i = 0; i < HoistedImports.Length; i++) HoistedImports[i].Set(ctx, HoistedImportValues[i]);
        foreach (var (target, maker) in Hoisted) target.Set(ctx, MlValue.FromFunction(maker.Create(ctx)));
    }
}

internal sealed class ExprStmtNode(int line, int column, ExprNode expr) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        expr.Eval(ctx);
        return Completion.Normal;
    }
}

internal sealed class AssignLocalNode(int line, int column, int slot, ExprNode value) : StmtNode(line, column)
{
    private readonly int _slot = slot;
    private readonly ExprNode _value = value;

    public override Completion Exec(ExecContext ctx)
    {
        var v = _value.Eval(ctx);
        ctx.Stack[ctx.Bp + _slot] = v;
        return Completion.Normal;
    }
}

internal sealed class AssignVarNode(int line, int column, VarSlot slot, ExprNode value) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        slot.Set(ctx, value.Eval(ctx));
        return Completion.Normal;
    }
}

internal sealed class ConstAssignNode(int line, int column, string name, ExprNode value) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        value.Eval(ctx);
        throw ctx.Raise(MlError.Type($"cannot assign to '{name}': it is a constant"), this);
    }
}

/// <summary>The operators of <c>+= -= *= /= %=</c>, with the position of the assignment for errors.</summary>
internal static class CompoundOps
{
    public static MlValue Apply(ExecContext ctx, BinaryOp op, in MlValue a, in MlValue b, Node site)
    {
        try
        {
            return op switch
            {
                BinaryOp.Add => Ops.Add(ctx, a, b),
                BinaryOp.Subtract => Ops.Subtract(a, b),
                BinaryOp.Multiply => Ops.Multiply(a, b),
                BinaryOp.Divide => Ops.Divide(a, b),
                _ => Ops.Modulo(a, b),
            };
        }
        catch (MlError e) when (ctx.TryStampOrigin(e, site))
        {
            throw;
        }
    }
}

internal sealed class CompoundVarAssignNode(int line, int column, VarSlot slot, BinaryOp op, ExprNode value, bool check, bool isImplicit) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        var current = slot.Get(ctx);
        if (check && current.IsUninitialized)
            throw ctx.Raise(isImplicit
                ? MlError.Reference($"cannot read '{slot.Name}' before assignment")
                : MlError.Reference($"cannot access '{slot.Name}' before initialization"), this);
        var v = value.Eval(ctx);
        slot.Set(ctx, CompoundOps.Apply(ctx, op, current, v, this));
        return Completion.Normal;
    }
}

/// <summary><c>o.name = v</c> (or <c>o.name op= v</c>) with caches for an existing key and for adding it.</summary>
internal sealed class MemberAssignNode(int line, int column, ExprNode target, string name, BinaryOp? op, ExprNode value) : StmtNode(line, column)
{
    private readonly string _name = string.Intern(name);
    private ShapeCache? _existing;
    private TransitionCache? _adding;

    public override Completion Exec(ExecContext ctx)
    {
        var t = target.Eval(ctx);
        if (t._ref is MlObject o && !o.IsFrozen)
        {
            if (op is { } compound)
            {
                var current = o.Get(_name);
                var rhs = value.Eval(ctx);
                var result = CompoundOps.Apply(ctx, compound, current, rhs, this);
                if (o.Count >= ctx.MaxCollection && !o.ContainsKey(_name)) throw ctx.Raise(MlError.SizeLimit(), this);
                o.Set(_name, result);
                return Completion.Normal;
            }
            var v = value.Eval(ctx);
            var shape = o._shape;
            var e = _existing;
            if (e is not null && ReferenceEquals(e.Shape, shape))
            {
                o._values[e.Index] = v;
                return Completion.Normal;
            }
            // Adding a key grows the object: the size limit of spec §12 applies.
            if (shape.Count >= ctx.MaxCollection && shape.IndexOf(_name) < 0) throw ctx.Raise(MlError.SizeLimit(), this);
            var a = _adding;
            if (a is not null && ReferenceEquals(a.From, shape))
            {
                o.AddWithTransition(a.To, v);
                return Completion.Normal;
            }
            SetSlow(o, shape, v);
            return Completion.Normal;
        }
        var val = value.Eval(ctx);
        try { Access.SetMember(t, _name, val); }
        catch (MlError err) when (ctx.TryStampOrigin(err, this)) { throw; }
        return Completion.Normal;
    }

    private void SetSlow(MlObject o, ObjectShape shape, MlValue v)
    {
        int i = shape.IndexOf(_name);
        if (i >= 0)
        {
            o._values[i] = v;
            if (shape.IsShared) _existing = new ShapeCache(shape, i);
            return;
        }
        o.AddNew(_name, v, fromData: false);
        if (shape.IsShared && o._shape.IsShared) _adding = new TransitionCache(shape, o._shape);
    }
}

internal sealed class IndexAssignNode(int line, int column, ExprNode target, ExprNode index, BinaryOp? op, ExprNode value) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        var t = target.Eval(ctx);
        var i = index.Eval(ctx);
        try
        {
            MlValue v;
            if (op is { } compound)
            {
                var current = Access.Index(t, i);
                var rhs = value.Eval(ctx);
                v = CompoundOps.Apply(ctx, compound, current, rhs, this);
            }
            else
            {
                v = value.Eval(ctx);
            }
            if (t._ref is MlObject grows && grows.Count >= ctx.MaxCollection && !grows.ContainsKey(Ops.ToKey(i)))
                throw MlError.SizeLimit();
            Access.SetIndex(t, i, v);
        }
        catch (MlError e) when (ctx.TryStampOrigin(e, this))
        {
            throw;
        }
        return Completion.Normal;
    }
}

/// <summary><c>[a, b] = arr;</c> / <c>{a, b} = obj;</c> (and their <c>let</c>/<c>const</c> forms).</summary>
internal sealed class DestructureNode(int line, int column, bool isArray, string[] names, VarSlot?[] slots, ExprNode value, bool declares) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        var v = value.Eval(ctx);
        if (isArray)
        {
            if (!v.TryGetArray(out var array))
                throw ctx.Raise(MlError.Type($"cannot destructure {Ops.Article(v.TypeName)} as an array"), this);
            for (int i = 0; i < slots.Length; i++)
                Store(ctx, i, i < array.Count ? array[i] : MlValue.Null);
        }
        else
        {
            if (!v.TryGetObject(out var obj))
                throw ctx.Raise(MlError.Type($"cannot destructure {Ops.Article(v.TypeName)} as an object"), this);
            for (int i = 0; i < slots.Length; i++) Store(ctx, i, obj.Get(names[i]));
        }
        return Completion.Normal;
    }

    private void Store(ExecContext ctx, int i, MlValue v)
    {
        var slot = slots[i] ?? throw ctx.Raise(MlError.Type($"cannot assign to '{names[i]}': it is a constant"), this);
        if (declares) slot.Bind(ctx, v);
        else slot.Set(ctx, v);
    }
}

internal sealed class IfNode(int line, int column, ExprNode[] conditions, BlockNode[] bodies, BlockNode? elseBody) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        for (int i = 0; i < conditions.Length; i++)
        {
            if (conditions[i].EvalBool(ctx)) return bodies[i].Exec(ctx);
        }
        return elseBody is null ? Completion.Normal : elseBody.Exec(ctx);
    }
}

internal sealed class WhileNode(int line, int column, ExprNode condition, BlockNode body) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        while (true)
        {
            ctx.Step(this);
            if (!condition.EvalBool(ctx)) return Completion.Normal;
            var c = body.Exec(ctx);
            if (c == Completion.Break) return Completion.Normal;
            if (c == Completion.Return) return c;
        }
    }
}

/// <summary><c>for (x in coll)</c>: elements of an array, keys of an object, characters of a string — of a snapshot.</summary>
internal sealed class ForInNode(int line, int column, VarSlot variable, bool freshBinding, ExprNode iterable, BlockNode body) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        var coll = iterable.Eval(ctx);
        MlValue[] items;
        if (coll.TryGetArray(out var array))
        {
            ctx.Reserve(array.Count * MemoryMeter.SlotBytes, coll);
            items = array.ToArray();
        }
        else if (coll.TryGetObject(out var obj))
        {
            ctx.Reserve(obj.Count * MemoryMeter.SlotBytes, coll);
            items = new MlValue[obj.Count];
            for (int i = 0; i < items.Length; i++) items[i] = obj.KeyAt(i);
        }
        else if (coll.TryGetString(out var s))
        {
            ctx.Reserve(s.Length * MemoryMeter.SlotBytes, coll);
            items = new MlValue[s.Length];
            for (int i = 0; i < items.Length; i++) items[i] = s[i].ToString();
        }
        else
        {
            throw ctx.Raise(MlError.Type($"cannot loop over {(coll.IsNull ? "null" : Ops.Article(coll.TypeName))} (for-in needs an array, object or string)"), this);
        }
        foreach (var item in items)
        {
            ctx.Step(this);
            if (freshBinding) variable.Bind(ctx, item);
            else variable.Set(ctx, item);
            var c = body.Exec(ctx);
            if (c == Completion.Break) return Completion.Normal;
            if (c == Completion.Return) return c;
        }
        return Completion.Normal;
    }
}

internal sealed class BreakNode(int line, int column) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx) => Completion.Break;
}

internal sealed class ContinueNode(int line, int column) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx) => Completion.Continue;
}

internal sealed class ReturnNode(int line, int column, ExprNode? value) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        ctx.ReturnValue = value is null ? MlValue.Null : value.Eval(ctx);
        return Completion.Return;
    }
}

internal sealed class ThrowNode(int line, int column, ExprNode value) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        var v = value.Eval(ctx);
        throw ctx.Raise(MlError.FromThrown(v), this);
    }
}

/// <summary>
/// <c>try / except / finally</c> (spec §5). Limit errors pass through untouched: no handler
/// catches them and no finally block runs for them.
/// </summary>
internal sealed class TryNode(int line, int column, BlockNode body, BlockNode? handler, VarSlot? catchVariable, BlockNode? finallyBlock) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        int sp = ctx.Sp, bp = ctx.Bp, depth = ctx.Depth;
        var upvalues = ctx.Upvalues;
        var builtinSite = ctx.BuiltinSite;
        Completion result = Completion.Normal;
        MlError? pending = null;
        try
        {
            result = body.Exec(ctx);
        }
        catch (MlError e) when (!e.IsLimit && (handler is not null || finallyBlock is not null))
        {
            ctx.Sp = sp;
            ctx.Bp = bp;
            ctx.Depth = depth;
            ctx.Upvalues = upvalues;
            ctx.BuiltinSite = builtinSite;
            if (handler is null)
            {
                pending = e;
            }
            else
            {
                try
                {
                    catchVariable?.Bind(ctx, e.ToCaughtValue());
                    result = handler.Exec(ctx);
                }
                catch (MlError inner) when (!inner.IsLimit && finallyBlock is not null)
                {
                    ctx.Sp = sp;
                    ctx.Bp = bp;
                    ctx.Depth = depth;
                    ctx.Upvalues = upvalues;
                    ctx.BuiltinSite = builtinSite;
                    pending = inner;
                }
            }
        }
        if (finallyBlock is not null)
        {
            var savedReturn = ctx.ReturnValue;
            var f = finallyBlock.Exec(ctx);
            if (f != Completion.Normal) return f; // return/break/continue in finally replaces the pending outcome
            ctx.ReturnValue = savedReturn;
            if (pending is not null) throw pending;
        }
        return result;
    }
}

internal sealed class DeleteNode(int line, int column, ExprNode target, ExprNode? index, string? name) : StmtNode(line, column)
{
    public override Completion Exec(ExecContext ctx)
    {
        var t = target.Eval(ctx);
        string key;
        try
        {
            key = name ?? Ops.ToKey(index!.Eval(ctx));
        }
        catch (MlError e) when (ctx.TryStampOrigin(e, this))
        {
            throw;
        }
        if (!t.TryGetObject(out var obj))
            throw ctx.Raise(MlError.Type($"cannot delete '{key}' of {(t.IsNull ? "null" : Ops.Article(t.TypeName))} (delete works on objects)"), this);
        if (obj.IsFrozen) throw ctx.Raise(MlError.Type($"cannot delete '{key}' of a read-only module namespace"), this);
        obj.Remove(key);
        return Completion.Normal;
    }
}
