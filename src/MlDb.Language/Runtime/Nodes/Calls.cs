using System.Runtime.CompilerServices;
using MlDb.Language.Builtins;

namespace MlDb.Language.Runtime;

/// <summary>Argument evaluation shared by the call nodes: arguments go straight onto the value stack.</summary>
internal static class CallHelpers
{
    /// <summary>Evaluates the arguments into <c>Stack[argBase..]</c> and leaves <c>Sp</c> just above them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PushArguments(ExecContext ctx, ExprNode[] args)
    {
        int argBase = ctx.Sp;
        int n = args.Length;
        ctx.EnsureStack(argBase + n + 1);
        ctx.Sp = argBase + n;
        for (int i = 0; i < n; i++)
        {
            var v = args[i].Eval(ctx);
            ctx.Stack[argBase + i] = v;
        }
        return argBase;
    }

    /// <summary>Runs a builtin; its errors get the position of <paramref name="site"/>.</summary>
    public static MlValue InvokeBuiltin(ExecContext ctx, MlFunction f, int argBase, int argCount, Node site)
    {
        var savedSite = ctx.BuiltinSite;
        ctx.BuiltinSite = site;
        try
        {
            var result = f.Invoke(ctx, argBase, argCount);
            ctx.BuiltinSite = savedSite;
            return result;
        }
        catch (MlError e) when (ctx.TryStampOrigin(e, site))
        {
            throw;
        }
    }

