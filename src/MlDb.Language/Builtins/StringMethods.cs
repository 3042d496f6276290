using System.Globalization;
using System.Text;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>Methods of strings (spec §7.2): UTF-16 code units, ordinal comparison, invariant simple case mapping.</summary>
internal static class StringMethods
{
    public static readonly (string Name, MethodBody Body)[] All =
    [
        ("split", Split), ("indexOf", IndexOf), ("lastIndexOf", LastIndexOf), ("includes", Includes),
        ("startsWith", StartsWith), ("endsWith", EndsWith), ("toUpperCase", ToUpperCase),
        ("toLowerCase", ToLowerCase), ("trim", Trim), ("trimStart", TrimStart), ("trimEnd", TrimEnd),
        ("replace", Replace), ("replaceAll", ReplaceAll), ("substring", Substring), ("slice", Slice),
        ("charAt", CharAt), ("charCodeAt", CharCodeAt), ("at", At), ("padStart", PadStart),
        ("padEnd", PadEnd), ("repeat", Repeat), ("localeCompare", LocaleCompare), ("toString", ToStringMethod),
    ];

    private static MlValue Split(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        long limit = Args.Has(args, 1) ? Args.Position(args, 1, 0, "split") : long.MaxValue;
        if (limit < 0) limit = long.MaxValue;
        var result = new MlArray();
        if (limit == 0) return result;
        if (!Args.Has(args, 0))
        {
            result.Add(s);
            return result;
        }
        string sep = Args.Text(args, 0, "split");
        if (sep.Length == 0)
        {
            int n = (int)Math.Min(s.Length, limit);
            // One string per code unit: ASCII ones are shared, the others are new.
            ctx.ReserveElements(n, self);
            var items = new MlValue[n];
            for (int i = 0; i < n; i++)
            {
                char c = s[i];
                items[i] = MlValue.FromString(CharString(c));
                if ((i & 65535) == 65535) ctx.Poll(i * (MemoryMeter.SlotBytes + 32));
            }
            return new MlArray(items, n);
        }
        ctx.Protect(self);
        ctx.Protect(result);
        int pos = 0;
        while (result.Count < limit)
        {
            int next = s.IndexOf(sep, pos, StringComparison.Ordinal);
            int end = next < 0 ? s.Length : next;
            ctx.ReserveGrowth(result, 1);
            ctx.Reserve((end - pos) * 2L);
            result.Add(s.Substring(pos, end - pos));
            if (next < 0) break;
            pos = next + sep.Length;
            if ((result.Count & 4095) == 0) ctx.Poll();
        }
        return result;
    }

    private static readonly string[] Ascii = BuildAscii();

    private static string[] BuildAscii()
    {
        var a = new string[128];
        for (int i = 0; i < a.Length; i++) a[i] = ((char)i).ToString();
        return a;
    }

    /// <summary>A one-code-unit string (ASCII ones are shared).</summary>
    public static string CharString(char c) => c < 128 ? Ascii[c] : c.ToString();

    private static MlValue IndexOf(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string sub = Args.Text(args, 0, "indexOf");
        int from = Args.Clamp(Args.Position(args, 1, 0, "indexOf"), s.Length);
        return MlValue.FromInt(s.IndexOf(sub, from, StringComparison.Ordinal));
    }

    private static MlValue LastIndexOf(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string sub = Args.Text(args, 0, "lastIndexOf");
        long from = Args.Position(args, 1, s.Length, "lastIndexOf");
        int start = Args.Clamp(from, s.Length);
        // the match may begin at any position ≤ start
        int maxBegin = Math.Min(start, s.Length - sub.Length);
        if (maxBegin < 0) return MlValue.FromInt(-1);
        if (sub.Length == 0) return MlValue.FromInt(maxBegin);
        return MlValue.FromInt(s.LastIndexOf(sub, maxBegin + sub.Length - 1, maxBegin + sub.Length, StringComparison.Ordinal));
    }

