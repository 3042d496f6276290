using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>A method of a non-object value (array, string, number, date, bytes): <c>self.name(args)</c>.</summary>
internal delegate MlValue MethodBody(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args);

/// <summary>
/// What the compiler asks of the library: global names (spec §8, §9), methods by receiver kind
/// (§7), <c>new</c> (§6.1) and imports (§10).
/// </summary>
internal static class BuiltinRegistry
{
    /// <summary>The value of a global builtin name (a function, a namespace object or a constant).</summary>
    public static bool TryGetGlobal(string name, out MlValue value) => Globals.TryGet(name, out value);

    /// <summary>
    /// The method <paramref name="name"/> of values of <paramref name="kind"/> (Array, String,
    /// Int/Double/Decimal, Date, Bytes), or null when there is none.
    /// </summary>
    public static MethodBody? FindMethod(MlKind kind, string name) => Methods.Find(kind, name);

    /// <summary><c>new callee(args)</c>: only <c>Date</c> and <c>Error</c> construct; anything else is a TypeError "not a constructor".</summary>
    public static MlValue Construct(ExecContext ctx, in MlValue callee, ReadOnlySpan<MlValue> args) => Constructors.Construct(ctx, callee, args);

    /// <summary>
    /// A member of a builtin function that also acts as a namespace (<c>Number.isNaN</c>); false for
    /// every other function (whose members are a TypeError, spec §6.6).
    /// </summary>
    public static bool TryGetFunctionMember(MlFunction function, string name, out MlValue value)
    {
        if (function.StaticMembers is { } members && members.TryGetValue(name, out value)) return true;
        value = MlValue.Null;
        return false;
    }

    /// <summary>The namespace object of a module, or an ImportError ("not available in the sandbox" / "unknown module").</summary>
    public static MlObject Import(string name) => Modules.Import(name);
}
