using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MlDb.Language.Runtime;

namespace MlDb.Language;

/// <summary>
/// JSON text ⇄ ML values (spec §8.1). Parsing uses System.Text.Json's <see cref="Utf8JsonReader"/>
/// (strict RFC 8259). Writing is done here, because the spec fixes JavaScript's exact escaping
/// (lower-case <c>\u00xx</c>, non-ASCII as is) and indentation (any indent string), which
/// <see cref="Utf8JsonWriter"/> cannot be configured to produce.
/// </summary>
public static class MlJson
{
    internal const int MaxDepth = 1000;

    /// <summary>
    /// JSON text of <paramref name="value"/>; null when the value itself is a function (nothing to write).
    /// <paramref name="indent"/> null means compact output.
    /// </summary>
    public static string? Stringify(MlValue value, string? indent)
    {
        if (value.IsFunction) return null;
        var writer = new Writer(indent);
        writer.Write(value, 0);
        return writer.ToString();
    }

    private sealed class Writer(string? indent)
    {
        private readonly StringBuilder _sb = new();
        private readonly HashSet<object> _open = new(ReferenceEqualityComparer.Instance);
        private int _countdown;

        public override string ToString()
        {
            ExecContext.Running?.ReserveBuilt(_sb);
            return _sb.ToString();
        }

        /// <summary>
        /// The text of a shared structure can be exponentially longer than the structure
        /// (<c>a = [a, a]</c>): the size, memory and time limits of the running call are checked
        /// as it grows, every few thousand values and before every long string.
        /// </summary>
        private void Growing(int adding)
        {
            if (adding < 65536 && --_countdown > 0) return;
            _countdown = 4096;
            if (ExecContext.Running is not { } ctx) return;
            long length = (long)_sb.Length + adding;
            ctx.CheckStringLength(length);
            ctx.Poll(length * 2);
        }

        public void Write(MlValue value, int depth)
        {
            Growing(value._ref is string s ? s.Length : 0);
            switch (value.Kind)
            {
                case MlKind.Null:
                case MlKind.Function:
                    _sb.Append("null");
                    break;
                case MlKind.Boolean:
                    _sb.Append(value.AsBool ? "true" : "false");
                    break;
                case MlKind.Int:
                    _sb.Append(value.AsInt.ToString(CultureInfo.InvariantCulture));
                    break;
                case MlKind.Double:
                    {
                        double d = value.AsDouble;
                        _sb.Append(double.IsFinite(d) ? MlFormat.Double(d) : "null");
                        break;
                    }
                case MlKind.Decimal:
                    _sb.Append(MlFormat.Decimal(value.AsDecimal));
                    break;
                case MlKind.String:
                    WriteString(_sb, value.AsString);
                    break;
                case MlKind.Date:
                    WriteString(_sb, MlFormat.IsoDate(value.AsDateTicks));
                    break;
                case MlKind.Bytes:
                    WriteString(_sb, Convert.ToBase64String(value.AsBytes));
                    break;
                case MlKind.Array:
                    WriteArray(value.AsArray, depth);
                    break;
                case MlKind.Object:
                    WriteObject(value.AsObject, depth);
                    break;
                default:
                    WriteString(_sb, MlFormat.Str(value));
                    break;
            }
        }

        private void Enter(object container, int depth)
        {
            if (depth >= MaxDepth) throw MlError.NestingLimit(MaxDepth);
            RuntimeHelpers.EnsureSufficientExecutionStack();
            if (!_open.Add(container)) throw MlError.Type("cannot convert a cyclic structure to JSON");
        }

