namespace MlDb.Language.Runtime;

/// <summary>
/// Building big strings and arrays in pieces: a single copy of hundreds of megabytes takes long
/// enough that a timeout or Ctrl+C must be able to stop it halfway, so copies above a megabyte
/// check between chunks. Memory and size are reserved before anything is allocated.
/// </summary>
internal static class LargeCopy
{
    /// <summary>Code units or elements copied between two checks.</summary>
    internal const int Chunk = 1 << 20;

    /// <summary><c>a + b</c> of two strings.</summary>
    public static string Concat(ExecContext ctx, string a, string b)
    {
        long total = (long)a.Length + b.Length;
        ctx.ReserveString(total, a, b);
        if (total > int.MaxValue) throw MlError.SizeLimit();
        if (total < Chunk) return string.Concat(a, b);
        return string.Create((int)total, (ctx, a, b), static (span, state) =>
        {
            Copy(state.ctx, state.a, span);
            Copy(state.ctx, state.b, span[state.a.Length..]);
        });
    }

    /// <summary><paramref name="count"/> copies of one code unit.</summary>
    public static string Fill(ExecContext ctx, char c, int count)
    {
        ctx.ReserveString(count);
        if (count < Chunk) return new string(c, count);
        return string.Create(count, (ctx, c), static (span, state) =>
        {
            for (int i = 0; i < span.Length; i += Chunk)
            {
                span.Slice(i, Math.Min(Chunk, span.Length - i)).Fill(state.c);
                state.ctx.CheckInterrupts();
            }
        });
    }

    /// <summary><paramref name="count"/> copies of <paramref name="s"/> (length at least 1; the size is checked by the caller).</summary>
    public static string Repeat(ExecContext ctx, string s, int count)
    {
        long total = (long)s.Length * count;
        ctx.ReserveString(total, s);
        if (total > int.MaxValue) throw MlError.SizeLimit();
        return string.Create((int)total, (ctx, s), static (span, state) =>
        {
            var piece = state.s.AsSpan();
            int sinceCheck = 0;
            for (int at = 0; at < span.Length; at += piece.Length)
            {
                piece.CopyTo(span[at..]);
                sinceCheck += piece.Length;
                if (sinceCheck >= Chunk)
                {
                    sinceCheck = 0;
                    state.ctx.CheckInterrupts();
                }
            }
        });
    }

    /// <summary>Appends <paramref name="source"/> to <paramref name="target"/> (whose capacity was reserved), a chunk at a time.</summary>
    public static void AppendTo(ExecContext ctx, MlArray target, ReadOnlySpan<MlValue> source)
    {
        if (source.Length < Chunk)
        {
            target.AddRange(source);
            return;
        }
        for (int i = 0; i < source.Length; i += Chunk)
        {
            target.AddRange(source.Slice(i, Math.Min(Chunk, source.Length - i)));
            ctx.CheckInterrupts();
        }
    }

    /// <summary>Appends the elements of <paramref name="value"/> when it is an array, else the value itself (flatMap, flatten), reserving first.</summary>
    public static void AppendSpread(ExecContext ctx, MlArray target, in MlValue value)
    {
        if (value.IsArray)
        {
            ctx.ReserveGrowth(target, value.AsArray.Count);
            AppendTo(ctx, target, value.AsArray.AsSpan());
        }
        else
        {
            ctx.ReserveGrowth(target, 1);
            target.Add(value);
        }
    }

    /// <summary><c>a + b</c> of two arrays (also <c>concat</c> and <c>collections.concat</c>).</summary>
    public static MlArray Concat(ExecContext ctx, MlArray a, MlArray b)
    {
        long total = (long)a.Count + b.Count;
        ctx.ReserveElements(total, a, b);
        var result = new MlArray((int)total);
        AppendTo(ctx, result, a.AsSpan());
        AppendTo(ctx, result, b.AsSpan());
        return result;
    }

    private static void Copy(ExecContext ctx, string source, Span<char> target)
    {
        for (int i = 0; i < source.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, source.Length - i);
            source.AsSpan(i, n).CopyTo(target[i..]);
            ctx.CheckInterrupts();
        }
    }
}
