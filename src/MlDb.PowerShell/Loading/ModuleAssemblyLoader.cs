using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace MlDb.PowerShell.Loading;

/// <summary>
/// Connects MlDb.PowerShell.dll (loaded by PowerShell into the default load context) to the
/// assemblies of <c>deps/</c>, which live in the private <see cref="PrivateLoadContext"/>.
/// </summary>
/// <remarks>
/// <para>
/// On import a handler is added to <see cref="AssemblyLoadContext.Resolving"/> of the default
/// context. The default context raises it only for names it cannot find itself; the handler
/// answers just for the assemblies MlDb.PowerShell.dll is compiled against that ship in
/// <c>deps/</c> (MlDb.Language and MlDb.Data), loading them into the private context. Everything
/// those two need (the drivers, their natives) is then resolved by the private context itself,
/// never by the default one. Nothing is loaded at import: the engine loads when a cmdlet first
/// needs it, and each driver when its provider is first used.
/// </para>
/// <para>
/// PowerShell enumerates the exported types of MlDb.PowerShell.dll before it calls
/// <see cref="OnImport"/>, so a public type of this assembly must not derive from, implement, or
/// hold a value-type field of a type from MlDb.Language or MlDb.Data (the import would fail
/// before the handler exists). Private and internal types, method bodies, properties and
/// reference-type fields are fine.
/// </para>
/// <para>
/// When the module folder has no <c>deps/</c> (MlDb.PowerShell.dll run from a plain build output
/// with its references beside it), nothing is registered and ordinary probing applies.
/// </para>
/// </remarks>
public sealed class ModuleAssemblyLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Gate = new();
    private static PrivateLoadContext? s_context;
    private static HashSet<string>? s_servedNames;
    private static int s_importCount;

    /// <summary>Called by PowerShell when the module is imported (also on every re-import).</summary>
    public void OnImport()
    {
        lock (Gate)
        {
            s_importCount++;
            if (s_importCount > 1)
                return;

            if (s_context is null)
            {
                var moduleDirectory = Path.GetDirectoryName(typeof(ModuleAssemblyLoader).Assembly.Location);
                if (string.IsNullOrEmpty(moduleDirectory))
                    return;

                var deps = Path.Combine(moduleDirectory, PrivateLoadContext.DependencyFolderName);
                if (!Directory.Exists(deps))
                    return;

                var context = new PrivateLoadContext(deps);
                s_servedNames = ServedNames(context);
                s_context = context;
            }

            AssemblyLoadContext.Default.Resolving += ResolveFromPrivateContext;
        }
    }

    /// <summary>Called by PowerShell when the module is removed.</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (s_importCount == 0)
                return;

            s_importCount--;
            if (s_importCount == 0 && s_context is not null)
                AssemblyLoadContext.Default.Resolving -= ResolveFromPrivateContext;
        }
    }

    private static Assembly? ResolveFromPrivateContext(AssemblyLoadContext requesting, AssemblyName name)
    {
        var context = s_context;
        var served = s_servedNames;
        if (context is null || served is null || name.Name is null || !served.Contains(name.Name))
            return null;

        return context.LoadFromAssemblyName(name);
    }

    // The names MlDb.PowerShell.dll refers to that ship in deps/: exactly the entry points into
    // the private context. A request for any other name (another module's dependency, say) is
    // never answered from deps/, so MlDb's drivers do not leak into the default context.
    private static HashSet<string> ServedNames(PrivateLoadContext context)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var reference in typeof(ModuleAssemblyLoader).Assembly.GetReferencedAssemblies())
        {
            if (reference.Name is { } simple && context.Ships(simple))
                names.Add(simple);
        }

        return names;
    }
}
