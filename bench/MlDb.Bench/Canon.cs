using System.Collections;
using System.Globalization;
using System.Text;

namespace MlDb.Bench;

/// <summary>
/// Canonical text of a .NET result tree (dictionaries with sorted keys, lists, numbers rounded to
/// six decimals) so that the results of MlDb (via MlHostConverter.ToHost), Jint (via ToObject)
/// and C# can be compared.
/// </summary>
internal static class Canon
{
    public static string Format(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case string s: sb.Append('"').Append(s).Append('"'); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case double or float or decimal or long or int or short or byte or uint or ulong:
                sb.Append(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("F6", CultureInfo.InvariantCulture));
                break;
            case IDictionary<string, object?> generic:
                WriteMembers(sb, generic.Select(p => (p.Key, p.Value)));
                break;
            case IDictionary dict:
                WriteMembers(sb, dict.Cast<DictionaryEntry>().Select(e => ((string)e.Key, e.Value)));
                break;
            case IEnumerable list:
                sb.Append('[');
                bool first = true;
                foreach (var item in list)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            default:
                throw new InvalidOperationException($"Unexpected result type {value.GetType().FullName}.");
        }
    }

    private static void WriteMembers(StringBuilder sb, IEnumerable<(string Key, object? Value)> members)
    {
        sb.Append('{');
        bool first = true;
        foreach (var (key, item) in members.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append(key).Append(':');
            Write(sb, item);
        }
        sb.Append('}');
    }
}