    private static MlValue Includes(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string sub = Args.Text(args, 0, "includes");
        int from = Args.Clamp(Args.Position(args, 1, 0, "includes"), s.Length);
        return MlValue.FromBool(s.IndexOf(sub, from, StringComparison.Ordinal) >= 0);
    }

    private static MlValue StartsWith(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string p = Args.Text(args, 0, "startsWith");
        int pos = Args.Clamp(Args.Position(args, 1, 0, "startsWith"), s.Length);
        return MlValue.FromBool(s.AsSpan(pos).StartsWith(p, StringComparison.Ordinal));
    }

    private static MlValue EndsWith(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string p = Args.Text(args, 0, "endsWith");
        int end = Args.Clamp(Args.Position(args, 1, s.Length, "endsWith"), s.Length);
        return MlValue.FromBool(s.AsSpan(0, end).EndsWith(p, StringComparison.Ordinal));
    }

    private static MlValue ToUpperCase(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        ctx.Reserve(self.AsString.Length * 2L, self);
        return self.AsString.ToUpperInvariant();
    }

    private static MlValue ToLowerCase(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        ctx.Reserve(self.AsString.Length * 2L, self);
        return self.AsString.ToLowerInvariant();
    }

    private static MlValue Trim(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        var t = Conversions.TrimJs(s);
        return t.Length == s.Length ? s : t.ToString();
    }

    private static MlValue TrimStart(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        int a = 0;
        while (a < s.Length && Conversions.IsJsSpace(s[a])) a++;
        return a == 0 ? s : s.Substring(a);
    }

    private static MlValue TrimEnd(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        int b = s.Length;
        while (b > 0 && Conversions.IsJsSpace(s[b - 1])) b--;
        return b == s.Length ? s : s.Substring(0, b);
    }

    private static MlValue Replace(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string a = Args.Text(args, 0, "replace");
        string b = Args.Text(args, 1, "replace");
        int i = s.IndexOf(a, StringComparison.Ordinal);
        if (i < 0) return s;
        ctx.ReserveString((long)s.Length - a.Length + b.Length, self);
        return string.Concat(s.AsSpan(0, i), b, s.AsSpan(i + a.Length));
    }

    private static MlValue ReplaceAll(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        string a = Args.Text(args, 0, "replaceAll");
        string b = Args.Text(args, 1, "replaceAll");
        if (a.Length == 0)
        {
            // JavaScript: the replacement goes before every code unit and at the end
            long length = s.Length + (long)(s.Length + 1) * b.Length;
            ctx.ReserveString(length, self);
            ctx.Reserve(length * 2, self); // the builder holds the text as well until it becomes the string
            var sb = new StringBuilder((int)length);
            for (int k = 0; k < s.Length; k++)
            {
                sb.Append(b).Append(s[k]);
                Args.Tick(ctx, k);
            }
            sb.Append(b);
            return sb.ToString();
        }
        int count = 0;
        for (int p = s.IndexOf(a, StringComparison.Ordinal); p >= 0; p = s.IndexOf(a, p + a.Length, StringComparison.Ordinal))
        {
            count++;
            Args.Tick(ctx, count);
        }
        if (count == 0) return s;
        ctx.ReserveString(s.Length + (long)count * (b.Length - a.Length), self);
        return s.Replace(a, b, StringComparison.Ordinal);
    }

    private static MlValue Substring(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        int start = Args.Clamp(Args.Position(args, 0, 0, "substring"), s.Length);
        int end = Args.Clamp(Args.Position(args, 1, s.Length, "substring"), s.Length);
        if (start > end) (start, end) = (end, start);
        return start == 0 && end == s.Length ? s : s.Substring(start, end - start);
    }

    private static MlValue Slice(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        int start = Args.Relative(Args.Position(args, 0, 0, "slice"), s.Length);
        int end = Args.Relative(Args.Position(args, 1, s.Length, "slice"), s.Length);
        if (end <= start) return "";
        return start == 0 && end == s.Length ? s : s.Substring(start, end - start);
    }

