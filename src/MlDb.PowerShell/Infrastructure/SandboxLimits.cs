using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>
/// The sandbox limits a cmdlet's parameters set for each ML call (0 = not set). The same five
/// parameters on every cmdlet that runs ML, so <c>$PSDefaultParameterValues['*-Ml*:MaxSteps']</c>
/// sets a module-wide default.
/// </summary>
internal sealed record MlSandboxLimits(int TimeoutSeconds, long MaxSteps, int MaxMemoryMB, int MaxCollectionSize, int MaxStringLength)
{
    public static MlSandboxLimits None { get; } = new(0, 0, 0, 0, 0);

    /// <summary>The options with these limits applied (unset ones are left as they are).</summary>
    public MlCallOptions Apply(MlCallOptions options) => options with
    {
        Timeout = TimeoutSeconds > 0 ? TimeSpan.FromSeconds(TimeoutSeconds) : options.Timeout,
        MaxSteps = MaxSteps > 0 ? MaxSteps : options.MaxSteps,
        MaxMemoryBytes = MaxMemoryMB > 0 ? MaxMemoryMB * 1024L * 1024L : options.MaxMemoryBytes,
        MaxCollectionSize = MaxCollectionSize > 0 ? MaxCollectionSize : options.MaxCollectionSize,
        MaxStringLength = MaxStringLength > 0 ? MaxStringLength : options.MaxStringLength,
    };
}
