using System.Diagnostics;

namespace MlDb.Bench;

/// <summary>
/// One thing to time: <see cref="Prepare"/> runs untimed before every run (e.g. a fresh copy of
/// an array that the timed code sorts in place); <see cref="Run"/> is timed; <see cref="Accept"/>
/// receives each run's result untimed (round 0 is the first warm-up). <see cref="Generic"/> marks
/// the generic-converter input, which feeds no execution unless --generic-input asks for one.
/// </summary>
internal sealed record Case(string Name, Func<object?> Run, Action? Prepare = null, Action<object?, int>? Accept = null, bool Generic = false);

/// <summary>Median, spread and allocations of the measured runs of one case.</summary>
internal sealed record Stats(string Name, double MedianMs, double MinMs, double MaxMs, double CpuMedianMs, double GcPauseMedianMs, int GcCount, long MedianBytes, int Runs)
{
    public double BytesPer(int rows) => (double)MedianBytes / rows;
}

internal static class Harness
{
    /// <summary>Wall time spent outside the timed runs (preparation and forced GCs; result checks), for the progress line.</summary>
    public static TimeSpan GcTime, AcceptTime;

    /// <summary>
    /// Runs <paramref name="warmups"/> + <paramref name="runs"/> rounds; each round runs every
    /// case once, in order, so that noise on this shared machine spreads evenly over the cases.
    /// A full blocking GC starts every round and a gen0+gen1 GC precedes every timed run (the
    /// inputs live in gen2 by then), so no run pays for the garbage of the one before.
    /// Allocations are the bytes allocated on this thread during the run (every engine here runs
    /// on the calling thread).
    /// </summary>
    public static Stats[] Measure(IReadOnlyList<Case> cases, int warmups, int runs)
    {
        var times = new double[cases.Count][];
        var cpu = new double[cases.Count][];
        var pauses = new double[cases.Count][];
        var collections = new int[cases.Count][];
        var bytes = new long[cases.Count][];
        for (int c = 0; c < cases.Count; c++)
        {
            times[c] = new double[runs];
            cpu[c] = new double[runs];
            pauses[c] = new double[runs];
            collections[c] = new int[runs];
            bytes[c] = new long[runs];
        }

        for (int round = 0; round < warmups + runs; round++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
            for (int c = 0; c < cases.Count; c++)
            {
                var item = cases[c];
                long g0 = Stopwatch.GetTimestamp();
                item.Prepare?.Invoke();
                GC.Collect(1, GCCollectionMode.Forced, blocking: true);
                GcTime += Stopwatch.GetElapsedTime(g0);
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var pauseStart = GC.GetTotalPauseDuration();
                int gcStart = GC.CollectionCount(0);
                long cpuStart = ThreadCpu.Nanoseconds();
                long start = Stopwatch.GetTimestamp();
                object? result = item.Run();
                long end = Stopwatch.GetTimestamp();
                long cpuEnd = ThreadCpu.Nanoseconds();
                var pauseEnd = GC.GetTotalPauseDuration();
                int gcEnd = GC.CollectionCount(0);
                long allocatedAfter = GC.GetAllocatedBytesForCurrentThread();

                if (round >= warmups)
                {
                    times[c][round - warmups] = Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
                    cpu[c][round - warmups] = (cpuEnd - cpuStart) / 1e6;
                    pauses[c][round - warmups] = (pauseEnd - pauseStart).TotalMilliseconds;
                    collections[c][round - warmups] = gcEnd - gcStart;
                    bytes[c][round - warmups] = allocatedAfter - allocatedBefore;
                }
                long a0 = Stopwatch.GetTimestamp();
                item.Accept?.Invoke(result, round);
                AcceptTime += Stopwatch.GetElapsedTime(a0);
            }
        }

        var stats = new Stats[cases.Count];
        for (int c = 0; c < cases.Count; c++)
            stats[c] = new Stats(cases[c].Name, Median(times[c]), times[c].Min(), times[c].Max(), Median(cpu[c]), Median(pauses[c]), (int)Median(collections[c].Select(n => (long)n).ToArray()), Median(bytes[c]), runs);
        return stats;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static long Median(long[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