        private void WriteArray(MlArray array, int depth)
        {
            Enter(array, depth);
            if (array.Count == 0)
            {
                _sb.Append("[]");
            }
            else
            {
                _sb.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0) _sb.Append(',');
                    NewLine(depth + 1);
                    Write(array[i], depth + 1);
                }
                NewLine(depth);
                _sb.Append(']');
            }
            _open.Remove(array);
        }

        private void WriteObject(MlObject obj, int depth)
        {
            Enter(obj, depth);
            bool any = false;
            _sb.Append('{');
            for (int i = 0; i < obj.Count; i++)
            {
                var v = obj.ValueAt(i);
                if (v.IsFunction) continue;
                if (any) _sb.Append(',');
                any = true;
                NewLine(depth + 1);
                WriteString(_sb, obj.KeyAt(i));
                _sb.Append(indent is null ? ":" : ": ");
                Write(v, depth + 1);
            }
            if (any) NewLine(depth);
            _sb.Append('}');
            _open.Remove(obj);
        }

        private void NewLine(int depth)
        {
            if (indent is null) return;
            _sb.Append('\n');
            for (int i = 0; i < depth; i++) _sb.Append(indent);
        }
    }

    /// <summary>A JSON string literal with JavaScript's escaping.</summary>
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        int run = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            string? esc = null;
            switch (c)
            {
                case '"': esc = "\\\""; break;
                case '\\': esc = "\\\\"; break;
                case '\b': esc = "\\b"; break;
                case '\f': esc = "\\f"; break;
                case '\n': esc = "\\n"; break;
                case '\r': esc = "\\r"; break;
                case '\t': esc = "\\t"; break;
                default:
                    if (c < 0x20) esc = "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);
                    else if (char.IsHighSurrogate(c))
                    {
                        if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                        esc = "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);
                    }
                    else if (char.IsLowSurrogate(c))
                    {
                        esc = "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);
                    }
                    break;
            }
            if (esc is null) continue;
            sb.Append(s, run, i - run).Append(esc);
            run = i + 1;
        }
        sb.Append(s, run, s.Length - run);
        sb.Append('"');
    }

    public static string QuoteString(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        WriteString(sb, s);
        return sb.ToString();
    }

    // ---- parsing --------------------------------------------------------------------------

    /// <summary>
    /// Parses strict JSON. Integers that fit 64 bits become ints, other numbers doubles; objects
    /// keep document key order (a repeated key keeps its first position and takes the last value).
    /// Malformed text is an ML SyntaxError naming the line and column.
    /// </summary>
    public static MlValue Parse(string text) => Parse(text, null, MaxDepth);

    internal static MlValue Parse(string text, ExecContext? ctx, int maxDepth)
    {
        ctx?.Reserve(text.Length * 3L, text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            MaxDepth = maxDepth + 1,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        try
        {
            if (!reader.Read()) throw MlError.Syntax("JSON text is empty");
            var made = new ParseProgress { Bytes = utf8.Length };
            var value = ReadValue(ref reader, ctx, 0, maxDepth, ref made);
            if (reader.Read()) throw MlError.Syntax($"unexpected text after the JSON value at {Where(utf8, reader.TokenStartIndex)}");
            return value;
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } l ? $"line {l + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            string msg = e.Message;
            int cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) msg = msg[..cut].TrimEnd();
            if (msg.Contains("maximum configured depth", StringComparison.Ordinal))
                throw MlError.NestingLimit(maxDepth);
            throw MlError.Syntax("invalid JSON" + (where.Length > 0 ? " at " + where : "") + ": " + msg);
        }
    }

    private static string Where(byte[] utf8, long index)
    {
        int line = 1, col = 1;
        for (long i = 0; i < index && i < utf8.Length; i++)
        {
            if (utf8[i] == '\n') { line++; col = 1; }
            else col++;
        }
        return $"line {line}, column {col}";
    }

    /// <summary>What a parse has built so far, which no root reaches until it ends: checked against the call's limits every few thousand values.</summary>
    private struct ParseProgress
    {
        public long Bytes;
        public int Values;
    }

    private static MlValue ReadValue(ref Utf8JsonReader reader, ExecContext? ctx, int depth, int maxDepth, ref ParseProgress made)
    {
        made.Bytes += 48;
        if ((++made.Values & 4095) == 0) ctx?.Poll(made.Bytes);
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return MlValue.Null;
            case JsonTokenType.True: return MlValue.True;
            case JsonTokenType.False: return MlValue.False;
            case JsonTokenType.String:
                {
                    string s = reader.GetString()!;
                    ctx?.CheckStringLength(s.Length);
                    made.Bytes += 2L * s.Length;
                    return s;
                }
            case JsonTokenType.Number:
                {
                    var span = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
                    bool integral = Array.IndexOf(span, (byte)'.') < 0 && Array.IndexOf(span, (byte)'e') < 0 && Array.IndexOf(span, (byte)'E') < 0;
                    if (integral && reader.TryGetInt64(out long l)) return MlValue.FromInt(l);
                    return MlValue.FromDouble(reader.GetDouble());
                }
            case JsonTokenType.StartArray:
                {
                    if (depth >= maxDepth) throw MlError.NestingLimit(maxDepth);
                    var array = new MlArray();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        array.Add(ReadValue(ref reader, ctx, depth + 1, maxDepth, ref made));
                        ctx?.CheckCollectionSize(array.Count);
                    }
                    return array;
                }
            case JsonTokenType.StartObject:
                {
                    if (depth >= maxDepth) throw MlError.NestingLimit(maxDepth);
                    var obj = new MlObject();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        string key = reader.GetString()!;
                        reader.Read();
                        var v = ReadValue(ref reader, ctx, depth + 1, maxDepth, ref made);
                        // Keys from data get a private shape, so parsing arbitrary documents
                        // never grows the shared shape tree.
                        obj.SetFromData(key, v);
                        ctx?.CheckCollectionSize(obj.Count);
                    }
                    return obj;
                }
            default:
                throw MlError.Syntax("invalid JSON token " + reader.TokenType);
        }
    }
}
