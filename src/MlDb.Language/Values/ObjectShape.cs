namespace MlDb.Language;

/// <summary>
/// The ordered key list of an <see cref="MlObject"/> ("hidden class"). Objects built the same way
/// (rows of one result set, one object literal, the same sequence of <c>o.name = …</c> additions)
/// share one immutable shape, so a member access site can remember "shape S ⇒ slot i" and skip
/// the key search. An object whose keys come from data (<c>counts[key] = …</c>), that grows past
/// <see cref="MaxSharedKeys"/> or that loses a key gets a private, mutable shape instead, which
/// keeps the shared transition tree bounded by the program text.
/// </summary>
internal sealed class ObjectShape
{
    internal const int MaxSharedKeys = 64;
    private const int IndexThreshold = 8;

    /// <summary>The shape of <c>{}</c>; root of the shared transition tree.</summary>
    internal static readonly ObjectShape Empty = new([], 0, shared: true);

    internal string[] Keys;
    internal int Count;
    internal readonly bool IsShared;
    private Dictionary<string, int>? _index;

    // Transitions (shared shapes only). The last one taken is kept lock-free; the rest are in a
    // dictionary guarded by a lock, because compiled scripts run on several threads at once.
    private volatile Transition? _lastTransition;
    private Dictionary<string, ObjectShape>? _transitions;

    private sealed class Transition(string key, ObjectShape target)
    {
        public readonly string Key = key;
        public readonly ObjectShape Target = target;
    }

    private ObjectShape(string[] keys, int count, bool shared)
    {
        Keys = keys;
        Count = count;
        IsShared = shared;
        if (count > IndexThreshold) BuildIndex();
    }

    /// <summary>A standalone shared shape for a known key list (rows of one result set). Null when keys repeat.</summary>
    internal static ObjectShape? CreateShared(IReadOnlyList<string> keys)
    {
        var arr = new string[keys.Count];
        for (int i = 0; i < arr.Length; i++)
        {
            arr[i] = keys[i];
            for (int j = 0; j < i; j++)
                if (arr[j] == arr[i]) return null;
        }
        return new ObjectShape(arr, arr.Length, shared: arr.Length <= MaxSharedKeys);
    }

    /// <summary>A shape for keys known to be distinct (the caller checked): shared up to <see cref="MaxSharedKeys"/> keys, owned beyond.</summary>
    internal static ObjectShape FromDistinctKeys(string[] keys, int count) => new(keys, count, shared: count <= MaxSharedKeys);

    internal static ObjectShape CreateOwned(int capacity) => new(capacity == 0 ? [] : new string[capacity], 0, shared: false);

    internal ObjectShape CloneOwned(int extraCapacity)
    {
        var keys = new string[Count + extraCapacity];
        Array.Copy(Keys, keys, Count);
        return new ObjectShape(keys, Count, shared: false);
    }

    internal int IndexOf(string key)
    {
        var index = _index;
        if (index is not null) return index.TryGetValue(key, out int i) ? i : -1;
        var keys = Keys;
        int n = Count;
        for (int i = 0; i < n; i++)
        {
            if (string.Equals(keys[i], key)) return i;
        }
        return -1;
    }

    /// <summary>The shared shape with <paramref name="key"/> appended, or null when it would grow too large.</summary>
    internal ObjectShape? WithKey(string key)
    {
        var last = _lastTransition;
        if (last is not null && string.Equals(last.Key, key)) return last.Target;
        if (Count >= MaxSharedKeys) return null;
        ObjectShape target;
        lock (this)
        {
            _transitions ??= new Dictionary<string, ObjectShape>(StringComparer.Ordinal);
            if (!_transitions.TryGetValue(key, out target!))
            {
                var keys = new string[Count + 1];
                Array.Copy(Keys, keys, Count);
                keys[Count] = key;
                target = new ObjectShape(keys, Count + 1, shared: true);
                _transitions.Add(key, target);
            }
        }
        _lastTransition = new Transition(key, target);
        return target;
    }

    /// <summary>Appends a key to an owned shape; returns its slot.</summary>
    internal int AddOwned(string key)
    {
        if (Count == Keys.Length) Array.Resize(ref Keys, Math.Max(4, Count * 2));
        Keys[Count] = key;
        if (_index is not null) _index[key] = Count;
        else if (Count + 1 > IndexThreshold) { Count++; BuildIndex(); return Count - 1; }
        return Count++;
    }

    internal void RemoveOwnedAt(int slot)
    {
        Array.Copy(Keys, slot + 1, Keys, slot, Count - slot - 1);
        Count--;
        Keys[Count] = null!;
        if (_index is not null)
        {
            if (Count > IndexThreshold) BuildIndex();
            else _index = null;
        }
    }

    private void BuildIndex()
    {
        var index = new Dictionary<string, int>(Count, StringComparer.Ordinal);
        for (int i = 0; i < Count; i++) index[Keys[i]] = i;
        _index = index;
    }
}
