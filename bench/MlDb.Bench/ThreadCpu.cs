using System.Runtime.InteropServices;

namespace MlDb.Bench;

/// <summary>
/// CPU time of the calling thread (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID), nanosecond
/// resolution). On a shared machine wall time includes the time other processes hold the cores;
/// thread CPU time does not, so it is reported beside the wall-clock medians. With workstation,
/// non-concurrent GC the collections triggered by a run execute on this thread and are included.
/// </summary>
internal static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out TimeSpec time);

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Probe();

    private static bool Probe()
    {
        try { return ClockGetTime(ClockThreadCpuTimeId, out _) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }

    /// <summary>Nanoseconds of CPU time this thread has used, or 0 where unsupported.</summary>
    public static long Nanoseconds()
    {
        if (!IsSupported || ClockGetTime(ClockThreadCpuTimeId, out var t) != 0) return 0;
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }
}
