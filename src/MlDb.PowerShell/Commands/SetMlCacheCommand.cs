using System.Management.Automation;
using MlDb.Data.Processing;
using MlDb.Data.Redis;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Set-MlCache: processes a value with an ML function (validate, enrich) and stores the result at
/// a key as JSON, with an expiry when given. With -WhatIf the function still runs and what would
/// be stored is shown, but nothing is written.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MlCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PSObject), typeof(string))]
public sealed class SetMlCacheCommand : MlScriptedCmdlet
{
    /// <summary>The key to store the value at.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = "";

    /// <summary>The value: a hashtable, PSCustomObject, array, number, string, date… (stored as JSON).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    public object? InputObject { get; set; }

    /// <summary>Seconds until Redis removes the key (SET … EX); default: no expiry.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int ExpirySeconds { get; set; }

    /// <summary>Stores the value as a plain string instead of JSON (the value, or the function's result, must be a string).</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Writes the value as stored (after the function).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Writes objects as ordered dictionaries instead of PSCustomObjects (with -PassThru).</summary>
    [Parameter]
    public SwitchParameter AsHashtable { get; set; }

    private RedisCacheFlow? _flow;
    private MlFunctionCall? _function;

    protected override void BeginProcessing()
    {
        var connection = this.ResolveRedis("Set-MlCache");
        _function = ResolveFunctionParameter(Function, nameof(Function));
        _flow = new RedisCacheFlow(connection, CreateFlowContext(TimeoutSeconds, "Set-MlCache", gateWrites: true));
    }

    protected override void ProcessRecord()
    {
        try
        {
            var value = ToMl(InputObject);
            TimeSpan? expiry = ExpirySeconds > 0 ? TimeSpan.FromSeconds(ExpirySeconds) : null;
            var result = _flow!.Set(Key, value, _function, expiry, Raw);
            FlushScriptOutput();
            if (PassThru && result.Written) WriteMl(result.Value, AsHashtable);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            this.Fail(ex, InputObject ?? Key);
        }
    }
}
