using System.Runtime.CompilerServices;

namespace MlDb.Language;

/// <summary>A mutable ML array with reference semantics.</summary>
public sealed class MlArray
{
    private MlValue[] _items;
    private int _count;

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
            return _items[index];
        }
        set
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            _items[index] = value;
        }
    }

    /// <summary>The live elements. Valid until the array next grows or shrinks.</summary>
    public ReadOnlySpan<MlValue> AsSpan() => new(_items, 0, _count);

    internal Span<MlValue> AsMutableSpan() => new(_items, 0, _count);

    /// <summary>The backing store (its length is the capacity); the first <see cref="Count"/> are the elements.</summary>
    internal MlValue[] Items => _items;

    /// <summary>A snapshot copy of the elements (for iteration that must not see later changes).</summary>
    public MlValue[] ToArray() => AsSpan().ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(MlValue value)
    {
        if (_count == _items.Length) Grow(_count + 1);
        _items[_count++] = value;
    }

    public void AddRange(ReadOnlySpan<MlValue> values)
    {
        if (_count + values.Length > _items.Length) Grow(_count + values.Length);
        values.CopyTo(_items.AsSpan(_count));
        _count += values.Length;
    }

    public void Insert(int index, ReadOnlySpan<MlValue> values)
    {
        if ((uint)index > (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        if (values.Length == 0) return;
        if (_count + values.Length > _items.Length) Grow(_count + values.Length);
        Array.Copy(_items, index, _items, index + values.Length, _count - index);
        values.CopyTo(_items.AsSpan(index));
        _count += values.Length;
    }

    /// <summary>Removes <paramref name="length"/> elements at <paramref name="index"/> and returns them.</summary>
    public MlValue[] RemoveRange(int index, int length)
    {
        if (index < 0 || length < 0 || index + length > _count) throw new ArgumentOutOfRangeException(nameof(index));
        var removed = _items.AsSpan(index, length).ToArray();
        Array.Copy(_items, index + length, _items, index, _count - index - length);
        Array.Clear(_items, _count - length, length);
        _count -= length;
        return removed;
    }

    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    public void Reverse() => Array.Reverse(_items, 0, _count);

    private void Grow(int min)
    {
        int newSize = Math.Max(min, _items.Length == 0 ? 4 : _items.Length * 2);
        Array.Resize(ref _items, newSize);
    }
}
