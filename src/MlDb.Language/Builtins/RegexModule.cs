using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>
/// <c>import regex;</c> (spec §10): Python's <c>re</c> API over .NET regular expressions.
/// Patterns accept <c>(?P&lt;name&gt;…)</c> and <c>(?P=name)</c>; groups are numbered in order of
/// their opening parenthesis, named or not (as in Python); every match operation is limited to 1 s.
/// </summary>
internal static class RegexModule
{
    public const int IgnoreCase = 2;
    public const int Multiline = 8;
    public const int DotAll = 16;
    private const string P = "regex.";

    public static readonly MlObject Namespace = Ns.Functions("regex",
        ("test", (ctx, a) => Pattern(a, 0, 2, P + "test").Test(ctx, a, 1)),
        ("search", (ctx, a) => Pattern(a, 0, 2, P + "search").Search(ctx, a, 1, MatchMode.Search)),
        ("match", (ctx, a) => Pattern(a, 0, 2, P + "match").Search(ctx, a, 1, MatchMode.Start)),
        ("fullmatch", (ctx, a) => Pattern(a, 0, 2, P + "fullmatch").Search(ctx, a, 1, MatchMode.Full)),
        ("findall", (ctx, a) => Pattern(a, 0, 2, P + "findall").FindAll(ctx, a, 1)),
        ("finditer", (ctx, a) => Pattern(a, 0, 2, P + "finditer").FindIter(ctx, a, 1)),
        ("sub", (ctx, a) => Pattern(a, 0, 4, P + "sub").Sub(ctx, a, 1, withCount: false)),
        ("subn", (ctx, a) => Pattern(a, 0, 4, P + "subn").Sub(ctx, a, 1, withCount: true)),
        ("split", (ctx, a) => Pattern(a, 0, 3, P + "split").Split(ctx, a, 1)),
        ("count", (ctx, a) => Pattern(a, 0, 2, P + "count").Count(ctx, a, 1)),
        ("escape", (ctx, a) => Escape(Args.String(a, 0, P + "escape"))),
        ("isValid", (ctx, a) => MlValue.FromBool(IsValid(Args.At(a, 0)))),
        ("compile", (ctx, a) => MlValue.FromOpaque(Pattern(a, 0, 1, P + "compile"))),
        ("IGNORECASE", (ctx, a) => MlValue.FromInt(IgnoreCase)),
        ("MULTILINE", (ctx, a) => MlValue.FromInt(Multiline)),
        ("DOTALL", (ctx, a) => MlValue.FromInt(DotAll)));

    // ---- compiled-pattern cache (thread-safe; bounded) --------------------------------------------

    private const int CacheLimit = 512;
    /// <summary>Longer patterns are not cached: the cache outlives calls, so it must not hold much memory.</summary>
    private const int CachedPatternMaxLength = 1024;
    private static readonly ConcurrentDictionary<(string, int), PatternValue> Cache = new();

    /// <summary>The pattern argument at <paramref name="i"/> (text or a compiled Pattern) with flags from argument <paramref name="flagsIndex"/>.</summary>
    private static PatternValue Pattern(ReadOnlySpan<MlValue> args, int i, int flagsIndex, string fn)
    {
        var v = Args.At(args, i);
        if (v.Kind == MlKind.Opaque && v.AsOpaque is PatternValue compiled) return compiled;
        string source = Args.String(args, i, fn);
        int flags = (int)Args.IntOr(args, flagsIndex, 0, fn);
        return Compile(source, flags);
    }

    public static PatternValue Compile(string source, int flags)
    {
        if (Cache.TryGetValue((source, flags), out var p)) return p;
        p = new PatternValue(source, flags);
        if (source.Length > CachedPatternMaxLength) return p;
        if (Cache.Count >= CacheLimit) Cache.Clear();
        Cache.TryAdd((source, flags), p);
        return p;
    }

    private static bool IsValid(in MlValue v)
    {
        if (!v.IsString) return false;
        try
        {
            Compile(v.AsString, 0);
            return true;
        }
        catch (MlError)
        {
            return false;
        }
    }

