namespace MlDb.Language;

/// <summary>
/// A callable ML value: a closure over script code, or a builtin. Calls pass their arguments on
/// the execution stack of the running call (<see cref="Runtime.ExecContext"/>), so a call needs
/// no argument array.
/// </summary>
public abstract class MlFunction
{
    /// <summary>The declared name, or <c>anonymous</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Runs the function. The <paramref name="argCount"/> arguments are at
    /// <c>ctx.Stack[argBase..]</c>, and <c>ctx.Sp == argBase + argCount</c> on entry.
    /// On return <c>ctx.Sp</c> is back at <paramref name="argBase"/>.
    /// </summary>
    internal abstract MlValue Invoke(Runtime.ExecContext ctx, int argBase, int argCount);

    /// <summary>Members reachable with a dot, for functions that are also namespaces (<c>Number.isNaN</c>).</summary>
    internal virtual MlObject? StaticMembers => null;

    public override string ToString() => "<function " + Name + ">";
}

/// <summary>A function implemented in C#, with the arguments as a span.</summary>
internal delegate MlValue BuiltinBody(Runtime.ExecContext ctx, ReadOnlySpan<MlValue> args);

internal sealed class BuiltinFunction(string name, BuiltinBody body, Action<Runtime.RetainedSize>? retains = null) : MlFunction
{
    public override string Name { get; } = name;

    public BuiltinBody Body { get; } = body;

    /// <summary>
    /// For builtins made at run time that hold ML values (a method bound to its receiver,
    /// <c>functional.partial</c>, <c>memoize</c>'s cache): reports them to the memory measurement.
    /// </summary>
    public Action<Runtime.RetainedSize>? Retains { get; } = retains;

    internal override MlValue Invoke(Runtime.ExecContext ctx, int argBase, int argCount)
    {
        // The arguments stay reserved on the stack while the body runs, so callbacks it makes
        // (map, sort, …) push their own frames above them.
        var result = Body(ctx, new ReadOnlySpan<MlValue>(ctx.Stack, argBase, argCount));
        ctx.Sp = argBase;
        return result;
    }
}

/// <summary>
/// Values of library types that scripts use but cannot look inside (<c>Pattern</c>, <c>Match</c>
/// of the regex module). Members are looked up by name.
/// </summary>
public abstract class MlOpaque
{
    /// <summary>What <c>typeof</c> and <c>typeName</c> report.</summary>
    public abstract string TypeName { get; }

    /// <summary>The method named <paramref name="name"/> bound to this value, or null when there is none.</summary>
    internal abstract MlFunction? GetMethod(string name);

    /// <summary>Reports the memory this value holds to the memory measurement of the call (default: a small object).</summary>
    internal virtual void AddRetained(Runtime.RetainedSize size) => size.AddBytes(64);

    public override string ToString() => "<" + TypeName + ">";
}
