using System.Globalization;

namespace MlDb.Language.Runtime;

/// <summary>
/// The memory limit of one call (spec §12). An allocation counter alone — what Jint's LimitMemory
/// does — also counts garbage, so a long legitimate run that makes a lot of it would trip. Here the
/// counter only says when to look: the thread's allocated bytes are sampled every 1 000 steps and
/// before every large value is created, and when the estimate (what the call held when last
/// measured plus everything allocated since) passes the limit, what the call can really reach is
/// measured (<see cref="RetainedSize"/>). The call fails only if that, plus the value about to be
/// created, is over the limit; otherwise the estimate restarts from the measured size.
/// </summary>
/// <remarks>
/// Without a limit from the host, the limit is a guard of half the memory available to the
/// process, so a runaway script ends in a LimitError rather than in an OutOfMemoryException (or
/// the operating system's out-of-memory killer).
/// </remarks>
internal struct MemoryMeter
{
    /// <summary>Smaller values are not checked one by one; the sampling every 1 000 steps covers them.</summary>
    public const long ReserveQuantum = 64 * 1024;

    /// <summary>One element of an array or object (an <see cref="MlValue"/>).</summary>
    public const long SlotBytes = 16;

    private static readonly long ProcessGuard = ComputeGuard();

    private long _limit;
    private bool _hostLimit;
    private bool _measureAlways;
    /// <summary>An upper estimate of what the call holds: the size measured last plus every byte allocated since.</summary>
    private long _charged;
    /// <summary>Measure when the estimate passes this (the limit, or a little past what was measured last when that was close to it).</summary>
    private long _checkAt;
    private long _allocatedMark;
    private int _allocatingThread;
    /// <summary>What the call's arguments hold: the host's input is not the call's to pay for.</summary>
    private long _baseline;
    /// <summary>
    /// The arguments, kept until the first measurement needs their size: most calls never
    /// allocate enough to be measured, so they never pay for walking their input.
    /// </summary>
    private MlValue[] _arguments;
    private int _argumentCount;

    public void Configure(MlCallOptions options)
    {
        _hostLimit = options.MaxMemoryBytes is not null;
        _limit = Math.Max(options.MaxMemoryBytes ?? options.ProcessMemoryGuard ?? ProcessGuard, 0);
        _measureAlways = options.MeasureMemoryAtEveryCheck;
        _charged = 0;
        _baseline = 0;
        _argumentCount = 0;
        _checkAt = _limit;
        _allocatingThread = Environment.CurrentManagedThreadId;
        _allocatedMark = GC.GetAllocatedBytesForCurrentThread();
    }

    public void Reset()
    {
        var arguments = _arguments;
        if (arguments is not null) Array.Clear(arguments);
        this = default;
        _arguments = arguments!;
    }

    /// <summary>
    /// Remembers the call's arguments, whose size is subtracted from what the call holds. They
    /// are measured lazily, at the first measurement: what the call added to them before then
    /// (at most the allocations that led to that measurement) is not charged, what it adds
    /// afterwards is.
    /// </summary>
    public void SetBaseline(ReadOnlySpan<MlValue> args)
    {
        if (!_hostLimit || args.Length == 0) return;
        if (_arguments is null || _arguments.Length < args.Length) _arguments = new MlValue[Math.Max(args.Length, 4)];
        args.CopyTo(_arguments);
        _argumentCount = args.Length;
    }

    /// <summary>Adds what this thread allocated since the last sample; measures when the estimate passed the limit.</summary>
    public void Sample(ExecContext ctx, long pendingBytes = 0)
    {
        CountAllocations();
        if (_charged + pendingBytes > _checkAt || _measureAlways) Measure(ctx, pendingBytes, default, default);
    }

    /// <summary>Before a value of <paramref name="bytes"/> is created.</summary>
    public void Reserve(ExecContext ctx, long bytes, in MlValue operand, in MlValue other)
    {
        CountAllocations();
        if (_charged + bytes > _checkAt || _measureAlways) Measure(ctx, bytes, operand, other);
    }

    private void CountAllocations()
    {
        long now = GC.GetAllocatedBytesForCurrentThread();
        int thread = Environment.CurrentManagedThreadId;
        // A call that moved to a deep-stack thread (or back) restarts the count there.
        if (thread == _allocatingThread) _charged += now - _allocatedMark;
        else _allocatingThread = thread;
        _allocatedMark = now;
    }

    private void Measure(ExecContext ctx, long pendingBytes, in MlValue operand, in MlValue other)
    {
        if (_argumentCount > 0)
        {
            _baseline = RetainedSize.MeasureValues(ctx, _arguments.AsSpan(0, _argumentCount));
            Array.Clear(_arguments, 0, _argumentCount);
            _argumentCount = 0;
        }
        long allowed = _limit - pendingBytes;
        long held = RetainedSize.Measure(ctx, operand, other, stopAbove: allowed + _baseline) - _baseline;
        if (held > allowed) throw Exceeded(held + pendingBytes);
        _charged = Math.Max(held, 0);
        // Close to the limit, measuring again after every few bytes would cost more than the
        // work: allow an eighth of the limit before the next measurement.
        _checkAt = Math.Max(_limit, _charged + _limit / 8);
        // The measurement itself allocates nothing the call holds.
        _allocatedMark = GC.GetAllocatedBytesForCurrentThread();
    }

    private readonly MlError Exceeded(long wouldHold)
    {
        string would = Megabytes(wouldHold), limit = Megabytes(_limit);
        return _hostLimit
            ? MlError.Limit(MlLimitKind.Memory, $"memory limit exceeded (the call would hold more than {would} MB, over the limit of {limit} MB)")
            : MlError.Limit(MlLimitKind.OutOfMemory, $"memory limit exceeded (the call would hold more than {would} MB, over the {limit} MB the process can spare: half of the memory available to it)");
    }

    private static string Megabytes(long bytes) =>
        (bytes / (1024.0 * 1024.0)).ToString(bytes < 10L * 1024 * 1024 ? "0.#" : "0", CultureInfo.InvariantCulture);

    /// <summary>Half of the memory the process may use (the machine's, or its container's limit).</summary>
    private static long ComputeGuard()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0) available = 8L * 1024 * 1024 * 1024;
        return Math.Max(available / 2, 256L * 1024 * 1024);
    }

    /// <summary>The implicit limit of calls without <see cref="MlCallOptions.MaxMemoryBytes"/>.</summary>
    public static long GuardBytes => ProcessGuard;
}
