using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;

namespace MlDb.Language.Runtime;

/// <summary>A mutable box for a variable that a closure captures (or a top-level variable).</summary>
internal sealed class Cell
{
    public MlValue Value;

    public Cell() => Value = MlValue.Uninitialized;

    public Cell(MlValue value) => Value = value;
}

/// <summary>
/// The state of one running host call: the value stack that holds every frame's local slots and
/// arguments, the shadow call stack used for depth limits and ML stack traces, the limits of
/// spec §12 and the host services. One per thread at a time, reused between calls.
/// </summary>
internal sealed class ExecContext
{
    private const int CheckInterval = 1000;
    private const int DeepStackThreadSize = 64 * 1024 * 1024;
    // A deep trace shows its innermost and outermost frames around "... N more frames ...".
    private const int MaxTraceFrames = 6;

    [ThreadStatic] private static ExecContext? t_cached;
    /// <summary>The call running on this thread, for helpers deep in value code that take no context (equality, JSON, str).</summary>
    [ThreadStatic] private static ExecContext? t_running;
    [ThreadStatic] private static int t_tickCountdown;

    // ---- value stack ------------------------------------------------------------------------
    public MlValue[] Stack = new MlValue[256];
    /// <summary>First free slot.</summary>
    public int Sp;
    /// <summary>First slot of the running function's frame.</summary>
    public int Bp;
    /// <summary>Captured variables of the running closure.</summary>
    public Cell[] Upvalues = [];
    /// <summary>Top-level variables of the script being run.</summary>
    public Cell[] Globals = [];
    public MlValue ReturnValue;

    // ---- shadow call stack ----------------------------------------------------------------
    /// <summary>One entry per active ML call: who was called, and from which call node.</summary>
    private struct Frame
    {
        public FunctionProto Proto;
        public Node? Site;
    }

    private Frame[] _frames = new Frame[64];
    public int Depth;
    public int MaxDepth = MlCallOptions.DefaultMaxCallDepth;
    /// <summary>The call node about to invoke a function (its position becomes the caller's frame line).</summary>
    public Node? CallSite;
    /// <summary>The call node of the builtin now running (the call site of callbacks it makes).</summary>
    public Node? BuiltinSite;

    // ---- limits ------------------------------------------------------------------------------
    public int Countdown = CheckInterval;
    private int _chunk = CheckInterval;
    private long _stepsLeft = long.MaxValue;
    private long _deadline;
    private CancellationToken _cancellation;
    public int MaxCollection = int.MaxValue;
    public int MaxString = int.MaxValue;

    // ---- host services --------------------------------------------------------------------
    public TimeProvider Clock = TimeProvider.System;
    public Func<double> Random = SharedRandom;
    private static readonly Func<double> SharedRandom = System.Random.Shared.NextDouble;
    public Action<MlOutputLevel, string>? Output;
    public string File = "";

    private bool _inUse;
    private ExecContext? _outer;

    public static ExecContext Rent(string file, Cell[] globals, MlCallOptions options)
    {
        var ctx = t_cached;
        if (ctx is null || ctx._inUse) ctx = new ExecContext();
        else t_cached = null;
        ctx._inUse = true;
        ctx.Configure(file, globals, options);
        ctx._outer = t_running;
        t_running = ctx;
        return ctx;
    }

    public void Return()
    {
        t_running = _outer;
        _outer = null;
        _memory.Reset();
        // Drop references the finished call left on the stack (frames end where EnsureStack last reached).
        Array.Clear(Stack, 0, Math.Min(Stack.Length, _highWater));
        _highWater = 0;
        Array.Clear(_frames, 0, Math.Min(_frames.Length, Depth + 1));
        Upvalues = [];
        Globals = [];
        ReturnValue = default;
        CallSite = BuiltinSite = null;
        Output = null;
        _inUse = false;
        if (Stack.Length <= 64 * 1024) t_cached = this;
    }

