using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using MlDb.Data;
using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>
/// PowerShell → ML (spec §13.1 with PowerShell's wrappers): a PSObject is unwrapped to what it
/// wraps; a PSCustomObject is read through its properties in order; switches are booleans.
/// Everything else (dictionaries with key order, lists, numbers, dates, cycles as errors naming
/// the path) is the engine's own conversion.
/// </summary>
internal sealed class PowerShellToMlConverter : MlHostConverter
{
    public static PowerShellToMlConverter Instance { get; } = new();

    protected override object? Unwrap(object value)
    {
        while (value is PSObject pso)
        {
            var inner = pso.BaseObject;
            if (inner is PSCustomObject) return pso;
            if (inner is null) return null;
            value = inner;
        }
        return value;
    }

    protected override bool TryConvertScalar(object value, out MlValue result)
    {
        if (value is SwitchParameter sw)
        {
            result = MlValue.FromBool(sw.IsPresent);
            return true;
        }
        result = default;
        return false;
    }

    protected override bool TryGetProperties(object value, out IEnumerable<KeyValuePair<string, object?>> properties)
    {
        if (value is PSObject { BaseObject: PSCustomObject } pso)
        {
            properties = CustomObjectProperties.Read(pso);
            return true;
        }
        properties = [];
        return false;
    }
}

/// <summary>
/// The gettable properties of a PSCustomObject, in order, as <c>$o.PSObject.Properties</c> lists
/// them. That public enumeration costs microseconds per object (it builds the full member view:
/// the object's own members, the type table's and the adapter's, and materialises the hidden
/// psbase/psobject/… members on first use), more than converting the values. An object whose
/// type names are ones whose type data adds no property (checked once per runspace and list of
/// type names, with an empty object of those names) has exactly its own properties in that view,
/// so those are read directly from PSObject's own member list, through two internal members of
/// PowerShell (<c>InstanceMembers</c>, <c>InternalTypeNames</c>, bound once on first use). Where
/// either is missing, or type data adds properties, the public enumeration is used.
/// </summary>
internal static class CustomObjectProperties
{
    private static readonly Func<PSObject, IEnumerable<PSMemberInfo>>? OwnMembers = BindInternalGetter<IEnumerable<PSMemberInfo>>("InstanceMembers");
    private static readonly Func<PSObject, IList<string>>? TypeNamesOf = BindInternalGetter<IList<string>>("InternalTypeNames");

    // Lists of type names already checked, for the runspace they were checked in (type data is per runspace).
    [ThreadStatic] private static Runspace? t_checkedFor;
    [ThreadStatic] private static List<(IList<string> Names, bool OwnOnly)>? t_checked;

    public static KeyValuePair<string, object?>[] Read(PSObject pso)
    {
        if (OwnMembers is null || TypeNamesOf is null || !OwnPropertiesOnly(TypeNamesOf(pso))) return ReadPublic(pso);
        var members = OwnMembers(pso);
        var found = new List<KeyValuePair<string, object?>>(members is ICollection<PSMemberInfo> c ? c.Count : 4);
        foreach (var member in members)
        {
            // The hidden pstypenames code property appears here once the full view has been built.
            if (member is not PSPropertyInfo property || property.Name.Equals("pstypenames", StringComparison.OrdinalIgnoreCase) || !property.IsGettable) continue;
            found.Add(new KeyValuePair<string, object?>(property.Name, property.Value));
        }
        return found.ToArray();
    }

    private static KeyValuePair<string, object?>[] ReadPublic(PSObject pso)
    {
        var found = new List<KeyValuePair<string, object?>>();
        foreach (var property in pso.Properties)
        {
            if (!property.IsGettable) continue;
            found.Add(new KeyValuePair<string, object?>(property.Name, property.Value));
        }
        return found.ToArray();
    }

