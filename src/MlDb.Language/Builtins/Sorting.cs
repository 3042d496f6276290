using MlDb.Language.Runtime;

namespace MlDb.Language.Builtins;

/// <summary>An ordering of values of type <typeparamref name="T"/> (a struct, so comparisons inline).</summary>
internal interface IOrder<T>
{
    int Compare(in T a, in T b);
}

/// <summary>
/// Stable sorting (spec §7.1 <c>sort</c>, §9 <c>sorted</c>, collections <c>sortBy</c>): a merge sort
/// that never reorders equal elements, with fast paths for arrays of only ints or only strings
/// (whose equal elements are indistinguishable, so an unstable sort gives the same result).
/// </summary>
internal static class Sorting
{
    private const int InsertionThreshold = 12;

    /// <summary>
    /// The default order: numbers by value (NaN after every other number), strings ordinally, dates
    /// chronologically; any other pair is a TypeError "cannot compare".
    /// </summary>
    public static int DefaultCompare(in MlValue a, in MlValue b)
    {
        if (a.IsNumber && b.IsNumber)
        {
            int c = Ops.CompareNumbers(a, b);
            if (c != Ops.Unordered) return c;
            bool an = IsNaN(a), bn = IsNaN(b);
            return an == bn ? 0 : an ? 1 : -1;
        }
        return Ops.Compare(a, b);
    }

    private static bool IsNaN(in MlValue v) => v.IsDouble && double.IsNaN(v.AsDouble);

    private struct DefaultOrder : IOrder<MlValue>
    {
        public readonly int Compare(in MlValue a, in MlValue b) => DefaultCompare(a, b);
    }

    private struct ReverseDefaultOrder : IOrder<MlValue>
    {
        public readonly int Compare(in MlValue a, in MlValue b) => DefaultCompare(b, a);
    }

    private struct CallbackOrder(ExecContext ctx, MlFunction cmp) : IOrder<MlValue>
    {
        public readonly int Compare(in MlValue a, in MlValue b) => ComparatorResult(ctx.Call(cmp, a, b));
    }

    /// <summary>Key/value pairs ordered by key (sortBy).</summary>
    internal struct Keyed
    {
        public MlValue Key;
        public MlValue Value;
    }

    private struct KeyOrder(bool descending) : IOrder<Keyed>
    {
        public readonly int Compare(in Keyed a, in Keyed b) => descending ? DefaultCompare(b.Key, a.Key) : DefaultCompare(a.Key, b.Key);
    }

    /// <summary>The sign of a comparator's result; anything but a number is a TypeError (NaN counts as 0).</summary>
    public static int ComparatorResult(in MlValue r)
    {
        if (r.IsInt) return Math.Sign(r.AsInt);
        if (r.IsDouble) { double d = r.AsDouble; return d > 0 ? 1 : d < 0 ? -1 : 0; }
        if (r.IsDecimal) return Math.Sign(r.AsDecimal);
        throw MlError.Type($"sort: the comparator must return a number, not {Args.Describe(r)}");
    }

    /// <summary>Sorts <paramref name="items"/> in the default order (stable); <paramref name="descending"/> keeps equal elements in input order.</summary>
    public static void SortDefault(ExecContext ctx, MlValue[] items, bool descending)
    {
        int n = items.Length;
        if (n < 2) return;
        if (TrySortHomogeneous(items, descending)) return;
        if (descending)
        {
            var order = new ReverseDefaultOrder();
            MergeSort(ctx, items, ref order);
        }
        else
        {
            var order = new DefaultOrder();
            MergeSort(ctx, items, ref order);
        }
    }

    /// <summary>Sorts with an ML comparator (stable).</summary>
    public static void SortWith(ExecContext ctx, MlValue[] items, MlFunction cmp)
    {
        if (items.Length < 2) return;
        var order = new CallbackOrder(ctx, cmp);
        MergeSort(ctx, items, ref order);
    }

    /// <summary>Sorts key/value pairs by key (stable).</summary>
    public static void SortKeyed(ExecContext ctx, Keyed[] items, bool descending)
    {
        if (items.Length < 2) return;
        var order = new KeyOrder(descending);
        MergeSort(ctx, items, ref order);
    }

    private static bool TrySortHomogeneous(MlValue[] items, bool descending)
    {
        int n = items.Length;
        if (items[0].IsInt)
        {
            for (int i = 1; i < n; i++) if (!items[i].IsInt) return false;
            var keys = new long[n];
            for (int i = 0; i < n; i++) keys[i] = items[i].AsInt;
            Array.Sort(keys);
            if (descending) Array.Reverse(keys);
            for (int i = 0; i < n; i++) items[i] = MlValue.FromInt(keys[i]);
            return true;
        }
        if (items[0].IsString)
        {
            for (int i = 1; i < n; i++) if (!items[i].IsString) return false;
            var keys = new string[n];
            for (int i = 0; i < n; i++) keys[i] = items[i].AsString;
            Array.Sort(keys, StringComparer.Ordinal);
            if (descending) Array.Reverse(keys);
            for (int i = 0; i < n; i++) items[i] = MlValue.FromString(keys[i]);
            return true;
        }
        return false;
    }

    /// <summary>
    /// The one stable sort of the library (every sort makes the same comparisons in the same order
    /// for the same input). <paramref name="ctx"/> is checked for time and cancellation between
    /// large merges; null when a sort finishes outside a call (an order applied on first use).
    /// </summary>
    internal static void MergeSort<T, TOrder>(ExecContext? ctx, T[] items, ref TOrder order) where TOrder : struct, IOrder<T>
    {
        var tmp = new T[items.Length / 2 + 1];
        Sort(ctx, items, tmp, 0, items.Length, ref order);
    }

    private static void Sort<T, TOrder>(ExecContext? ctx, T[] a, T[] tmp, int lo, int hi, ref TOrder order) where TOrder : struct, IOrder<T>
    {
        if (hi - lo <= InsertionThreshold)
        {
            for (int i = lo + 1; i < hi; i++)
            {
                T x = a[i];
                int j = i - 1;
                while (j >= lo && order.Compare(a[j], x) > 0)
                {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = x;
            }
            return;
        }
        int mid = (int)((uint)(lo + hi) >> 1);
        Sort(ctx, a, tmp, lo, mid, ref order);
        Sort(ctx, a, tmp, mid, hi, ref order);
        if (order.Compare(a[mid - 1], a[mid]) <= 0) return; // already in order
        int leftLen = mid - lo;
        Array.Copy(a, lo, tmp, 0, leftLen);
        int li = 0, ri = mid, k = lo;
        while (li < leftLen && ri < hi)
        {
            // take from the right only when strictly smaller: equal elements keep their order
            if (order.Compare(a[ri], tmp[li]) < 0) a[k++] = a[ri++];
            else a[k++] = tmp[li++];
        }
        while (li < leftLen) a[k++] = tmp[li++];
        if (hi - lo >= 4096) ctx?.CheckInterrupts();
    }
}
