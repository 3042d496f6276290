using System.Runtime.CompilerServices;
using MlDb.Language.Runtime;

namespace MlDb.Language;

/// <summary>A mutable ML array with reference semantics.</summary>
public sealed class MlArray
{
    private MlValue[] _items;
    private int _count;
    // An order a key sort has decided but not yet applied (see KeySort): set when the sort's
    // result goes straight into a slice, which takes its elements without sorting the rest.
    // Everything else that reads or changes the elements applies it first (Settle).
    private PendingOrder? _pending;

    /// <summary>The number of the last memory measurement that counted this array (see RetainedSize).</summary>
    internal int WalkMark;

    public MlArray() => _items = [];

    public MlArray(int capacity) => _items = capacity == 0 ? [] : new MlValue[capacity];

    /// <summary>Takes ownership of <paramref name="items"/> (the first <paramref name="count"/> are the elements).</summary>
    internal MlArray(MlValue[] items, int count)
    {
        _items = items;
        _count = count;
    }

    public static MlArray FromValues(ReadOnlySpan<MlValue> values)
    {
        var a = new MlArray(values.Length);
        values.CopyTo(a._items);
        a._count = values.Length;
        return a;
    }

    public int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _count;
    }

    public MlValue this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            Settle();
            return _items[index];
        }
        set
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            Settle();
            _items[index] = value;
        }
    }

    /// <summary>The live elements. Valid until the array next grows or shrinks.</summary>
    public ReadOnlySpan<MlValue> AsSpan()
    {
        Settle();
        return new(_items, 0, _count);
    }

    internal Span<MlValue> AsMutableSpan()
    {
        Settle();
        return new(_items, 0, _count);
    }

    /// <summary>Elements <paramref name="start"/> to <paramref name="end"/> (exclusive, 0 ≤ start ≤ end ≤ Count) as a new array.</summary>
    internal MlArray Slice(ExecContext? ctx, int start, int end)
    {
        var pending = Volatile.Read(ref _pending);
        // A prefix of a decided order: a partial selection when it is short, else the full sort.
        if (pending is not null && end <= _count / 16)
        {
            lock (pending)
            {
                if (ReferenceEquals(_pending, pending))
                {
                    var prefix = pending.Prefix(ctx, new ReadOnlySpan<MlValue>(_items, 0, _count), end);
                    return FromValues(prefix.AsSpan(start));
                }
            }
        }
        return FromValues(AsSpan()[start..end]);
    }

    /// <summary>Gives the array an order to take on when its elements are next looked at (the elements must be in input order).</summary>
    internal void DeferOrder(PendingOrder order)
    {
        Settle();
        Volatile.Write(ref _pending, order);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Settle()
    {
        if (Volatile.Read(ref _pending) is not null) ApplyPendingOrder();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ApplyPendingOrder()
    {
        var pending = Volatile.Read(ref _pending);
        if (pending is null) return;
        // A lock, so that two threads reading one shared array at once do not both apply it.
        lock (pending)
        {
            if (!ReferenceEquals(_pending, pending)) return;
            pending.Apply(null, new Span<MlValue>(_items, 0, _count));
            Volatile.Write(ref _pending, null);
        }
    }

    /// <summary>The backing store (its length is the capacity); the first <see cref="Count"/> are the elements.</summary>
    internal MlValue[] Items => _items;

    /// <summary>A snapshot copy of the elements (for iteration that must not see later changes).</summary>
    public MlValue[] ToArray() => AsSpan().ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(MlValue value)
    {
        Settle();
        if (_count == _items.Length) Grow(_count + 1);
        _items[_count++] = value;
    }

    public void AddRange(ReadOnlySpan<MlValue> values)
    {
        Settle();
        if (_count + values.Length > _items.Length) Grow(_count + values.Length);
        values.CopyTo(_items.AsSpan(_count));
        _count += values.Length;
    }

    public void Insert(int index, ReadOnlySpan<MlValue> values)
    {
        if ((uint)index > (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        if (values.Length == 0) return;
        Settle();
        if (_count + values.Length > _items.Length) Grow(_count + values.Length);
        Array.Copy(_items, index, _items, index + values.Length, _count - index);
        values.CopyTo(_items.AsSpan(index));
        _count += values.Length;
    }

    /// <summary>Removes <paramref name="length"/> elements at <paramref name="index"/> and returns them.</summary>
    public MlValue[] RemoveRange(int index, int length)
    {
        if (index < 0 || length < 0 || index + length > _count) throw new ArgumentOutOfRangeException(nameof(index));
        Settle();
        var removed = _items.AsSpan(index, length).ToArray();
        Array.Copy(_items, index + length, _items, index, _count - index - length);
        Array.Clear(_items, _count - length, length);
        _count -= length;
        return removed;
    }

    public void Clear()
    {
        Settle();
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    public void Reverse()
    {
        Settle();
        Array.Reverse(_items, 0, _count);
    }

    private void Grow(int min)
    {
        int newSize = Math.Max(min, _items.Length == 0 ? 4 : _items.Length * 2);
        Array.Resize(ref _items, newSize);
    }
}

/// <summary>An order decided for an array's elements but not yet applied to them (see <see cref="MlArray.Slice"/>).</summary>
internal abstract class PendingOrder
{
    /// <summary>Puts <paramref name="items"/> (in input order) into the decided order; called once.</summary>
    public abstract void Apply(ExecContext? ctx, Span<MlValue> items);

    /// <summary>The first <paramref name="count"/> elements of the decided order, leaving everything as it was.</summary>
    public abstract MlValue[] Prefix(ExecContext? ctx, ReadOnlySpan<MlValue> items, int count);
}