    private void Configure(string file, Cell[] globals, MlCallOptions options)
    {
        File = file;
        Globals = globals;
        Sp = Bp = Depth = 0;
        MaxDepth = options.MaxCallDepth;
        _stepsLeft = options.MaxSteps ?? long.MaxValue;
        _deadline = options.Timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : 0;
        _cancellation = options.CancellationToken;
        MaxCollection = options.MaxCollectionSize ?? int.MaxValue;
        MaxString = options.MaxStringLength ?? int.MaxValue;
        Clock = options.Clock ?? TimeProvider.System;
        Random = options.Random ?? SharedRandom;
        Output = options.Output;
        _chunk = (int)Math.Min(CheckInterval, _stepsLeft);
        Countdown = _chunk;
        _memory.Configure(options);
    }

    // ---- stack ---------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureStack(int needed)
    {
        if (needed > _highWater)
        {
            _highWater = needed;
            if (needed > Stack.Length) GrowStack(needed);
        }
    }

    private int _highWater;

    private void GrowStack(int needed)
    {
        Array.Resize(ref Stack, Math.Max(needed, Stack.Length * 2));
    }

    // ---- steps, time, cancellation -------------------------------------------------------

    /// <summary>Counts one step; every <see cref="CheckInterval"/> steps checks the budget, the clock and cancellation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step()
    {
        if (--Countdown < 0) Refill();
    }