    /// <summary>Runs a method of a non-object value with the arguments on the stack.</summary>
    public static MlValue InvokeMethod(ExecContext ctx, MethodBody body, in MlValue self, int argBase, int argCount, Node site)
    {
        var savedSite = ctx.BuiltinSite;
        ctx.BuiltinSite = site;
        try
        {
            var result = body(ctx, self, new ReadOnlySpan<MlValue>(ctx.Stack, argBase, argCount));
            ctx.BuiltinSite = savedSite;
            ctx.Sp = argBase;
            return result;
        }
        catch (MlError e) when (ctx.TryStampOrigin(e, site))
        {
            throw;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MlValue Invoke(ExecContext ctx, MlFunction f, int argBase, int argCount, Node site)
    {
        ctx.CallSite = site;
        if (f is Closure c) return c.Invoke(ctx, argBase, argCount);
        return InvokeBuiltin(ctx, f, argBase, argCount, site);
    }
}

/// <summary><c>f(args)</c> where f is not a member access.</summary>
internal sealed class CallNode(int line, int column, ExprNode callee, ExprNode[] args, string calleeText) : ExprNode(line, column)
{
    private readonly ExprNode _callee = callee;
    private readonly ExprNode[] _args = args;

    /// <summary>The call is the target of a slice (<c>sorted(x).slice(0, 10)</c>): a sort may then only decide its order (see KeySort).</summary>
    public bool ResultIsSliced { get; init; }

    public override MlValue Eval(ExecContext ctx)
    {
        var f = _callee.Eval(ctx);
        if (f._ref is not MlFunction fn) throw NotAFunction(ctx, f);
        int argBase = CallHelpers.PushArguments(ctx, _args);
        return CallHelpers.Invoke(ctx, fn, argBase, _args.Length, this);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlError NotAFunction(ExecContext ctx, MlValue f) =>
        ctx.Raise(MlError.Type($"'{calleeText}' is not a function (it is {(f.IsNull ? "null" : Ops.Article(f.TypeName))})"), this);
}

/// <summary>
/// <c>target.name(args)</c>: calls the function stored under <c>name</c> when the target is an
/// object, or the method of the target's kind (array, string, number, date, bytes, Pattern…).
/// </summary>
internal sealed class MethodCallNode(int line, int column, ExprNode target, string name, ExprNode[] args, string targetText) : ExprNode(line, column)
{
    private readonly ExprNode _target = target;
    private readonly string _name = name;
    private readonly ExprNode[] _args = args;
    private ShapeCache? _cache;

    /// <summary>The call is the target of a slice (<c>rows.sort(f).slice(0, 10)</c>): a sort may then only decide its order (see KeySort).</summary>
    public bool ResultIsSliced { get; init; }
    // Method lookups per receiver kind, made once per call site. A single reference per kind keeps
    // this safe when several threads run the same compiled script; NoMethod marks "looked, none".
    private static readonly MethodBody NoMethod = static (ExecContext _, in MlValue _, ReadOnlySpan<MlValue> _) => MlValue.Null;
    private MethodBody? _arrayMethod, _stringMethod, _numberMethod, _dateMethod, _bytesMethod;

    public override MlValue Eval(ExecContext ctx)
    {
        var t = _target.Eval(ctx);
        object? r = t._ref;
        if (r is MlObject o)
        {
            MlValue member;
            var c = _cache;
            if (c is not null && ReferenceEquals(c.Shape, o._shape)) member = o._values[c.Index];
            else member = Lookup(o);
            if (member._ref is not MlFunction fn) throw NotAFunction(ctx, member);
            int argBase = CallHelpers.PushArguments(ctx, _args);
            return CallHelpers.Invoke(ctx, fn, argBase, _args.Length, this);
        }
        var body = MethodFor(t);
        if (body is not null)
        {
            int argBase = CallHelpers.PushArguments(ctx, _args);
            return CallHelpers.InvokeMethod(ctx, body, t, argBase, _args.Length, this);
        }
        return CallOther(ctx, t);
    }

    private MlValue Lookup(MlObject o)
    {
        var shape = o._shape;
        int i = shape.IndexOf(_name);
        if (i < 0) return MlValue.Null;
        if (shape.IsShared) _cache = new ShapeCache(shape, i);
        return o._values[i];
    }

    private MethodBody? MethodFor(in MlValue t)
    {
        object? r = t._ref;
        MethodBody? m;
        if (r is MlArray) m = _arrayMethod ??= Find(MlKind.Array);
        else if (r is string) m = _stringMethod ??= Find(MlKind.String);
        else if (t.IsNumber) m = _numberMethod ??= Find(t.Kind);
        else if (t.IsDate) m = _dateMethod ??= Find(MlKind.Date);
        else if (t.IsBytes) m = _bytesMethod ??= Find(MlKind.Bytes);
        else return null;
        return ReferenceEquals(m, NoMethod) ? null : m;
    }

    private MethodBody Find(MlKind kind) => BuiltinRegistry.FindMethod(kind, _name) ?? NoMethod;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlValue CallOther(ExecContext ctx, MlValue t)
    {
        if (t.IsNull) throw ctx.Raise(MlError.Type($"cannot call '{_name}' of null ('{targetText}' is null)"), this);
        if (t.IsFunction && t.AsFunction.StaticMembers is { } members && members.Get(_name)._ref is MlFunction member)
        {
            int argBase = CallHelpers.PushArguments(ctx, _args);
            return CallHelpers.Invoke(ctx, member, argBase, _args.Length, this);
        }
        if (t.IsOpaque)
        {
            var m = t.AsOpaque.GetMethod(_name);
            if (m is not null)
            {
                int argBase = CallHelpers.PushArguments(ctx, _args);
                return CallHelpers.Invoke(ctx, m, argBase, _args.Length, this);
            }
        }
        throw ctx.Raise(MlError.Type($"'{targetText}.{_name}' is not a function ({Ops.Article(t.TypeName)} has no method '{_name}')"), this);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private MlError NotAFunction(ExecContext ctx, MlValue member) =>
        ctx.Raise(MlError.Type($"'{targetText}.{_name}' is not a function (it is {(member.IsNull ? "null" : Ops.Article(member.TypeName))})"), this);
}

/// <summary><c>new Date(…)</c> / <c>new Error(…)</c>.</summary>
internal sealed class NewNode(int line, int column, ExprNode callee, ExprNode[] args) : ExprNode(line, column)
{
    public override MlValue Eval(ExecContext ctx)
    {
        var c = callee.Eval(ctx);
        int argBase = CallHelpers.PushArguments(ctx, args);
        var savedSite = ctx.BuiltinSite;
        ctx.BuiltinSite = this;
        try
        {
            var result = BuiltinRegistry.Construct(ctx, c, new ReadOnlySpan<MlValue>(ctx.Stack, argBase, args.Length));
            ctx.BuiltinSite = savedSite;
            ctx.Sp = argBase;
            return result;
        }
        catch (MlError e) when (ctx.TryStampOrigin(e, this))
        {
            throw;
        }
    }
}
