using System.Runtime.CompilerServices;
using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>
/// An order by one key of each element, recognised in a comparator or key function by
/// <see cref="Compiler.SortPatterns"/>: <c>x.Key</c> (or <c>x["Key"]</c> when <see cref="ViaIndex"/>),
/// ascending or <see cref="Descending"/>. <see cref="Subtracts"/>: the comparator computes
/// <c>a.k - b.k</c>, which is defined (and overflow-free) for fewer keys than a comparison is.
/// </summary>
internal sealed record SortKeyPattern(string Key, bool ViaIndex, bool Descending, bool Subtracts);

/// <summary>One element's key and its position in the input.</summary>
internal struct KeyEntry<T>
{
    public T Key;
    public int Index;
}

/// <summary>
/// The sort fast path: when the comparator (or sortBy's key function) only orders by one key,
/// read each element's key once and sort the keys, instead of calling the function for each of
/// the n·log₂n comparisons. The result is the one the general path gives, element for element:
/// <list type="bullet">
/// <item>it runs only where the general path cannot fail and the comparator is a consistent
/// order: every element has a key (an object, or <c>length</c> of a string or array), all keys
/// are of one kind — ints; ints and doubles (no NaN for a comparator, ints within ±2⁵³ so the
/// mixed comparison is exact); ints and decimals; strings (not for <c>a.k - b.k</c>); dates —
/// and subtracting keys cannot overflow. Anything else (a missing key, null, NaN, mixed kinds,
/// huge ints, a call-depth limit about to be reached) goes to the general path, which then
/// produces its usual result or error;</item>
/// <item>it is the same stable merge sort (equal keys keep their input order);</item>
/// <item>when the sort's result goes straight into <c>.slice(start, end)</c> (or <c>[start:end]</c>)
/// with a small end, the order is only decided: the slice takes its elements by a partial
/// selection, and the array is put in order the first time anything else looks at it.</item>
/// </list>
/// Skipped comparator calls cost no steps of the step limit, because only expression-bodied
/// functions are recognised and those run no statements; time and cancellation are checked as
/// the general path checks them.
/// </summary>
internal static class KeySort
{
    /// <summary>Below this many elements a sort is applied at once even when a slice follows.</summary>
    private const int DeferFrom = 1024;

    /// <summary>
    /// <c>array.sort(comparator)</c>: true when the array has been sorted (or its order decided
    /// for the slice that follows); false when the caller must run the general path.
    /// </summary>
    public static bool TrySort(ExecContext ctx, MlArray array, MlFunction comparator)
    {
        if (comparator is not Closure { Proto.KeyComparator: { } pattern }) return false;
        if (array.Count < 2 || ctx.Depth >= ctx.MaxDepth) return false;
        var order = Plan(ctx, array.AsSpan(), pattern, pattern.Descending, comparatorSemantics: true);
        if (order is null) return false;
        if (array.Count >= DeferFrom && ResultIsSliced(ctx)) array.DeferOrder(order);
        else order.Apply(ctx, array.AsMutableSpan());
        return true;
    }

    /// <summary>
    /// <c>collections.sortBy(items, key, reverse)</c> over a copy of the input: the sorted
    /// array, or null when the caller must run the general path (which calls the key function).
    /// </summary>
    public static MlArray? TrySortBy(ExecContext ctx, MlValue[] items, MlFunction key, bool descending)
    {
        if (key is not Closure { Proto.KeyFunction: { } pattern }) return null;
        if (items.Length < 2 || ctx.Depth >= ctx.MaxDepth) return null;
        var order = Plan(ctx, items, pattern, descending, comparatorSemantics: false);
        if (order is null) return null;
        var result = new MlArray(items, items.Length);
        if (items.Length >= DeferFrom && ResultIsSliced(ctx)) result.DeferOrder(order);
        else order.Apply(ctx, result.AsMutableSpan());
        return result;
    }

    /// <summary>True when the running builtin's call is the target of a slice (<c>….sort(f).slice(0, k)</c>).</summary>
    private static bool ResultIsSliced(ExecContext ctx) => ctx.BuiltinSite switch
    {
        MethodCallNode m => m.ResultIsSliced,
        CallNode c => c.ResultIsSliced,
        _ => false,
    };

    // ---- reading and classifying the keys ------------------------------------------------------

