using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>
/// A builtin function that also has members — <c>Number</c> is called (<c>Number("42")</c>) and has
/// <c>Number.isNaN</c>. Reading a member of any other function is a TypeError (spec §6.6); the
/// interpreter reads them through <see cref="MlFunction.StaticMembers"/>.
/// </summary>
internal sealed class NamespaceFunction(string name, BuiltinBody body, MlObject members) : MlFunction
{
    public override string Name { get; } = name;

    public BuiltinBody Body { get; } = body;

    /// <summary>The members (a frozen object).</summary>
    public MlObject Members { get; } = members;

    internal override MlObject? StaticMembers => Members;

    internal override MlValue Invoke(ExecContext ctx, int argBase, int argCount)
    {
        var result = Body(ctx, new ReadOnlySpan<MlValue>(ctx.Stack, argBase, argCount));
        ctx.Sp = argBase;
        return result;
    }
}

/// <summary>Helpers to build builtin functions and frozen namespace objects.</summary>
internal static class Ns
{
    public static MlValue Fn(string name, BuiltinBody body) => MlValue.FromFunction(new BuiltinFunction(name, body));

    /// <summary>A frozen object with the given members, in order.</summary>
    public static MlObject Object(params (string Name, MlValue Value)[] members)
    {
        var o = new MlObject(members.Length);
        foreach (var (name, value) in members) o.SetFromData(name, value);
        return o.Freeze();
    }

    /// <summary>A frozen namespace of functions named <c>prefix.name</c>.</summary>
    public static MlObject Functions(string prefix, params (string Name, BuiltinBody Body)[] members)
    {
        var o = new MlObject(members.Length);
        foreach (var (name, body) in members) o.SetFromData(name, Fn(prefix + "." + name, body));
        return o.Freeze();
    }

    /// <summary>A copy of <paramref name="source"/> plus <paramref name="extra"/>, frozen.</summary>
    public static MlObject Extend(MlObject source, params (string Name, MlValue Value)[] extra)
    {
        var o = new MlObject(source.Count + extra.Length);
        for (int i = 0; i < source.Count; i++) o.SetFromData(source.KeyAt(i), source.ValueAt(i));
        foreach (var (name, value) in extra) o.SetFromData(name, value);
        return o.Freeze();
    }

    /// <summary>Mutating a namespace (<c>Object.assign(Math, …)</c>) is a TypeError.</summary>
    public static void CheckWritable(MlObject o, string fn)
    {
        if (o.IsFrozen) throw MlError.Type($"{fn}: cannot modify a read-only namespace");
    }
}
