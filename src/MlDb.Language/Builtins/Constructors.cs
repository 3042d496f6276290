using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary><c>new callee(args)</c> (spec §6.1): only Date and Error construct.</summary>
internal static class Constructors
{
    public static MlValue Construct(ExecContext ctx, in MlValue callee, ReadOnlySpan<MlValue> args)
    {
        if (callee.IsObject && ReferenceEquals(callee.AsObject, GlobalObjects.Date))
            return GlobalObjects.ConstructDate(ctx, args);
        if (callee.IsFunction && ReferenceEquals(callee.AsFunction, GlobalObjects.ErrorFunction))
            return ((BuiltinFunction)GlobalObjects.ErrorFunction).Body(ctx, args);
        string what = callee.IsFunction ? "'" + callee.AsFunction.Name + "'" : Args.Describe(callee);
        throw MlError.Type($"{what} is not a constructor (only Date and Error can be used with new)");
    }
}
