using System.Runtime.CompilerServices;

namespace MlDb.Language.Runtime;

/// <summary>How a statement finished.</summary>
internal enum Completion : byte
{
    Normal,
    Break,
    Continue,
    Return,
}

/// <summary>A prepared expression.</summary>
internal abstract class ExprNode(int line, int column) : Node(line, column)
{
    public abstract MlValue Eval(ExecContext ctx);

    /// <summary>Evaluates for a condition; comparisons override this to skip making a boolean value.</summary>
    public virtual bool EvalBool(ExecContext ctx) => Eval(ctx).IsTruthy;
}

/// <summary>A prepared statement.</summary>
internal abstract class StmtNode(int line, int column) : Node(line, column)
{
    public abstract Completion Exec(ExecContext ctx);
}

/// <summary>A constant: a literal, or a builtin resolved at compile time.</summary>
internal sealed class ConstNode(int line, int column, MlValue value) : ExprNode(line, column)
{
    public readonly MlValue Value = value;

    public override MlValue Eval(ExecContext ctx) => Value;

    public override bool EvalBool(ExecContext ctx) => Value.IsTruthy;
}

// ---- variables -------------------------------------------------------------------------------

/// <summary>Where a variable lives; used by assignments, loops and destructuring.</summary>
internal abstract class VarSlot(string name)
{
    public readonly string Name = name;

    public abstract MlValue Get(ExecContext ctx);

    public abstract void Set(ExecContext ctx, MlValue value);

    /// <summary>For a captured variable, a fresh cell holding <paramref name="value"/> (per-iteration bindings).</summary>
    public virtual void Bind(ExecContext ctx, MlValue value) => Set(ctx, value);
}

internal sealed class LocalSlot(string name, int slot) : VarSlot(name)
{
    public readonly int Slot = slot;

    public override MlValue Get(ExecContext ctx) => ctx.Stack[ctx.Bp + Slot];

    public override void Set(ExecContext ctx, MlValue value) => ctx.Stack[ctx.Bp + Slot] = value;
}

internal sealed class CellSlot(string name, int slot) : VarSlot(name)
{
    public readonly int Slot = slot;

    public override MlValue Get(ExecContext ctx) => ((Cell)ctx.Stack[ctx.Bp + Slot]._ref!).Value;

    public override void Set(ExecContext ctx, MlValue value) => ((Cell)ctx.Stack[ctx.Bp + Slot]._ref!).Value = value;

    public override void Bind(ExecContext ctx, MlValue value) => ctx.Stack[ctx.Bp + Slot] = new MlValue(new Cell(value), 0);
}

internal sealed class UpvalueSlot(string name, int index) : VarSlot(name)
{
    public readonly int Index = index;

    public override MlValue Get(ExecContext ctx) => ctx.Upvalues[Index].Value;

    public override void Set(ExecContext ctx, MlValue value) => ctx.Upvalues[Index].Value = value;
}

internal sealed class GlobalSlot(string name, int index) : VarSlot(name)
{
    public readonly int Index = index;

    public override MlValue Get(ExecContext ctx) => ctx.Globals[Index].Value;

    public override void Set(ExecContext ctx, MlValue value) => ctx.Globals[Index].Value = value;
}

/// <summary>Reads a variable that can never be uninitialised at this point.</summary>
internal sealed class LocalGetNode(int line, int column, int slot) : ExprNode(line, column)
{
    private readonly int _slot = slot;

    public override MlValue Eval(ExecContext ctx) => ctx.Stack[ctx.Bp + _slot];

    public override bool EvalBool(ExecContext ctx) => ctx.Stack[ctx.Bp + _slot].IsTruthy;
}

/// <summary>Reads a variable through its slot, checking that it has been initialised or assigned.</summary>
internal sealed class VarGetNode(int line, int column, VarSlot slot, bool check, bool isImplicit) : ExprNode(line, column)
{
    private readonly VarSlot _slot = slot;
    private readonly bool _check = check;
    private readonly bool _implicit = isImplicit;

    public override MlValue Eval(ExecContext ctx)
    {
        var v = _slot.Get(ctx);
        if (_check && v.IsUninitialized) throw NotReady(ctx);
        return v;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlError NotReady(ExecContext ctx) => ctx.Raise(_implicit
        ? MlError.Reference($"cannot read '{_slot.Name}' before assignment (it is a local variable of this function because the function assigns it; use nonlocal to update an outer one)")
        : MlError.Reference($"cannot access '{_slot.Name}' before initialization"), this);
}

/// <summary>A name bound nowhere: a ReferenceError when it runs.</summary>
internal sealed class UnboundNameNode(int line, int column, string name) : ExprNode(line, column)
{
    public override MlValue Eval(ExecContext ctx) => throw ctx.Raise(MlError.Reference($"'{name}' is not defined"), this);
}