    /// <summary>
    /// Reads every element's key and picks the typed order for them, or null when the keys do not
    /// allow the fast path. <paramref name="comparatorSemantics"/>: the order of a recognised
    /// comparator (NaN excluded, subtraction checked); otherwise the library's default order of
    /// keys (sortBy: numbers by value with NaN last, strings ordinally, dates by time).
    /// </summary>
    private static PendingOrder? Plan(ExecContext ctx, ReadOnlySpan<MlValue> items, SortKeyPattern pattern, bool descending, bool comparatorSemantics)
    {
        int n = items.Length;
        var keys = new MlValue[n];
        var reader = new KeyReader(pattern);
        var kinds = new KeyKinds();
        for (int i = 0; i < n; i++)
        {
            if (!reader.TryRead(items[i], out var key)) return null;
            keys[i] = key;
            kinds.Add(key);
            if ((i & 0xFFFF) == 0xFFFF) ctx.CheckInterrupts();
        }
        if (kinds.Other != 0) return null;
        bool subtracts = comparatorSemantics && pattern.Subtracts;

        if (kinds.Ints == n)
        {
            if (subtracts && (Int128)kinds.MaxInt - kinds.MinInt > long.MaxValue) return null;
            var entries = new KeyEntry<long>[n];
            for (int i = 0; i < n; i++) entries[i] = new KeyEntry<long> { Key = keys[i].AsInt, Index = i };
            return new KeyOrder<long, LongKeys>(entries, new LongKeys(descending));
        }
        if (kinds.Ints + kinds.Doubles == n)
        {
            if (kinds.IntBeyondDouble || comparatorSemantics && kinds.NaN) return null;
            var entries = new KeyEntry<double>[n];
            for (int i = 0; i < n; i++)
            {
                var k = keys[i];
                entries[i] = new KeyEntry<double> { Key = k.IsDouble ? k.AsDouble : k.AsInt, Index = i };
            }
            return new KeyOrder<double, DoubleKeys>(entries, new DoubleKeys(descending));
        }
        if (kinds.Ints + kinds.Decimals == n)
        {
            var entries = new KeyEntry<decimal>[n];
            decimal min = decimal.MaxValue, max = decimal.MinValue;
            for (int i = 0; i < n; i++)
            {
                decimal d = Ops.AsDecimal(keys[i]);
                if (d < min) min = d;
                if (d > max) max = d;
                entries[i] = new KeyEntry<decimal> { Key = d, Index = i };
            }
            if (subtracts && !CanSubtract(max, min)) return null;
            return new KeyOrder<decimal, DecimalKeys>(entries, new DecimalKeys(descending));
        }
        if (kinds.Strings == n)
        {
            if (subtracts) return null; // "a" - "b" is a TypeError: the general path reports it
            var entries = new KeyEntry<string>[n];
            for (int i = 0; i < n; i++) entries[i] = new KeyEntry<string> { Key = keys[i].AsString, Index = i };
            return new KeyOrder<string, StringKeys>(entries, new StringKeys(descending));
        }
        if (kinds.Dates == n)
        {
            // date - date is a whole number of milliseconds (truncated): two dates less than a
            // millisecond apart compare equal there, so sort by ticks only when that cannot happen.
            if (subtracts && !WholeMillisecondsApart(keys)) return null;
            var entries = new KeyEntry<long>[n];
            for (int i = 0; i < n; i++) entries[i] = new KeyEntry<long> { Key = keys[i].AsDateTicks, Index = i };
            return new KeyOrder<long, LongKeys>(entries, new LongKeys(descending));
        }
        return null;
    }

