using MlDb.Language.Builtins;
using MlDb.Language.Runtime;

namespace MlDb.Language.Tests.Builtins;

/// <summary>Calls library functions and methods directly, with a rented execution context.</summary>
internal static class Lib
{
    public static MlCallOptions Limited(int? collection = null, int? text = null) =>
        new() { MaxCollectionSize = collection, MaxStringLength = text };

    public static T With<T>(Func<ExecContext, T> body, MlCallOptions? options = null)
    {
        var ctx = ExecContext.Rent("test.ml", [], options ?? MlCallOptions.Default);
        try { return body(ctx); }
        finally { ctx.Return(); }
    }

    /// <summary>Calls the global builtin <paramref name="name"/>.</summary>
    public static MlValue Call(string name, params MlValue[] args) => CallWith(null, name, args);

    public static MlValue CallWith(MlCallOptions? options, string name, params MlValue[] args)
    {
        Assert.True(Globals.TryGet(name, out var f), $"no global '{name}'");
        return Invoke(f, options, args);
    }

    /// <summary>Calls member <paramref name="member"/> of global namespace <paramref name="ns"/> (JSON.stringify, …).</summary>
    public static MlValue Member(string ns, string member, params MlValue[] args)
    {
        Assert.True(Globals.TryGet(ns, out var o));
        MlValue f;
        if (o.IsFunction) Assert.True(BuiltinRegistry.TryGetFunctionMember(o.AsFunction, member, out f));
        else f = o.AsObject.Get(member);
        return Invoke(f, null, args);
    }

    /// <summary>Calls <paramref name="member"/> of an imported module.</summary>
    public static MlValue Module(string module, string member, params MlValue[] args) =>
        Invoke(Modules.Import(module).Get(member), null, args);

    public static MlValue Invoke(MlValue f, MlCallOptions? options, params MlValue[] args)
    {
        Assert.True(f.IsFunction, "not a function");
        return With(ctx => ctx.Call(f.AsFunction, args), options);
    }

    /// <summary><c>self.name(args)</c> for a non-object value.</summary>
    public static MlValue Method(MlValue self, string name, params MlValue[] args) => MethodWith(null, self, name, args);

    public static MlValue MethodWith(MlCallOptions? options, MlValue self, string name, params MlValue[] args)
    {
        var body = Methods.Find(self.Kind, name);
        Assert.NotNull(body);
        return With(ctx => body!(ctx, self, args), options);
    }

    /// <summary>An ML function implemented in C# (a callback for map, sort, …).</summary>
    public static MlValue Fn(Func<MlValue[], MlValue> body) =>
        MlValue.FromFunction(new BuiltinFunction("cb", (ctx, a) => body(a.ToArray())));

    public static MlArray Arr(params MlValue[] items) => MlArray.FromValues(items);

    public static MlError Fails(Func<MlValue> action)
    {
        try
        {
            action();
        }
        catch (MlError e)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException("expected an ML error");
    }

    public static string Json(MlValue v) => MlJson.Stringify(v, null) ?? "<none>";
}
