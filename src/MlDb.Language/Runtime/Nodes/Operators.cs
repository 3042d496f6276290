using System.Runtime.CompilerServices;

namespace MlDb.Language.Runtime;

// Binary and unary operators. Each node does the int/int and double/double cases inline and
// hands everything else to Ops in a separate method, so the fast path carries no try region.

internal abstract class BinaryNode(int line, int column, ExprNode left, ExprNode right) : ExprNode(line, column)
{
    protected readonly ExprNode Left = left;
    protected readonly ExprNode Right = right;
}

internal sealed class AddNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        if (a.IsInt && b.IsInt)
        {
            long x = a.AsInt, y = b.AsInt, r = x + y;
            if (((x ^ r) & (y ^ r)) < 0) throw ctx.Raise(MlError.IntegerOverflow(), this);
            return MlValue.FromInt(r);
        }
        if (a.IsDouble)
        {
            if (b.IsDouble) return MlValue.FromDouble(a.AsDouble + b.AsDouble);
            if (b.IsInt) return MlValue.FromDouble(a.AsDouble + b.AsInt);
        }
        else if (a.IsInt && b.IsDouble) return MlValue.FromDouble(a.AsInt + b.AsDouble);
        return Slow(ctx, a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        try { return Ops.Add(ctx, a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class SubtractNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        if (a.IsInt && b.IsInt)
        {
            long x = a.AsInt, y = b.AsInt, r = x - y;
            if (((x ^ y) & (x ^ r)) < 0) throw ctx.Raise(MlError.IntegerOverflow(), this);
            return MlValue.FromInt(r);
        }
        if (a.IsDouble)
        {
            if (b.IsDouble) return MlValue.FromDouble(a.AsDouble - b.AsDouble);
            if (b.IsInt) return MlValue.FromDouble(a.AsDouble - b.AsInt);
        }
        else if (a.IsInt && b.IsDouble) return MlValue.FromDouble(a.AsInt - b.AsDouble);
        return Slow(ctx, a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        try { return Ops.Subtract(a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class MultiplyNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        if (a.IsInt && b.IsInt)
        {
            long r = Math.BigMul(a.AsInt, b.AsInt, out long low);
            if ((r != 0 || low < 0) && (r != -1 || low >= 0)) throw ctx.Raise(MlError.IntegerOverflow(), this);
            return MlValue.FromInt(low);
        }
        if (a.IsDouble)
        {
            if (b.IsDouble) return MlValue.FromDouble(a.AsDouble * b.AsDouble);
            if (b.IsInt) return MlValue.FromDouble(a.AsDouble * b.AsInt);
        }
        else if (a.IsInt && b.IsDouble) return MlValue.FromDouble(a.AsInt * b.AsDouble);
        return Slow(ctx, a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        try { return Ops.Multiply(a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class DivideNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        if (a.IsDouble && b.IsDouble && b.AsDouble != 0) return MlValue.FromDouble(a.AsDouble / b.AsDouble);
        if (a.IsInt && b.IsInt && b.AsInt != 0) return MlValue.FromDouble((double)a.AsInt / b.AsInt);
        return Slow(ctx, a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        try { return Ops.Divide(a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class ModuloNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        if (a.IsInt && b.IsInt && b.AsInt != 0) return MlValue.FromInt(Ops.FloorMod(a.AsInt, b.AsInt));
        return Slow(ctx, a, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        try { return Ops.Modulo(a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class EqualNode(int line, int column, ExprNode left, ExprNode right, bool negate) : BinaryNode(line, column, left, right)
{
    private readonly bool _negate = negate;

    public override MlValue Eval(ExecContext ctx) => MlValue.FromBool(EvalBool(ctx));

    public override bool EvalBool(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        bool eq;
        if (ReferenceEquals(a._ref, b._ref) && (a.IsInt || a.IsBool || a.IsNull)) eq = a._bits == b._bits;
        else eq = Slow(ctx, a, b);
        return eq != _negate;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        try { return Ops.AreEqual(a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal enum Relation : byte { Less, LessEqual, Greater, GreaterEqual }

internal sealed class CompareNode(int line, int column, ExprNode left, ExprNode right, Relation relation) : BinaryNode(line, column, left, right)
{
    private readonly Relation _relation = relation;

    public override MlValue Eval(ExecContext ctx) => MlValue.FromBool(EvalBool(ctx));

    public override bool EvalBool(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        if (a.IsInt && b.IsInt)
        {
            long x = a.AsInt, y = b.AsInt;
            return _relation switch
            {
                Relation.Less => x < y,
                Relation.LessEqual => x <= y,
                Relation.Greater => x > y,
                _ => x >= y,
            };
        }
        if ((a.IsDouble || a.IsInt && IsExactlyDouble(a.AsInt)) && (b.IsDouble || b.IsInt && IsExactlyDouble(b.AsInt)))
        {
            // Both are doubles, or ints small enough (|i| <= 2^53) to convert to double exactly.
            double x = a.IsDouble ? a.AsDouble : a.AsInt, y = b.IsDouble ? b.AsDouble : b.AsInt;
            return _relation switch
            {
                Relation.Less => x < y,
                Relation.LessEqual => x <= y,
                Relation.Greater => x > y,
                _ => x >= y,
            };
        }
        return Slow(ctx, a, b);
    }

    private static bool IsExactlyDouble(long i) => i >= -(1L << 53) && i <= (1L << 53);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Slow(ExecContext ctx, MlValue a, MlValue b)
    {
        int c;
        try { c = Ops.Compare(a, b); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
        if (c == Ops.Unordered) return false;
        return _relation switch
        {
            Relation.Less => c < 0,
            Relation.LessEqual => c <= 0,
            Relation.Greater => c > 0,
            _ => c >= 0,
        };
    }
}

internal sealed class NotNode(int line, int column, ExprNode operand) : ExprNode(line, column)
{
    private readonly ExprNode _operand = operand;

    public override MlValue Eval(ExecContext ctx) => MlValue.FromBool(!_operand.EvalBool(ctx));

    public override bool EvalBool(ExecContext ctx) => !_operand.EvalBool(ctx);
}

internal sealed class NegateNode(int line, int column, ExprNode operand) : ExprNode(line, column)
{
    private readonly ExprNode _operand = operand;

    public override MlValue Eval(ExecContext ctx)
    {
        var v = _operand.Eval(ctx);
        if (v.IsInt && v.AsInt != long.MinValue) return MlValue.FromInt(-v.AsInt);
        if (v.IsDouble) return MlValue.FromDouble(-v.AsDouble);
        return Slow(ctx, v);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue Slow(ExecContext ctx, MlValue v)
    {
        try { return Ops.Negate(v); }
        catch (MlError e) when (ctx.TryStampOrigin(e, this)) { throw; }
    }
}

internal sealed class AndNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        return a.IsTruthy ? Right.Eval(ctx) : a;
    }

    public override bool EvalBool(ExecContext ctx) => Left.EvalBool(ctx) && Right.EvalBool(ctx);
}

internal sealed class OrNode(int line, int column, ExprNode left, ExprNode right) : BinaryNode(line, column, left, right)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var a = Left.Eval(ctx);
        return a.IsTruthy ? a : Right.Eval(ctx);
    }

    public override bool EvalBool(ExecContext ctx) => Left.EvalBool(ctx) || Right.EvalBool(ctx);
}

internal sealed class ConditionalNode(int line, int column, ExprNode condition, ExprNode whenTrue, ExprNode whenFalse) : ExprNode(line, column)
{
    private readonly ExprNode _condition = condition;
    private readonly ExprNode _whenTrue = whenTrue;
    private readonly ExprNode _whenFalse = whenFalse;

    public override MlValue Eval(ExecContext ctx) => _condition.EvalBool(ctx) ? _whenTrue.Eval(ctx) : _whenFalse.Eval(ctx);
}