    /// <summary>True when type data for <paramref name="typeNames"/> adds no property, so an object of these names has only its own.</summary>
    private static bool OwnPropertiesOnly(IList<string> typeNames)
    {
        var runspace = Runspace.DefaultRunspace;
        var checkedNames = t_checked;
        if (checkedNames is null || !ReferenceEquals(t_checkedFor, runspace))
        {
            t_checked = checkedNames = [];
            t_checkedFor = runspace;
        }
        foreach (var (names, ownOnly) in checkedNames)
            if (ReferenceEquals(names, typeNames) || names.SequenceEqual(typeNames, StringComparer.Ordinal)) return ownOnly;

        var probe = new PSObject();
        if (!probe.TypeNames.SequenceEqual(typeNames, StringComparer.Ordinal))
        {
            probe.TypeNames.Clear();
            foreach (var name in typeNames) probe.TypeNames.Add(name);
        }
        bool result = !probe.Properties.Any();
        if (checkedNames.Count >= 16) checkedNames.RemoveAt(0);
        checkedNames.Add((typeNames, result));
        return result;
    }

    private static Func<PSObject, T>? BindInternalGetter<T>(string propertyName) where T : class
    {
        var getter = typeof(PSObject).GetProperty(propertyName, BindingFlags.Instance | BindingFlags.NonPublic)?.GetGetMethod(nonPublic: true);
        if (getter is null || !typeof(T).IsAssignableFrom(getter.ReturnType)) return null;
        return (Func<PSObject, T>?)Delegate.CreateDelegate(typeof(Func<PSObject, T>), getter, throwOnBindFailure: false);
    }
}

/// <summary>
/// ML values and reader rows → what PowerShell writes: objects become PSCustomObject with
/// properties in ML key order (nested too), arrays object[], ints long, doubles double, decimals
/// decimal, dates DateTime (UTC), bytes byte[], null $null; with <c>asHashtable</c> objects
/// become ordered dictionaries instead.
/// </summary>
internal static class Materializer
{
    private const int MaxDepth = 1000;

    private static readonly PowerShellObjectBuilder AsObjects = new();

    public static object? ToPowerShell(MlValue value, bool asHashtable) =>
        asHashtable ? MlHostConverter.Default.ToHost(value) : AsObjects.ToHost(value);

    /// <summary>The engine's ML → host conversion, with objects built as PSCustomObject.</summary>
    private sealed class PowerShellObjectBuilder : MlHostConverter
    {
        protected override object NewHostObject(int count) => new PSObject();

        protected override string? AddHostMember(object hostObject, string key, object? value)
        {
            var pso = (PSObject)hostObject;
            if (pso.Properties[key] is { } existing)
                return $"has the keys '{existing.Name}' and '{key}', which PowerShell properties cannot tell apart (they ignore case); use -AsHashtable.";
            pso.Properties.Add(new PSNoteProperty(key, value));
            return null;
        }
    }

    /// <summary>A row read without ML: one property per column, in column order.</summary>
    public static object FromRow(SqlRow row, bool asHashtable)
    {
        var names = row.Columns.Names;
        var values = row.Values;
        if (asHashtable)
        {
            var dict = new OrderedDictionary(values.Length);
            for (int i = 0; i < values.Length; i++) dict.Add(names[i], values[i]);
            return dict;
        }
        var pso = new PSObject();
        // json/jsonb and array columns arrive as host containers (OrderedDictionary, object[]): PSCustomObject inside too.
        for (int i = 0; i < values.Length; i++) pso.Properties.Add(new PSNoteProperty(names[i], values[i] is IDictionary or object?[] ? FromHostData(values[i]) : values[i]));
        return pso;
    }

    /// <summary>Host data of spec §13.2 (OrderedDictionary, object[]) → PSCustomObject / object[] (for thrown data).</summary>
    public static object? FromHostData(object? value, int depth = 0)
    {
        if (depth > MaxDepth) return value;
        switch (value)
        {
            case IDictionary dict:
                {
                    var pso = new PSObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        string key = entry.Key.ToString() ?? "";
                        if (pso.Properties[key] is null) pso.Properties.Add(new PSNoteProperty(key, FromHostData(entry.Value, depth + 1)));
                    }
                    return pso;
                }
            case object?[] array:
                {
                    var result = new object?[array.Length];
                    for (int i = 0; i < array.Length; i++) result[i] = FromHostData(array[i], depth + 1);
                    return result;
                }
            default:
                return value;
        }
    }
}