    /// <summary>Like <see cref="Step()"/>; a limit hit here is reported at <paramref name="site"/> (the loop or statement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step(Node site)
    {
        if (--Countdown < 0) RefillAt(site);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RefillAt(Node site)
    {
        try { Refill(); }
        catch (MlError e) when (TryStampOrigin(e, site)) { throw; }
    }

    private void Refill()
    {
        if (_stepsLeft != long.MaxValue)
        {
            _stepsLeft -= _chunk + 1;
            if (_stepsLeft < 0) throw MlError.StepLimit();
        }
        CheckInterrupts();
        _memory.Sample(this);
        _chunk = (int)Math.Min(CheckInterval, Math.Max(_stepsLeft, 0));
        Countdown = _chunk;
    }

    /// <summary>Checks cancellation and time now (for long-running builtins such as sort).</summary>
    public void CheckInterrupts()
    {
        if (_cancellation.IsCancellationRequested) throw MlError.Cancelled();
        if (_deadline != 0 && Stopwatch.GetTimestamp() > _deadline) throw MlError.TimeLimit();
    }

    /// <summary>
    /// For the inner loops of builtins and long single operations (building a big string, copying
    /// a big array, comparing deep structures): checks cancellation and time, and the memory the
    /// call holds plus <paramref name="pendingBytes"/> — memory the operation has built but not yet
    /// handed back (a StringBuilder's text, say), which no root reaches yet.
    /// </summary>
    public void Poll(long pendingBytes = 0)
    {
        CheckInterrupts();
        _memory.Sample(this, pendingBytes);
    }

    /// <summary>
    /// <see cref="Poll"/> for the call running on this thread, from value code that has no context
    /// at hand (equality, JSON, str, conversions); at most every 4 096 calls, so it is cheap to call
    /// once per element.
    /// </summary>
    public static void Tick(long pendingBytes = 0)
    {
        if (--t_tickCountdown > 0) return;
        t_tickCountdown = 4096;
        t_running?.Poll(pendingBytes);
    }

    public CancellationToken Cancellation => _cancellation;

    /// <summary>The call running on this thread, if any (for value code that takes no context).</summary>
    public static ExecContext? Running => t_running;

    // ---- size and memory limits ------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CheckCollectionSize(long count)
    {
        if (count > MaxCollection) throw MlError.SizeLimit();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CheckStringLength(long length)
    {
        if (length > MaxString) throw MlError.SizeLimit();
    }

    private MemoryMeter _memory;

    /// <summary>
    /// Before allocating a value of about <paramref name="bytes"/>: fails with the memory
    /// LimitError when what the call holds plus that value would pass the limit. Small sizes cost
    /// a comparison (allocations are also sampled every 1 000 steps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(long bytes)
    {
        if (bytes >= MemoryMeter.ReserveQuantum) _memory.Reserve(this, bytes, default, default);
    }

    /// <summary>
    /// Like <see cref="Reserve(long)"/>, counting <paramref name="operand"/> and <paramref name="other"/> as held
    /// too: the operands of the operation, which may be temporaries no variable reaches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Reserve(long bytes, in MlValue operand, in MlValue other = default)
    {
        if (bytes >= MemoryMeter.ReserveQuantum) _memory.Reserve(this, bytes, operand, other);
    }

    /// <summary>Before creating an array or object of <paramref name="count"/> elements: the size limit, then the memory for its slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReserveElements(long count, in MlValue operand = default, in MlValue other = default)
    {
        if (count > MaxCollection) throw MlError.SizeLimit();
        Reserve(count * MemoryMeter.SlotBytes, operand, other);
    }

    /// <summary>Before <paramref name="extra"/> elements are added to <paramref name="array"/>: the size limit, and memory when its store must grow.</summary>
    public void ReserveGrowth(MlArray array, long extra)
    {
        long count = array.Count + extra;
        if (count > MaxCollection) throw MlError.SizeLimit();
        int capacity = array.Items.Length;
        if (count > capacity) Reserve(Math.Max(count, capacity * 2L) * MemoryMeter.SlotBytes, array);
    }

    /// <summary>
    /// Before <c>ToString()</c> of a builder's text: the size limit for the string, and memory for it
    /// and for the builder, which holds the same text until then.
    /// </summary>
    public void ReserveBuilt(StringBuilder text, in MlValue operand = default)
    {
        if (text.Length > MaxString) throw MlError.SizeLimit();
        Reserve(text.Length * 4L, operand);
    }

    /// <summary>Before creating a string of <paramref name="length"/> code units: the size limit, then its memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReserveString(long length, in MlValue operand = default, in MlValue other = default)
    {
        if (length > MaxString) throw MlError.SizeLimit();
        Reserve(length * 2, operand, other);
    }

    /// <summary>
    /// Keeps <paramref name="value"/> — a result a builtin is still filling (map's array) or an
    /// operand no variable may reach — visible to the memory measurement until the builtin
    /// returns (builtins restore the stack pointer when they return).
    /// </summary>
    public void Protect(in MlValue value)
    {
        EnsureStack(Sp + 1);
        Stack[Sp++] = value;
    }

    /// <summary>The call's arguments: what the host handed in is not charged to the call.</summary>
    public void SetMemoryBaseline(ReadOnlySpan<MlValue> args) => _memory.SetBaseline(args);

    /// <summary>Every value the call can reach now: the value stack up to <see cref="Sp"/>, the script's top-level variables, the running closure's cells.</summary>
    internal void VisitRoots(RetainedSize walker)
    {
        // Slots above Sp belong to frames that have returned: drop them, so .NET can collect what
        // they held (the meter does not count it either).
        if (_highWater > Sp) Array.Clear(Stack, Sp, Math.Min(Stack.Length, _highWater) - Sp);
        _highWater = Math.Min(_highWater, Sp);
        walker.AddValues(Stack.AsSpan(0, Math.Min(Sp, Stack.Length)));
        foreach (var cell in Globals) walker.AddCell(cell);
        foreach (var cell in Upvalues) walker.AddCell(cell);
        walker.AddValue(ReturnValue);
    }

    // ---- calls -----------------------------------------------------------------------------

    /// <summary>Gives <paramref name="e"/> the position of <paramref name="site"/> (if it has none yet) and returns it for throwing.</summary>
    public MlError Raise(MlError e, Node site)
    {
        if (!e.HasOrigin) StampOrigin(e, site.Line, site.Column);
        return e;
    }

    /// <summary>Gives <paramref name="e"/> the position of the call being made.</summary>
    public MlError RaiseAtCallSite(MlError e)
    {
        if (!e.HasOrigin) StampOrigin(e, CallSite?.Line ?? 0, CallSite?.Column ?? 0);
        return e;
    }

    /// <summary>Records entry into <paramref name="proto"/>; enforces the call-depth limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PushFrame(FunctionProto proto)
    {
        // Counted before the frame exists, so a limit hit here is reported at the caller's call site.
        if (--Countdown < 0) Refill();
        int d = Depth;
        if (d >= _frames.Length) GrowFrames();
        ref var frame = ref _frames[d];
        frame.Proto = proto;
        frame.Site = CallSite;
        Depth = d + 1;
    }

    private void GrowFrames()
    {
        Array.Resize(ref _frames, _frames.Length * 2);
    }

    /// <summary>Calls an ML function from a builtin (a map/filter/sort callback, …).</summary>
    public MlValue Call(MlFunction f, ReadOnlySpan<MlValue> args)
    {
        int argBase = Sp;
        EnsureStack(argBase + args.Length + 1);
        args.CopyTo(Stack.AsSpan(argBase));
        Sp = argBase + args.Length;
        CallSite = BuiltinSite;
        return f.Invoke(this, argBase, args.Length);
    }

    public MlValue Call(MlFunction f, MlValue a)
    {
        int argBase = Sp;
        EnsureStack(argBase + 1);
        Stack[argBase] = a;
        Sp = argBase + 1;
        CallSite = BuiltinSite;
        return f.Invoke(this, argBase, 1);
    }

    public MlValue Call(MlFunction f, MlValue a, MlValue b)
    {
        int argBase = Sp;
        EnsureStack(argBase + 2);
        Stack[argBase] = a;
        Stack[argBase + 1] = b;
        Sp = argBase + 2;
        CallSite = BuiltinSite;
        return f.Invoke(this, argBase, 2);
    }

    public MlValue Call(MlFunction f, MlValue a, MlValue b, MlValue c)
    {
        int argBase = Sp;
        EnsureStack(argBase + 3);
        Stack[argBase] = a;
        Stack[argBase + 1] = b;
        Stack[argBase + 2] = c;
        Sp = argBase + 3;
        CallSite = BuiltinSite;
        return f.Invoke(this, argBase, 3);
    }

    public MlValue Call(MlFunction f, MlValue a, MlValue b, MlValue c, MlValue d)
    {
        int argBase = Sp;
        EnsureStack(argBase + 4);
        Stack[argBase] = a;
        Stack[argBase + 1] = b;
        Stack[argBase + 2] = c;
        Stack[argBase + 3] = d;
        Sp = argBase + 4;
        CallSite = BuiltinSite;
        return f.Invoke(this, argBase, 4);
    }

    /// <summary>
    /// True when the .NET stack is too short to go deeper; the caller then continues on a fresh
    /// thread with a large stack (<see cref="RunOnDeepStack"/>), so deep ML recursion meets the
    /// call-depth limit instead of overflowing the host's stack.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool StackIsLow() => !RuntimeHelpers.TryEnsureSufficientExecutionStack();

    public MlValue RunOnDeepStack(MlFunction f, int argBase, int argCount)
    {
        MlValue result = default;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            t_running = this;
            try { result = f.Invoke(this, argBase, argCount); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { t_running = null; }
        }, DeepStackThreadSize)
        {
            Name = "MlDb deep call",
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    // ---- error positions ---------------------------------------------------------------------

    /// <summary>
    /// Exception filter helper: gives a position-less error the position of <paramref name="site"/>
    /// and the current ML stack. Runs before unwinding, so the shadow stack is still that of the
    /// failing code. Always returns false (the error keeps propagating).
    /// </summary>
    public bool TryStampOrigin(MlError e, Node site)
    {
        if (!e.HasOrigin) StampOrigin(e, site.Line, site.Column);
        return false;
    }

    public void StampOrigin(MlError e, int line, int column)
    {
        // Trace line 0 is the failing function at the failing position; line k (k >= 1) is the
        // caller of line k-1 at the call site recorded in frame depth-k.
        int depth = Math.Min(Depth, _frames.Length);
        int total = Math.Max(depth, 1);
        int head = total > MaxTraceFrames ? MaxTraceFrames / 2 : total;
        int tailStart = total > MaxTraceFrames ? total - MaxTraceFrames / 2 : total;
        var trace = new List<TraceFrame>(Math.Min(total, MaxTraceFrames));
        for (int k = 0; k < total; k++)
        {
            if (k >= head && k < tailStart) continue;
            if (k == 0)
            {
                trace.Add(new TraceFrame(depth > 0 ? _frames[depth - 1].Proto.Name : "<top>", line, column));
                continue;
            }
            int d = depth - k;
            var site = _frames[d].Site;
            trace.Add(new TraceFrame(_frames[d - 1].Proto.Name, site?.Line ?? 0, site?.Column ?? 0));
        }
        e.SetOrigin(File, line, column, trace.ToArray(), tailStart - head);
    }
}
