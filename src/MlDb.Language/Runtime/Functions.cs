using System.Runtime.CompilerServices;
using MlDb.Language.Builtins;

namespace MlDb.Language.Runtime;

/// <summary>Where a closure's captured cell comes from when the closure is created.</summary>
internal readonly record struct UpvalueSource(bool FromLocalSlot, int Index);

/// <summary>
/// The prepared form of one function: frame layout and body. Immutable once compiled, shared by
/// every closure made from it and by all threads.
/// </summary>
internal sealed class FunctionProto(string name, int line, int column)
{
    public readonly string Name = name;
    public readonly int Line = line;
    public readonly int Column = column;
    public string[] ParameterNames = [];
    public int ParameterCount;
    /// <summary>Frame size: parameters first, then every other local slot of the function.</summary>
    public int SlotCount;
    /// <summary>Parameters that closures capture: wrapped in cells on entry.</summary>
    public int[] CapturedParameterSlots = [];
    /// <summary>Captured implicit locals: a fresh empty cell on entry.</summary>
    public int[] EntryCellSlots = [];
    /// <summary>The slot of a named function expression's own name, or -1.</summary>
    public int SelfSlot = -1;
    public bool SelfCaptured;
    public BlockNode? Body;
    /// <summary>The body when it is one expression (<c>fn(x) => x + 1</c>, or a block that only returns).</summary>
    public ExprNode? ExpressionBody;
    /// <summary>How a closure of this function collects its captured cells from the creating frame.</summary>
    public UpvalueSource[] Upvalues = [];
    /// <summary>Set when the function is a comparator that orders by one key (<c>(a, b) => b.k - a.k</c>); see KeySort.</summary>
    public SortKeyPattern? KeyComparator;
    /// <summary>Set when the function only reads one key of its argument (<c>(x) => x.k</c>); see KeySort.</summary>
    public SortKeyPattern? KeyFunction;
}

/// <summary>A function value made from script code: a prototype plus the cells it captured.</summary>
internal sealed class Closure(FunctionProto proto, Cell[] captured) : MlFunction
{
    public readonly FunctionProto Proto = proto;
    public readonly Cell[] Captured = captured;

    /// <summary>The number of the last memory measurement that counted this closure (see RetainedSize).</summary>
    internal int WalkMark;

    public override string Name => Proto.Name;

    internal override MlValue Invoke(ExecContext ctx, int argBase, int argCount)
    {
        if (ExecContext.StackIsLow()) return ctx.RunOnDeepStack(this, argBase, argCount);
        var proto = Proto;
        if (ctx.Depth >= ctx.MaxDepth) throw ctx.RaiseAtCallSite(MlError.CallDepthLimit());
        ctx.PushFrame(proto);

        int slotCount = proto.SlotCount;
        int frameEnd = argBase + slotCount;
        ctx.EnsureStack(frameEnd + 8);
        var stack = ctx.Stack;
        int paramCount = proto.ParameterCount;
        for (int i = argCount; i < paramCount; i++) stack[argBase + i] = MlValue.Null;
        if (slotCount > paramCount) stack.AsSpan(argBase + paramCount, slotCount - paramCount).Fill(MlValue.Uninitialized);
        if (proto.CapturedParameterSlots.Length != 0) WrapCapturedParameters(stack, argBase, proto);
        if (proto.EntryCellSlots.Length != 0)
        {
            foreach (int slot in proto.EntryCellSlots) stack[argBase + slot] = new MlValue(new Cell(), 0);
        }
        if (proto.SelfSlot >= 0)
        {
            var self = MlValue.FromFunction(this);
            stack[argBase + proto.SelfSlot] = proto.SelfCaptured ? new MlValue(new Cell(self), 0) : self;
        }

        int savedBp = ctx.Bp;
        var savedUpvalues = ctx.Upvalues;
        ctx.Bp = argBase;
        ctx.Sp = frameEnd;
        ctx.Upvalues = Captured;
        MlValue result;
        if (proto.ExpressionBody is { } expr)
        {
            result = expr.Eval(ctx);
        }
        else
        {
            result = proto.Body!.Exec(ctx) == Completion.Return ? ctx.ReturnValue : MlValue.Null;
            ctx.ReturnValue = default;
        }
        ctx.Bp = savedBp;
        ctx.Upvalues = savedUpvalues;
        ctx.Sp = argBase;
        ctx.Depth--;
        return result;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WrapCapturedParameters(MlValue[] stack, int argBase, FunctionProto proto)
    {
        foreach (int slot in proto.CapturedParameterSlots)
            stack[argBase + slot] = new MlValue(new Cell(stack[argBase + slot]), 0);
    }
}
