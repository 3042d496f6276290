using System.Management.Automation;
using MlDb.Data.Processing;
using MlDb.Data.Redis;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Get-MlCache: reads the JSON value at a key, passes it to an ML function and writes the result;
/// or finds every key matching a pattern with SCAN (on every primary of a cluster) and passes
/// <c>{items, count}</c> to the function, or streams the values out without one.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MlCache", DefaultParameterSetName = KeySet)]
[OutputType(typeof(PSObject), typeof(string))]
public sealed class GetMlCacheCommand : MlScriptedCmdlet
{
    public const string KeySet = "Key";
    public const string PatternSet = "Pattern";

    /// <summary>The key to read (pipe several). A missing key writes -Default, or nothing.</summary>
    [Parameter(ParameterSetName = KeySet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = "";

    /// <summary>A glob pattern (user:*, order:?, cache:[ab]*): every matching key is read, found with SCAN, never KEYS.</summary>
    [Parameter(ParameterSetName = PatternSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Pattern { get; set; } = "";

    /// <summary>What to write when the key does not exist (as given, without calling the function).</summary>
    [Parameter(ParameterSetName = KeySet)]
    [AllowNull]
    public object? Default { get; set; }

    /// <summary>Keys asked for per SCAN call (the COUNT hint; default 1000).</summary>
    [Parameter(ParameterSetName = PatternSet)]
    [ValidateRange(1, RedisCacheFlow.MaxPageSize)]
    public int PageSize { get; set; } = RedisCacheFlow.DefaultPageSize;

    /// <summary>Writes the matching keys (strings) instead of their values: nothing is read but the SCAN pages.</summary>
    [Parameter(ParameterSetName = PatternSet)]
    public SwitchParameter KeyOnly { get; set; }

    /// <summary>Reads values as plain strings instead of JSON.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Writes objects as ordered dictionaries instead of PSCustomObjects.</summary>
    [Parameter]
    public SwitchParameter AsHashtable { get; set; }

    private RedisCacheFlow? _flow;
    private MlFunctionCall? _function;

    protected override void BeginProcessing()
    {
        var connection = this.ResolveRedis("Get-MlCache");
        _function = ResolveFunctionParameter(Function, nameof(Function));
        string activity = ParameterSetName == PatternSet ? $"Get-MlCache -Pattern {Pattern}" : "Get-MlCache";
        _flow = new RedisCacheFlow(connection, CreateFlowContext(TimeoutSeconds, activity, gateWrites: false));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PatternSet) ReadPattern();
        else ReadKey();
    }

    private void ReadKey()
    {
        try
        {
            if (_flow!.TryGet(Key, _function, Raw, out var result))
            {
                if (_function is not null && result.IsNull) WriteVerbose($"{_function.Name} returned null for '{Key}'; nothing written.");
                else WriteMl(result, AsHashtable);
            }
            else if (MyInvocation.BoundParameters.ContainsKey(nameof(Default)))
            {
                WriteObject(Default);
            }
            FlushScriptOutput();
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            this.Fail(ex, Key);
        }
    }

    private void ReadPattern()
    {
        try
        {
            if (KeyOnly)
            {
                if (_function is not null)
                    ThrowError("MlDb." + MlDb.Data.MlDbErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                        "-KeyOnly writes the matching keys; it does not go with -Function.", Function);
                foreach (var key in _flow!.ScanKeys(Pattern, PageSize)) WriteObject(key);
            }
            else if (_function is not null)
            {
                var result = _flow!.Aggregate(Pattern, PageSize, Raw, _function, rejected => WriteRecordError(rejected, rejected.Target));
                WriteMl(result, AsHashtable);
            }
            else
            {
                foreach (var item in _flow!.ReadPattern(Pattern, PageSize, Raw, rejected => WriteRecordError(rejected, rejected.Target)))
                    WriteMl(item.Value, AsHashtable);
            }
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, Pattern);
        }
        finally
        {
            CompleteProgress();
        }
    }
}