    private static MlValue CharAt(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        long i = Args.Position(args, 0, 0, "charAt");
        return i >= 0 && i < s.Length ? CharString(s[(int)i]) : "";
    }

    private static MlValue CharCodeAt(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        long i = Args.Position(args, 0, 0, "charCodeAt");
        return i >= 0 && i < s.Length ? MlValue.FromInt(s[(int)i]) : MlValue.FromDouble(double.NaN);
    }

    private static MlValue At(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        long i = Args.Position(args, 0, 0, "at");
        if (i < 0) i += s.Length;
        return i >= 0 && i < s.Length ? CharString(s[(int)i]) : MlValue.Null;
    }

    private static MlValue PadStart(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => Pad(ctx, self.AsString, args, atStart: true);

    private static MlValue PadEnd(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => Pad(ctx, self.AsString, args, atStart: false);

    private static string Pad(ExecContext ctx, string s, ReadOnlySpan<MlValue> args, bool atStart)
    {
        string fn = atStart ? "padStart" : "padEnd";
        long target = Args.Position(args, 0, 0, fn);
        string fill = Args.Has(args, 1) ? Args.Text(args, 1, fn) : " ";
        if (target <= s.Length || fill.Length == 0) return s;
        ctx.ReserveString(target, s);
        if (target > int.MaxValue) throw MlError.SizeLimit();
        int padLen = (int)target - s.Length;
        if (fill.Length == 1)
        {
            string pad = LargeCopy.Fill(ctx, fill[0], padLen);
            return atStart ? LargeCopy.Concat(ctx, pad, s) : LargeCopy.Concat(ctx, s, pad);
        }
        ctx.Reserve(target * 2, s); // the builder holds the text as well until it becomes the string
        var sb = new StringBuilder((int)target);
        if (!atStart) sb.Append(s);
        for (int k = 0; padLen > 0; k++)
        {
            int take = Math.Min(padLen, fill.Length);
            sb.Append(fill, 0, take);
            padLen -= take;
            Args.Tick(ctx, k);
        }
        if (atStart) sb.Append(s);
        return sb.ToString();
    }

    private static MlValue Repeat(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string s = self.AsString;
        long n = Args.Position(args, 0, 0, "repeat");
        if (n < 0) throw MlError.Range($"repeat: the count must not be negative, got {n}");
        if (n == 0 || s.Length == 0) return "";
        // n * length cannot overflow: n < 2^63 is clamped before it can matter.
        long total = n > int.MaxValue ? long.MaxValue : n * (long)s.Length;
        ctx.ReserveString(total, self);
        if (total > int.MaxValue) throw MlError.SizeLimit();
        if (s.Length == 1) return LargeCopy.Fill(ctx, s[0], (int)n);
        return LargeCopy.Repeat(ctx, s, (int)n);
    }

    private static MlValue LocaleCompare(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args)
    {
        string t = Args.Text(args, 0, "localeCompare");
        return MlValue.FromInt(Math.Sign(string.CompareOrdinal(self.AsString, t)));
    }

    private static MlValue ToStringMethod(ExecContext ctx, in MlValue self, ReadOnlySpan<MlValue> args) => self;

    /// <summary>The string of one code point (surrogate code points give a lone surrogate).</summary>
    public static string FromCodePoint(long cp)
    {
        if (cp < 0 || cp > 0x10FFFF) throw MlError.Value($"chr(): invalid code point {cp} (must be 0 to 1114111)");
        if (cp < 0x10000) return CharString((char)cp);
        return char.ConvertFromUtf32((int)cp);
    }

    public static long ToCodePoint(string s)
    {
        if (s.Length == 1) return s[0];
        if (s.Length == 2 && char.IsHighSurrogate(s[0]) && char.IsLowSurrogate(s[1])) return char.ConvertToUtf32(s[0], s[1]);
        throw MlError.Type($"ord(): expected a single character, got a string of length {s.Length.ToString(CultureInfo.InvariantCulture)}");
    }
}
