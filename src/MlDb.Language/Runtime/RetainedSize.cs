using MlDb.Language.Builtins;

namespace MlDb.Language.Runtime;

/// <summary>
/// Measures the memory a running call can reach — the estimate behind the memory limit (see
/// <see cref="MemoryMeter"/>). It walks from the call's roots (value stack, top-level variables,
/// captured cells, values a builtin is still building) without recursion, so any nesting depth
/// is fine, and counts each array, object and closure once, however often it is shared
/// (<c>a = [a, a]</c> is linear, not exponential). Sizes are those of the .NET objects behind
/// the values on a 64-bit runtime.
/// </summary>
/// <remarks>
/// Containers are marked with the number of the measurement instead of being put into a set,
/// so a measurement allocates next to nothing; measurements are therefore taken one at a time
/// (they are rare: at most once per limit's worth of allocation).
/// </remarks>
internal sealed class RetainedSize
{
    private const long StringHeader = 22;   // object header, method table, length, terminator
    private const long ArrayHeader = 24;
    private const long CellBytes = 32;
    /// <summary>Strings up to this length are counted per reference instead of being looked up in a set (at most ~3× too much for a shared short string).</summary>
    private const int SharedStringMinLength = 16;

    private static readonly object Gate = new();
    private static readonly RetainedSize Instance = new();
    private static int s_epoch;

    private HashSet<object> _seen = new(ReferenceEqualityComparer.Instance);
    private Stack<object> _pending = new();
    private int _pushed;
    private int _epoch;
    private long _total;
    private long _stopAbove;
    private int _work;
    private ExecContext? _ctx;

    /// <summary>What the running call can reach now, plus <paramref name="operand"/> and <paramref name="other"/>; stops counting once over <paramref name="stopAbove"/>.</summary>
    public static long Measure(ExecContext ctx, in MlValue operand, in MlValue other, long stopAbove)
    {
        lock (Gate)
        {
            var w = Instance;
            w.Begin(ctx, stopAbove);
            try
            {
                ctx.VisitRoots(w);
                w.AddValue(operand);
                w.AddValue(other);
                w.Drain();
                return w._total;
            }
            finally
            {
                w.End();
            }
        }
    }

    /// <summary>What <paramref name="values"/> reach (the arguments a call starts with).</summary>
    public static long MeasureValues(ExecContext ctx, ReadOnlySpan<MlValue> values)
    {
        lock (Gate)
        {
            var w = Instance;
            w.Begin(ctx, long.MaxValue);
            try
            {
                w.AddValues(values);
                w.Drain();
                return w._total;
            }
            finally
            {
                w.End();
            }
        }
    }

    /// <summary>
    /// The values <paramref name="root"/> holds, each array and object counted once however often it
    /// is shared: what a copy without sharing is compared with (see MlHostConverter).
    /// </summary>
    public static long CountDistinctValues(in MlValue root)
    {
        lock (Gate)
        {
            var w = Instance;
            w.Begin(null, long.MaxValue);
            try
            {
                long count = 1;
                w.PushContainer(root);
                while (w._pending.TryPop(out var next))
                {
                    if (next is MlArray a)
                    {
                        foreach (var item in a.AsSpan()) w.PushContainer(item);
                        count += a.Count;
                    }
                    else if (next is MlObject o)
                    {
                        for (int i = 0; i < o.Count; i++) w.PushContainer(o.ValueAt(i));
                        count += o.Count;
                    }
                }
                return count;
            }
            finally
            {
                w.End();
            }
        }
    }

    private void PushContainer(in MlValue v)
    {
        if (v._ref is MlArray a && a.WalkMark != _epoch) { a.WalkMark = _epoch; Push(a); }
        else if (v._ref is MlObject o && o.WalkMark != _epoch) { o.WalkMark = _epoch; Push(o); }
    }

    private void Begin(ExecContext? ctx, long stopAbove)
    {
        _epoch = ++s_epoch;
        if (_epoch == 0) _epoch = s_epoch = 1; // 0 is the mark of a container never measured
        _ctx = ctx;
        _total = 0;
        _stopAbove = stopAbove;
    }