    private static bool CanSubtract(decimal max, decimal min)
    {
        try
        {
            _ = max - min;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static bool WholeMillisecondsApart(MlValue[] dates)
    {
        long first = dates[0].AsDateTicks;
        foreach (var d in dates)
            if ((d.AsDateTicks - first) % TimeSpan.TicksPerMillisecond != 0) return false;
        return true;
    }

    /// <summary>Reads the key as the comparator's <c>x.k</c> / <c>x["k"]</c> would, where that cannot fail.</summary>
    private struct KeyReader(SortKeyPattern pattern)
    {
        private readonly string _key = pattern.Key;
        private readonly bool _length = !pattern.ViaIndex && pattern.Key == "length";
        private ObjectShape? _shape;
        private int _slot;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryRead(in MlValue element, out MlValue key)
        {
            if (element._ref is MlObject o)
            {
                // Rows of one result set share a shape: one key search for all of them.
                if (!ReferenceEquals(o._shape, _shape))
                {
                    _shape = o._shape;
                    _slot = o._shape.IndexOf(_key);
                }
                key = _slot < 0 ? MlValue.Null : o._values[_slot];
                return true;
            }
            if (_length)
            {
                switch (element._ref)
                {
                    case MlArray a: key = MlValue.FromInt(a.Count); return true;
                    case string s: key = MlValue.FromInt(s.Length); return true;
                    case byte[] b: key = MlValue.FromInt(b.Length); return true;
                }
            }
            key = default;
            return false;
        }
    }

    /// <summary>What kinds of keys were read.</summary>
    private struct KeyKinds
    {
        private const long ExactDoubleLimit = 1L << 53;

        public int Ints, Doubles, Decimals, Strings, Dates, Other;
        public bool NaN, IntBeyondDouble;
        public long MinInt, MaxInt;

        public KeyKinds()
        {
            MinInt = long.MaxValue;
            MaxInt = long.MinValue;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(in MlValue key)
        {
            if (key.IsInt)
            {
                long i = key.AsInt;
                Ints++;
                if (i < MinInt) MinInt = i;
                if (i > MaxInt) MaxInt = i;
                if (i < -ExactDoubleLimit || i > ExactDoubleLimit) IntBeyondDouble = true;
            }
            else if (key.IsDouble)
            {
                Doubles++;
                if (double.IsNaN(key.AsDouble)) NaN = true;
            }
            else if (key.IsString) Strings++;
            else if (key.IsDecimal) Decimals++;
            else if (key.IsDate) Dates++;
            else Other++;
        }
    }

    // ---- typed orders ----------------------------------------------------------------------------

    private readonly struct LongKeys(bool descending) : IOrder<KeyEntry<long>>
    {
        private readonly bool _descending = descending;

        public int Compare(in KeyEntry<long> a, in KeyEntry<long> b)
        {
            int c = a.Key.CompareTo(b.Key);
            return _descending ? -c : c;
        }
    }

    /// <summary>Doubles by value; NaN after every number and equal to NaN (the default order; a comparator never sees NaN here).</summary>
    private readonly struct DoubleKeys(bool descending) : IOrder<KeyEntry<double>>
    {
        private readonly bool _descending = descending;

        public int Compare(in KeyEntry<double> a, in KeyEntry<double> b)
        {
            double x = a.Key, y = b.Key;
            int c = x < y ? -1 : x > y ? 1 : x == y ? 0 : double.IsNaN(x) ? (double.IsNaN(y) ? 0 : 1) : -1;
            return _descending ? -c : c;
        }
    }

    private readonly struct DecimalKeys(bool descending) : IOrder<KeyEntry<decimal>>
    {
        private readonly bool _descending = descending;

        public int Compare(in KeyEntry<decimal> a, in KeyEntry<decimal> b)
        {
            int c = decimal.Compare(a.Key, b.Key);
            return _descending ? -c : c;
        }
    }

    private readonly struct StringKeys(bool descending) : IOrder<KeyEntry<string>>
    {
        private readonly bool _descending = descending;

        public int Compare(in KeyEntry<string> a, in KeyEntry<string> b)
        {
            int c = Math.Sign(string.CompareOrdinal(a.Key, b.Key));
            return _descending ? -c : c;
        }
    }

    /// <summary>An order of keys made total by the input position (what a stable sort yields), for partial selection.</summary>
    private readonly struct ByKeyThenPosition<T, TOrder>(TOrder order) : IOrder<KeyEntry<T>> where TOrder : struct, IOrder<KeyEntry<T>>
    {
        private readonly TOrder _order = order;

        public int Compare(in KeyEntry<T> a, in KeyEntry<T> b)
        {
            int c = _order.Compare(a, b);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        }
    }

    /// <summary>The decided order: the keys with their input positions, sorted when applied.</summary>
    private sealed class KeyOrder<T, TOrder>(KeyEntry<T>[] entries, TOrder order) : PendingOrder where TOrder : struct, IOrder<KeyEntry<T>>
    {
        private readonly KeyEntry<T>[] _entries = entries;
        private TOrder _order = order;

        public override void Apply(ExecContext? ctx, Span<MlValue> items)
        {
            Sorting.MergeSort(ctx, _entries, ref _order);
            var source = items.ToArray();
            for (int i = 0; i < _entries.Length; i++) items[i] = source[_entries[i].Index];
        }

        public override MlValue[] Prefix(ExecContext? ctx, ReadOnlySpan<MlValue> items, int count)
        {
            // The count smallest entries by (key, position), kept in a max-heap: one pass over the
            // keys, and for random input few replacements. The entries themselves stay untouched
            // for a later Apply.
            var total = new ByKeyThenPosition<T, TOrder>(_order);
            var heap = new KeyEntry<T>[count];
            int size = 0;
            var entries = _entries;
            for (int i = 0; i < entries.Length; i++)
            {
                if (size < count)
                {
                    heap[size] = entries[i];
                    SiftUp(heap, size++, ref total);
                }
                else if (_order.Compare(entries[i], heap[0]) < 0)
                {
                    // A later entry replaces the largest only when its key is strictly smaller:
                    // among equal keys the earlier one comes first.
                    heap[0] = entries[i];
                    SiftDown(heap, 0, size, ref total);
                }
                if ((i & 0xFFFF) == 0xFFFF) ctx?.CheckInterrupts();
            }
            Sorting.MergeSort(ctx, heap, ref total);
            var prefix = new MlValue[count];
            for (int i = 0; i < count; i++) prefix[i] = items[heap[i].Index];
            return prefix;
        }

        private static void SiftUp<TTotal>(KeyEntry<T>[] heap, int i, ref TTotal total) where TTotal : struct, IOrder<KeyEntry<T>>
        {
            var item = heap[i];
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (total.Compare(heap[parent], item) >= 0) break;
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = item;
        }

        private static void SiftDown<TTotal>(KeyEntry<T>[] heap, int i, int size, ref TTotal total) where TTotal : struct, IOrder<KeyEntry<T>>
        {
            var item = heap[i];
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && total.Compare(heap[child + 1], heap[child]) > 0) child++;
                if (total.Compare(heap[child], item) <= 0) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = item;
        }
    }
}
