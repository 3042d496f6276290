using System.Runtime.CompilerServices;

namespace MlDb.Language;

/// <summary>
/// An ML object: string keys in insertion order, reference semantics, no prototype. Keys such as
/// <c>__proto__</c> or <c>constructor</c> are ordinary data.
/// </summary>
public sealed class MlObject
{
    internal ObjectShape _shape;
    internal MlValue[] _values;

    /// <summary>The number of the last memory measurement that counted this object (see RetainedSize).</summary>
    internal int WalkMark;

    public MlObject()
    {
        _shape = ObjectShape.Empty;
        _values = [];
    }

    /// <summary>An empty object expected to receive about <paramref name="capacity"/> keys from data.</summary>
    public MlObject(int capacity)
    {
        _shape = capacity == 0 ? ObjectShape.Empty : ObjectShape.CreateOwned(capacity);
        _values = capacity == 0 ? [] : new MlValue[capacity];
    }

    internal MlObject(ObjectShape shape, MlValue[] values)
    {
        _shape = shape;
        _values = values;
    }

    /// <summary>Read-only objects: module namespaces such as <c>JSON</c> and <c>Math</c>.</summary>
    public bool IsFrozen { get; private set; }

    public MlObject Freeze()
    {
        IsFrozen = true;
        return this;
    }

    public int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _shape.Count;
    }

    public string KeyAt(int index) => (uint)index < (uint)_shape.Count ? _shape.Keys[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public MlValue ValueAt(int index) => (uint)index < (uint)_shape.Count ? _values[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The keys in insertion order (a copy).</summary>
    public string[] Keys => _shape.Keys.AsSpan(0, _shape.Count).ToArray();

    public bool ContainsKey(string key) => _shape.IndexOf(key) >= 0;

    public bool TryGetValue(string key, out MlValue value)
    {
        int i = _shape.IndexOf(key);
        if (i < 0) { value = MlValue.Null; return false; }
        value = _values[i];
        return true;
    }

    /// <summary>The value under <paramref name="key"/>, or ML null when absent (spec §6.6).</summary>
    public MlValue Get(string key)
    {
        int i = _shape.IndexOf(key);
        return i < 0 ? MlValue.Null : _values[i];
    }

    public MlValue this[string key]
    {
        get => Get(key);
        set => Set(key, value);
    }

    /// <summary>
    /// Creates or replaces <paramref name="key"/> (an existing key keeps its position). Use for
    /// keys that come from program text or a fixed schema: new keys extend the shared shape.
    /// </summary>
    public void Set(string key, MlValue value)
    {
        int i = _shape.IndexOf(key);
        if (i >= 0) { _values[i] = value; return; }
        AddNew(key, value, fromData: false);
    }

    /// <summary>Like <see cref="Set"/>, for keys that come from data (<c>counts[name] = …</c>).</summary>
    public void SetFromData(string key, MlValue value)
    {
        int i = _shape.IndexOf(key);
        if (i >= 0) { _values[i] = value; return; }
        AddNew(key, value, fromData: true);
    }

    /// <summary>Adds a key known to be absent; returns its slot.</summary>
    internal int AddNew(string key, MlValue value, bool fromData)
    {
        var shape = _shape;
        int slot = shape.Count;
        if (shape.IsShared)
        {
            var next = fromData ? null : shape.WithKey(key);
            if (next is not null)
            {
                EnsureValueCapacity(slot + 1);
                _values[slot] = value;
                _shape = next;
                return slot;
            }
            _shape = shape = shape.CloneOwned(Math.Max(4, shape.Count));
        }
        EnsureValueCapacity(slot + 1);
        _values[slot] = value;
        shape.AddOwned(key);
        return slot;
    }

    /// <summary>Moves to a given shared shape that is this object's shape plus one key (cached transition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddWithTransition(ObjectShape next, MlValue value)
    {
        int slot = _shape.Count;
        EnsureValueCapacity(slot + 1);
        _values[slot] = value;
        _shape = next;
    }

    public bool Remove(string key)
    {
        int i = _shape.IndexOf(key);
        if (i < 0) return false;
        if (_shape.IsShared) _shape = _shape.CloneOwned(0);
        int count = _shape.Count;
        Array.Copy(_values, i + 1, _values, i, count - i - 1);
        _values[count - 1] = default;
        _shape.RemoveOwnedAt(i);
        return true;
    }

    private void EnsureValueCapacity(int needed)
    {
        if (_values.Length < needed)
            Array.Resize(ref _values, Math.Max(needed, _values.Length == 0 ? 4 : _values.Length * 2));
    }

    /// <summary>A shallow copy with the same keys in the same order.</summary>
    public MlObject Clone()
    {
        var values = new MlValue[Math.Max(_shape.Count, 1)];
        Array.Copy(_values, values, _shape.Count);
        var shape = _shape.IsShared ? _shape : _shape.CloneOwned(0);
        return new MlObject(shape, values);
    }
}

/// <summary>
/// Builds objects that all have the same keys in the same order — the rows of one result set —
/// sharing one shape, computed once. Create one per result set, then call <see cref="Create"/> per row.
/// </summary>
public sealed class MlObjectLayout
{
    private readonly ObjectShape _shape;

    private MlObjectLayout(ObjectShape shape) => _shape = shape;

    /// <summary>A layout for <paramref name="keys"/>; throws <see cref="ArgumentException"/> naming a repeated key.</summary>
    public static MlObjectLayout For(IReadOnlyList<string> keys)
    {
        var shape = ObjectShape.CreateShared(keys);
        if (shape is null)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in keys)
                if (!seen.Add(k)) throw new ArgumentException($"The key '{k}' occurs more than once.", nameof(keys));
        }
        return new MlObjectLayout(shape!);
    }

    public int Count => _shape.Count;

    public string KeyAt(int index) => _shape.Keys[index];

    /// <summary>A new object with these keys; <paramref name="values"/> holds one value per key, in order.</summary>
    public MlObject Create(ReadOnlySpan<MlValue> values)
    {
        if (values.Length != _shape.Count) throw new ArgumentException($"Expected {_shape.Count} values, got {values.Length}.", nameof(values));
        var copy = new MlValue[Math.Max(values.Length, 1)];
        values.CopyTo(copy);
        return new MlObject(_shape.IsShared ? _shape : _shape.CloneOwned(0), copy);
    }
}