    private void End()
    {
        _ctx = null;
        // Keep the helpers small between measurements: what a big one grew must not stay behind
        // for good (small ones are reused as they are, so that a measurement allocates nothing).
        if (_seen.Count > 4096) _seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        else _seen.Clear();
        if (_pushed > 4096) _pending = new Stack<object>();
        else _pending.Clear();
        _pushed = 0;
    }

    public void AddBytes(long bytes) => _total += bytes;

    public void AddValues(ReadOnlySpan<MlValue> values)
    {
        foreach (var v in values) AddValue(v);
    }

    public void AddCell(Cell cell)
    {
        _total += CellBytes;
        AddValue(cell.Value);
    }

    public void AddString(string s)
    {
        if (s.Length <= SharedStringMinLength || _seen.Add(s)) _total += (StringHeader + 2L * s.Length + 7) & ~7L;
    }

    public void AddValue(in MlValue v)
    {
        object? r = v._ref;
        if (r is null) return;
        if (r is string s) { AddString(s); return; }
        if (r is MlArray a)
        {
            if (a.WalkMark != _epoch) { a.WalkMark = _epoch; Push(a); }
            return;
        }
        if (r is MlObject o)
        {
            if (o.WalkMark != _epoch) { o.WalkMark = _epoch; Push(o); }
            return;
        }
        if (r is Cell cell) { AddCell(cell); return; }
        if (r is Closure c)
        {
            if (c.WalkMark != _epoch) { c.WalkMark = _epoch; Push(c); }
            return;
        }
        if (r is decimal) { _total += 32; return; }
        if (r is byte[] bytes)
        {
            if (_seen.Add(bytes)) _total += ArrayHeader + bytes.Length;
            return;
        }
        if (r is BuiltinFunction builtin)
        {
            if (builtin.Retains is not null && _seen.Add(builtin)) Push(builtin);
            return;
        }
        if (r is MlOpaque opaque && _seen.Add(opaque)) opaque.AddRetained(this);
        // int, double, boolean and date carry their payload in the value itself; shared builtins cost nothing.
    }

    private void Push(object container)
    {
        _pending.Push(container);
        _pushed++;
    }

    private void Drain()
    {
        while (_pending.TryPop(out var next))
        {
            switch (next)
            {
                case MlArray a:
                    {
                        var items = a.Items;
                        int n = Math.Min(a.Count, items.Length);
                        _total += 32 + ArrayHeader + MemoryMeter.SlotBytes * items.Length;
                        for (int i = 0; i < n; i++) AddValue(items[i]);
                        Tick(n);
                        break;
                    }
                case MlObject o:
                    {
                        var values = o._values;
                        var shape = o._shape;
                        int n = Math.Min(shape.Count, values.Length);
                        _total += 40 + ArrayHeader + MemoryMeter.SlotBytes * values.Length;
                        if (!shape.IsShared)
                        {
                            // A private shape: its key array (and index) belong to this object alone.
                            var keys = shape.Keys;
                            _total += 48 + ArrayHeader + 8L * keys.Length + (n > 8 ? 28L * n : 0);
                            for (int i = 0; i < n && i < keys.Length; i++)
                                if (keys[i] is { } key) AddString(key);
                        }
                        for (int i = 0; i < n; i++) AddValue(values[i]);
                        Tick(n);
                        break;
                    }
                case Closure c:
                    _total += 48 + ArrayHeader + 8L * c.Captured.Length;
                    foreach (var cell in c.Captured) AddCell(cell);
                    break;
                case BuiltinFunction builtin:
                    _total += 64;
                    builtin.Retains!(this);
                    break;
            }
            if (_total > _stopAbove) return; // over the limit: the rest would not change the answer
        }
    }

    private void Tick(int elements)
    {
        _work += elements + 1;
        if (_work < 1 << 16) return;
        _work = 0;
        _ctx?.CheckInterrupts();
    }
}
