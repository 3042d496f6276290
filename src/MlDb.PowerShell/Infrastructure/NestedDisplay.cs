using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace MlDb.PowerShell;

/// <summary>
/// How objects nested in results read in PowerShell's default views. An object inside a result
/// (<c>by_domain</c> of an aggregate, a sub-document, a json column) is a PSCustomObject that
/// carries the type name <see cref="TypeName"/>; MlDb.Types.ps1xml gives that type a ToString
/// (calling <see cref="Format"/>), so a table cell or list line shows
/// <c>{example.com: 2, example.org: 1}</c> instead of PowerShell's <c>@{example.com=2; …}</c>,
/// which stops at the first level (<c>@{a=}</c>) and shows arrays as <c>System.Object[]</c>.
/// Only nested objects are marked: rows and top-level results keep PowerShell's own table and
/// list views, and no value changes (ConvertTo-Json, -is, property access are as before).
/// </summary>
public static class NestedDisplay
{
    /// <summary>The type name of nested result objects.</summary>
    public const string TypeName = "MlDb.Object";

    // Deeper levels than this print as "{…}": a default view is for reading, not for dumping.
    private const int MaxDepth = 16;

    /// <summary>
    /// Marks the objects in a value that is about to become a property of another object: the
    /// value itself when it is an object, and the objects in it when it is an array.
    /// </summary>
    internal static object? Mark(object? value)
    {
        switch (value)
        {
            case PSObject { BaseObject: PSCustomObject } pso:
                if (!pso.TypeNames.Contains(TypeName)) pso.TypeNames.Insert(0, TypeName);
                break;
            case object?[] array:
                foreach (var item in array) Mark(item);
                break;
        }
        return value;
    }

    /// <summary>
    /// One line for a nested value: <c>{key: value, …}</c> for objects, <c>[a, b, …]</c> for arrays
    /// (at most <paramref name="enumerationLimit"/> elements, as PowerShell's $FormatEnumerationLimit;
    /// a negative limit shows all), dates in ISO 8601 UTC, numbers in the invariant culture.
    /// </summary>
    public static string Format(object? value, int enumerationLimit)
    {
        var sb = new StringBuilder();
        Append(sb, value, enumerationLimit, 0);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, object? value, int limit, int depth)
    {
        if (value is PSObject pso && pso.BaseObject is not PSCustomObject) value = pso.BaseObject;
        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case string text:
                sb.Append(text.Length == 0 ? "\"\"" : text);
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case DateTime date:
                sb.Append(FormatDate(date));
                return;
            case DateTimeOffset offset:
                sb.Append(FormatDate(offset.UtcDateTime));
                return;
            case byte[] bytes:
                sb.Append('<').Append(bytes.Length.ToString(CultureInfo.InvariantCulture)).Append(" bytes>");
                return;
            case PSObject obj:
                if (depth >= MaxDepth)
                {
                    sb.Append("{…}");
                    return;
                }
                AppendMembers(sb, obj.Properties.Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)), limit, depth);
                return;
            case IDictionary dict:
                if (depth >= MaxDepth)
                {
                    sb.Append("{…}");
                    return;
                }
                AppendMembers(sb, dict.Cast<DictionaryEntry>().Select(e => new KeyValuePair<string, object?>(e.Key.ToString() ?? "", e.Value)), limit, depth);
                return;
            case IList list:
                if (depth >= MaxDepth)
                {
                    sb.Append("[…]");
                    return;
                }
                AppendList(sb, list, limit, depth);
                return;
            case IFormattable formattable:
                sb.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                return;
            default:
                sb.Append(value);
                return;
        }
    }

    private static void AppendMembers(StringBuilder sb, IEnumerable<KeyValuePair<string, object?>> members, int limit, int depth)
    {
        sb.Append('{');
        bool first = true;
        foreach (var (key, value) in members)
        {
            if (!first) sb.Append(", ");
            first = false;
            sb.Append(key).Append(": ");
            Append(sb, value, limit, depth + 1);
        }
        sb.Append('}');
    }

    private static void AppendList(StringBuilder sb, IList list, int limit, int depth)
    {
        sb.Append('[');
        int shown = limit < 0 ? list.Count : Math.Min(limit, list.Count);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0) sb.Append(", ");
            Append(sb, list[i], limit, depth + 1);
        }
        if (shown < list.Count) sb.Append(shown > 0 ? ", …" : "…");
        sb.Append(']');
    }

    // ML dates are UTC instants: shown as ISO 8601 with a Z, fractions only when there are any.
    private static string FormatDate(DateTime date)
    {
        var utc = date.Kind == DateTimeKind.Local ? date.ToUniversalTime() : date;
        return utc.ToString(utc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
    }
}