    /// <summary>Python's <c>re.escape</c>: a backslash before <c>()[]{}?*+-|^$\.&amp;~#</c>, space and the whitespace controls.</summary>
    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
        {
            if ("()[]{}?*+-|^$\\.&~# \t\n\r\v\f".Contains(c)) sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    internal static MlError Timeout() => MlError.Limit(MlLimitKind.RegexTime, "regex time limit exceeded (1 s per match operation)");

    // ---- translation ------------------------------------------------------------------------------

    /// <summary>
    /// Rewrites Python syntax to .NET: named groups become plain groups (so numbering follows the
    /// opening parentheses, as in Python), <c>(?P=name)</c> and <c>\k&lt;name&gt;</c> become numbered
    /// back-references, <c>\Z</c> becomes <c>\z</c>. Returns the names by group number (null = unnamed).
    /// </summary>
    internal static string Translate(string p, out List<string?> names)
    {
        var sb = new StringBuilder(p.Length + 8);
        names = [];
        var nameList = names;
        bool inClass = false;
        int i = 0;
        while (i < p.Length)
        {
            char c = p[i];
            if (c == '\\' && i + 1 < p.Length)
            {
                char n = p[i + 1];
                if (!inClass && n == 'Z') { sb.Append("\\z"); i += 2; continue; }
                if (!inClass && n == 'k' && i + 2 < p.Length && p[i + 2] == '<')
                {
                    int close = p.IndexOf('>', i + 3);
                    if (close > 0)
                    {
                        AppendBackReference(sb, p.Substring(i + 3, close - i - 3), nameList);
                        i = close + 1;
                        continue;
                    }
                }
                sb.Append(c).Append(n);
                i += 2;
                continue;
            }
            if (inClass)
            {
                if (c == ']') inClass = false;
                sb.Append(c);
                i++;
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                i++;
                if (i < p.Length && p[i] == '^') { sb.Append('^'); i++; }
                if (i < p.Length && p[i] == ']') { sb.Append(']'); i++; }
                continue;
            }
            if (c == '(')
            {
                if (i + 1 >= p.Length || p[i + 1] != '?')
                {
                    names.Add(null);
                    sb.Append('(');
                    i++;
                    continue;
                }
                if (At(p, i, "(?P<") || (At(p, i, "(?<") && i + 3 < p.Length && p[i + 3] != '=' && p[i + 3] != '!') || At(p, i, "(?'"))
                {
                    int nameStart = p[i + 2] == 'P' ? i + 4 : i + 3;
                    char terminator = p[nameStart - 1] == '\'' ? '\'' : '>';
                    int close = p.IndexOf(terminator, nameStart);
                    if (close < 0) throw Invalid(p, "unterminated group name");
                    string name = p.Substring(nameStart, close - nameStart);
                    if (name.Contains('-'))
                    {
                        // .NET balancing group: left as written
                        sb.Append(p, i, close + 1 - i);
                        i = close + 1;
                        continue;
                    }
                    if (name.Length == 0 || names.Contains(name)) throw Invalid(p, $"bad or repeated group name '{name}'");
                    names.Add(name);
                    sb.Append('(');
                    i = close + 1;
                    continue;
                }
                if (At(p, i, "(?P="))
                {
                    int close = p.IndexOf(')', i + 4);
                    if (close < 0) throw Invalid(p, "unterminated back-reference");
                    AppendBackReference(sb, p.Substring(i + 4, close - i - 4), nameList);
                    i = close + 1;
                    continue;
                }
                sb.Append('(');
                i++;
                continue;
            }
            sb.Append(c);
            i++;
        }
        return sb.ToString();

        static void AppendBackReference(StringBuilder sb, string name, List<string?> names)
        {
            int index = names.IndexOf(name);
            if (index < 0) throw MlError.Value($"invalid regex pattern: unknown group name '{name}' in a back-reference");
            sb.Append('\\').Append(index + 1).Append("(?:)");
        }
    }

    private static bool At(string s, int i, string prefix) => string.CompareOrdinal(s, i, prefix, 0, prefix.Length) == 0;

    private static MlError Invalid(string pattern, string why) =>
        MlError.Value($"invalid regex pattern {MlJson.QuoteString(pattern)}: {why}");

    internal static Regex Build(string pattern, string translated, int flags, string prefix, string suffix)
    {
        var options = RegexOptions.CultureInvariant;
        if ((flags & IgnoreCase) != 0) options |= RegexOptions.IgnoreCase;
        if ((flags & Multiline) != 0) options |= RegexOptions.Multiline;
        if ((flags & DotAll) != 0) options |= RegexOptions.Singleline;
        try
        {
            return new Regex(prefix + translated + suffix, options, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw Invalid(pattern, e.Message);
        }
    }
}

internal enum MatchMode { Search, Start, Full }

/// <summary>A compiled pattern (<c>typeName</c> "Pattern").</summary>
internal sealed class PatternValue : MlOpaque
{
    private readonly string _translated;
    private readonly Regex _search;
    private Regex? _start;
    private Regex? _full;
    private Dictionary<string, MlFunction>? _methods;

    public PatternValue(string source, int flags)
    {
        Source = source;
        Flags = flags;
        _translated = RegexModule.Translate(source, out var names);
        Names = names;
        _search = RegexModule.Build(source, _translated, flags, "", "");
    }

    public string Source { get; }
    public int Flags { get; }
    /// <summary>Group names by group number − 1 (null for unnamed groups).</summary>
    public List<string?> Names { get; }
    public int GroupCount => Names.Count;

    public override string TypeName => "Pattern";

    public override string ToString() => "<Pattern " + MlJson.QuoteString(Source) + ">";

    /// <summary>The source, its translation and the compiled program (about ten times the pattern's text).</summary>
    internal override void AddRetained(RetainedSize size)
    {
        size.AddString(Source);
        size.AddBytes(1024 + 20L * _translated.Length);
    }

    private Regex For(MatchMode mode) => mode switch
    {
        MatchMode.Start => _start ??= RegexModule.Build(Source, _translated, Flags, "\\G(?:", ")"),
        MatchMode.Full => _full ??= RegexModule.Build(Source, _translated, Flags, "\\G(?:", ")\\z"),
        _ => _search,
    };

    /// <summary>The group number for an index or a name; -1 when there is none.</summary>
    public int GroupIndex(in MlValue g)
    {
        if (g.IsNull) return 0;
        if (g.IsString) { int i = Names.IndexOf(g.AsString); return i < 0 ? -1 : i + 1; }
        if (g.IsNumber)
        {
            long n = Args.TruncateToLong(Ops.AsDoubleExact(g));
            return n >= 0 && n <= GroupCount ? (int)n : -1;
        }
        return -1;
    }

    private static string Text(ReadOnlySpan<MlValue> args, int i, string fn) => Args.String(args, i, fn);

    public MlValue Test(ExecContext ctx, ReadOnlySpan<MlValue> args, int at)
    {
        string text = Text(args, at, "test");
        try { return MlValue.FromBool(_search.IsMatch(text)); }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
    }

    public MlValue Search(ExecContext ctx, ReadOnlySpan<MlValue> args, int at, MatchMode mode)
    {
        string text = Text(args, at, mode == MatchMode.Search ? "search" : mode == MatchMode.Start ? "match" : "fullmatch");
        try
        {
            var m = For(mode).Match(text);
            return m.Success ? MlValue.FromOpaque(new MatchValue(this, m, text)) : MlValue.Null;
        }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
    }

    public MlValue FindAll(ExecContext ctx, ReadOnlySpan<MlValue> args, int at)
    {
        string text = Text(args, at, "findall");
        var result = new MlArray();
        ctx.Protect(result);
        try
        {
            for (var m = _search.Match(text); m.Success; m = m.NextMatch())
            {
                ctx.ReserveGrowth(result, 1);
                ctx.Reserve(m.Length * 2L * Math.Max(1, GroupCount));
                if (GroupCount == 0) result.Add(m.Value);
                else if (GroupCount == 1) result.Add(m.Groups[1].Value);
                else
                {
                    var tuple = new MlValue[GroupCount];
                    for (int g = 1; g <= GroupCount; g++) tuple[g - 1] = m.Groups[g].Value;
                    result.Add(new MlArray(tuple, tuple.Length));
                }
                Args.Tick(ctx, result.Count);
            }
        }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
        return result;
    }

    public MlValue FindIter(ExecContext ctx, ReadOnlySpan<MlValue> args, int at)
    {
        string text = Text(args, at, "finditer");
        var result = new MlArray();
        ctx.Protect(result);
        try
        {
            for (var m = _search.Match(text); m.Success; m = m.NextMatch())
            {
                ctx.ReserveGrowth(result, 1);
                result.Add(MlValue.FromOpaque(new MatchValue(this, m, text)));
                Args.Tick(ctx, result.Count);
            }
        }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
        return result;
    }

    public MlValue Count(ExecContext ctx, ReadOnlySpan<MlValue> args, int at)
    {
        string text = Text(args, at, "count");
        long n = 0;
        try
        {
            for (var m = _search.Match(text); m.Success; m = m.NextMatch())
            {
                n++;
                if ((n & 4095) == 0) ctx.Poll();
            }
        }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
        return MlValue.FromInt(n);
    }

    /// <summary><c>sub(repl, text, count = 0)</c> / <c>subn</c>: Python templates (<c>\1</c>, <c>\g&lt;name&gt;</c>) or a function of the Match.</summary>
    public MlValue Sub(ExecContext ctx, ReadOnlySpan<MlValue> args, int at, bool withCount)
    {
        string fn = withCount ? "subn" : "sub";
        var repl = Args.At(args, at);
        string text = Text(args, at + 1, fn);
        long max = Args.IntOr(args, at + 2, 0, fn);
        MlFunction? replFn = repl.IsFunction ? repl.AsFunction : null;
        List<(string? Literal, int Group)>? template = replFn is null ? ParseTemplate(Args.String(args, at, fn)) : null;
        var sb = new StringBuilder(text.Length);
        int last = 0;
        long n = 0;
        try
        {
            for (var m = _search.Match(text); m.Success; m = m.NextMatch())
            {
                if (max > 0 && n >= max) break;
                sb.Append(text, last, m.Index - last);
                if (replFn is not null)
                {
                    var r = ctx.Call(replFn, MlValue.FromOpaque(new MatchValue(this, m, text)));
                    sb.Append(r.IsString ? r.AsString : MlFormat.Str(r));
                }
                else
                {
                    foreach (var (literal, group) in template!)
                    {
                        if (literal is not null) sb.Append(literal);
                        else if (m.Groups[group].Success) sb.Append(m.Groups[group].Value);
                    }
                }
                last = m.Index + m.Length;
                n++;
                ctx.CheckStringLength(sb.Length);
                if ((n & 1023) == 0 || sb.Length - text.Length > LargeCopy.Chunk) ctx.Poll(sb.Length * 2L);
            }
        }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
        sb.Append(text, last, text.Length - last);
        ctx.ReserveBuilt(sb, MlValue.FromString(text));
        string result = sb.ToString();
        if (!withCount) return result;
        var o = new MlObject();
        o.Set("result", result);
        o.Set("count", MlValue.FromInt(n));
        return o;
    }

    private List<(string? Literal, int Group)> ParseTemplate(string t)
    {
        var parts = new List<(string?, int)>();
        var lit = new StringBuilder();
        int i = 0;
        while (i < t.Length)
        {
            char c = t[i];
            if (c != '\\' || i + 1 >= t.Length)
            {
                lit.Append(c);
                i++;
                continue;
            }
            char n = t[i + 1];
            int group = -1;
            if (n == 'g' && i + 2 < t.Length && t[i + 2] == '<')
            {
                int close = t.IndexOf('>', i + 3);
                if (close < 0) throw MlError.Value("invalid replacement template: unterminated \\g<");
                string name = t.Substring(i + 3, close - i - 3);
                group = int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int num)
                    ? num : GroupIndex(MlValue.FromString(name));
                if (group < 0 || group > GroupCount) throw MlError.Value($"invalid replacement template: unknown group '{name}'");
                i = close + 1;
            }
            else if (n >= '0' && n <= '9')
            {
                group = n - '0';
                i += 2;
                if (i < t.Length && t[i] >= '0' && t[i] <= '9' && group * 10 + (t[i] - '0') <= GroupCount)
                {
                    group = group * 10 + (t[i] - '0');
                    i++;
                }
                if (group > GroupCount) throw MlError.Value($"invalid replacement template: invalid group reference {group}");
            }
            else
            {
                string? esc = n switch
                {
                    'n' => "\n", 't' => "\t", 'r' => "\r", 'f' => "\f", 'v' => "\v", 'a' => "\a", 'b' => "\b", '\\' => "\\",
                    _ => null,
                };
                lit.Append(esc ?? "\\" + n);
                i += 2;
                continue;
            }
            if (lit.Length > 0) { parts.Add((lit.ToString(), 0)); lit.Clear(); }
            parts.Add((null, group));
        }
        if (lit.Length > 0) parts.Add((lit.ToString(), 0));
        return parts;
    }

    /// <summary>Python's split: captured groups are included; <c>maxsplit</c> 0 = unlimited.</summary>
    public MlValue Split(ExecContext ctx, ReadOnlySpan<MlValue> args, int at)
    {
        string text = Text(args, at, "split");
        long max = Args.IntOr(args, at + 1, 0, "split");
        var result = new MlArray();
        ctx.Protect(result);
        int last = 0;
        long n = 0;
        try
        {
            for (var m = _search.Match(text); m.Success; m = m.NextMatch())
            {
                if (max > 0 && n >= max) break;
                ctx.ReserveGrowth(result, 1 + GroupCount);
                ctx.Reserve((m.Index - last) * 2L);
                result.Add(text.Substring(last, m.Index - last));
                for (int g = 1; g <= GroupCount; g++)
                    result.Add(m.Groups[g].Success ? MlValue.FromString(m.Groups[g].Value) : MlValue.Null);
                last = m.Index + m.Length;
                n++;
                Args.Tick(ctx, result.Count);
            }
        }
        catch (RegexMatchTimeoutException) { throw RegexModule.Timeout(); }
        result.Add(text.Substring(last));
        return result;
    }

    internal override MlFunction? GetMethod(string name)
    {
        var methods = _methods ??= BuildMethods();
        return methods.TryGetValue(name, out var f) ? f : null;
    }

    private Dictionary<string, MlFunction> BuildMethods()
    {
        var d = new Dictionary<string, MlFunction>(StringComparer.Ordinal);
        void Add(string name, BuiltinBody body) => d[name] = new BuiltinFunction("Pattern." + name, body);
        Add("test", (ctx, a) => Test(ctx, a, 0));
        Add("search", (ctx, a) => Search(ctx, a, 0, MatchMode.Search));
        Add("match", (ctx, a) => Search(ctx, a, 0, MatchMode.Start));
        Add("fullmatch", (ctx, a) => Search(ctx, a, 0, MatchMode.Full));
        Add("findall", (ctx, a) => FindAll(ctx, a, 0));
        Add("finditer", (ctx, a) => FindIter(ctx, a, 0));
        Add("sub", (ctx, a) => Sub(ctx, a, 0, withCount: false));
        Add("subn", (ctx, a) => Sub(ctx, a, 0, withCount: true));
        Add("split", (ctx, a) => Split(ctx, a, 0));
        Add("count", (ctx, a) => Count(ctx, a, 0));
        Add("getPattern", (ctx, a) => Source);
        return d;
    }
}

/// <summary>One match (<c>typeName</c> "Match").</summary>
internal sealed class MatchValue(PatternValue pattern, Match match, string text) : MlOpaque
{
    public override string TypeName => "Match";

