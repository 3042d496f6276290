using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Linq.Expressions;
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
    private static readonly Func<PSObject, IList<string>>? TypeNamesOf = BindInternalGetter<IList<string>>("InternalTypeNames");
    private static readonly OwnMemberList? OwnMembers = OwnMemberList.Bind();

    // Lists of type names already checked, for the runspace they were checked in (type data is per runspace).
    [ThreadStatic] private static Runspace? t_checkedFor;
    [ThreadStatic] private static List<(IList<string> Names, bool OwnOnly)>? t_checked;

    // Collects one object's properties. Taken while in use: reading a script property runs
    // PowerShell code, which may convert another object on this thread.
    [ThreadStatic] private static List<KeyValuePair<string, object?>>? t_found;

    public static KeyValuePair<string, object?>[] Read(PSObject pso)
    {
        var found = t_found ?? new List<KeyValuePair<string, object?>>(8);
        t_found = null;
        try
        {
            Collect(pso, found);
            return found.ToArray();
        }
        finally
        {
            found.Clear();
            t_found = found;
        }
    }

    private static void Collect(PSObject pso, List<KeyValuePair<string, object?>> found)
    {
        if (OwnMembers is not null && TypeNamesOf is not null && OwnPropertiesOnly(TypeNamesOf(pso)))
        {
            var members = OwnMembers.Of(pso);
            // The count is read each time: a script property's getter may add or remove members.
            for (int i = 0; i < OwnMembers.Count(members); i++)
            {
                // The hidden pstypenames code property appears here once the full view has been built.
                if (OwnMembers.At(members, i) is not PSPropertyInfo property || property.Name.Equals("pstypenames", StringComparison.OrdinalIgnoreCase) || !property.IsGettable) continue;
                found.Add(new KeyValuePair<string, object?>(property.Name, property.Value));
            }
        }
        else
        {
            foreach (var property in pso.Properties)
            {
                if (!property.IsGettable) continue;
                found.Add(new KeyValuePair<string, object?>(property.Name, property.Value));
            }
        }
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

    /// <summary>
    /// PSObject's own member list, read by position: its enumerator would first copy the whole
    /// list (several allocations per object). Bound once, with compiled accessors to the list's
    /// internal <c>Count</c> and indexer; null when this PowerShell has no such members.
    /// </summary>
    private sealed class OwnMemberList(Func<PSObject, object> of, Func<object, int> count, Func<object, int, PSMemberInfo?> at)
    {
        public readonly Func<PSObject, object> Of = of;
        public readonly Func<object, int> Count = count;
        public readonly Func<object, int, PSMemberInfo?> At = at;

        public static OwnMemberList? Bind()
        {
            const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;
            var of = BindInternalGetter<object>("InstanceMembers");
            var listType = typeof(PSObject).GetProperty("InstanceMembers", Internal)?.PropertyType;
            var countProperty = listType?.GetProperty("Count", Internal, null, typeof(int), Type.EmptyTypes, null);
            var itemProperty = listType?.GetProperty("Item", Internal, null, null, [typeof(int)], null);
            if (of is null || listType is null || countProperty is null || itemProperty is null || !typeof(PSMemberInfo).IsAssignableFrom(itemProperty.PropertyType))
                return null;
            try
            {
                var list = Expression.Parameter(typeof(object), "list");
                var index = Expression.Parameter(typeof(int), "index");
                var typed = Expression.Convert(list, listType);
                var count = Expression.Lambda<Func<object, int>>(Expression.Property(typed, countProperty), list).Compile();
                var at = Expression.Lambda<Func<object, int, PSMemberInfo?>>(
                    Expression.Convert(Expression.Property(typed, itemProperty, index), typeof(PSMemberInfo)), list, index).Compile();
                return new OwnMemberList(of, count, at);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or MemberAccessException)
            {
                return null;
            }
        }
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
            pso.Properties.Add(new PSNoteProperty(key, NestedDisplay.Mark(value)));
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
        for (int i = 0; i < values.Length; i++) pso.Properties.Add(new PSNoteProperty(names[i], values[i] is IDictionary or object?[] ? NestedDisplay.Mark(FromHostData(values[i], 1)) : values[i]));
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
                        if (pso.Properties[key] is null) pso.Properties.Add(new PSNoteProperty(key, NestedDisplay.Mark(FromHostData(entry.Value, depth + 1))));
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