    /// <summary>A match holds the text it was found in and its groups.</summary>
    internal override void AddRetained(RetainedSize size)
    {
        size.AddString(text);
        size.AddBytes(128 + 48L * match.Groups.Count);
    }

    public override string ToString() => "<Match " + MlJson.QuoteString(match.Value) + ">";

    private Group? GroupOf(in MlValue g)
    {
        int i = pattern.GroupIndex(g);
        return i < 0 ? null : match.Groups[i];
    }

    private static MlValue GroupText(Group? g) => g is { Success: true } ? MlValue.FromString(g.Value) : MlValue.Null;

    internal override MlFunction? GetMethod(string name) => name switch
    {
        "group" => Bind(name, (ctx, a) =>
        {
            if (a.Length <= 1) return GroupText(GroupOf(Args.At(a, 0)));
            var items = new MlValue[a.Length];
            for (int i = 0; i < a.Length; i++) items[i] = GroupText(GroupOf(a[i]));
            return new MlArray(items, items.Length);
        }),
        "groups" => Bind(name, (ctx, a) =>
        {
            var items = new MlValue[pattern.GroupCount];
            var fallback = Args.At(a, 0);
            for (int i = 0; i < items.Length; i++)
                items[i] = match.Groups[i + 1].Success ? match.Groups[i + 1].Value : fallback;
            return new MlArray(items, items.Length);
        }),
        "groupDict" => Bind(name, (ctx, a) =>
        {
            var o = new MlObject();
            var fallback = Args.At(a, 0);
            for (int i = 0; i < pattern.Names.Count; i++)
            {
                var n = pattern.Names[i];
                if (n is null) continue;
                var g = match.Groups[i + 1];
                o.SetFromData(n, g.Success ? g.Value : fallback);
            }
            return o;
        }),
        "groupCount" => Bind(name, (ctx, a) => MlValue.FromInt(pattern.GroupCount)),
        "start" => Bind(name, (ctx, a) => GroupOf(Args.At(a, 0)) is { Success: true } g ? MlValue.FromInt(g.Index) : MlValue.FromInt(-1)),
        "end" => Bind(name, (ctx, a) => GroupOf(Args.At(a, 0)) is { Success: true } g ? MlValue.FromInt(g.Index + g.Length) : MlValue.FromInt(-1)),
        "span" => Bind(name, (ctx, a) =>
        {
            var g = GroupOf(Args.At(a, 0));
            long s = g is { Success: true } ? g.Index : -1, e = g is { Success: true } ? g.Index + g.Length : -1;
            return new MlArray([MlValue.FromInt(s), MlValue.FromInt(e)], 2);
        }),
        "value" => Bind(name, (ctx, a) => match.Value),
        _ => null,
    };

    private static MlFunction Bind(string name, BuiltinBody body) => new BuiltinFunction("Match." + name, body);
}
