using System.Management.Automation;
using MlDb.Data.Redis;

namespace MlDb.PowerShell.Commands;

/// <summary>Remove-MlCache: deletes keys (a key that does not exist is not an error).</summary>
[Cmdlet(VerbsCommon.Remove, "MlCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PSObject))]
public sealed class RemoveMlCacheCommand : MlConnectedCmdlet
{
    /// <summary>The keys to delete (pipe many).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Key { get; set; } = [];

    /// <summary>Limit for each Redis command, in seconds (default: the connection's own timeout).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSeconds { get; set; }

    /// <summary>Writes one object per key: Key, and Removed ($false when the key did not exist).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private RedisCacheFlow? _flow;

    protected override void BeginProcessing()
    {
        var connection = this.ResolveRedis("Remove-MlCache");
        _flow = new RedisCacheFlow(connection, CreateFlowContext(TimeoutSeconds, "Remove-MlCache", gateWrites: true));
    }

    protected override void ProcessRecord()
    {
        foreach (var key in Key)
        {
            try
            {
                var result = _flow!.Remove(key);
                if (PassThru && result.Written)
                {
                    var output = new PSObject();
                    output.Properties.Add(new PSNoteProperty("Key", result.Key));
                    output.Properties.Add(new PSNoteProperty("Removed", result.Removed));
                    WriteObject(output);
                }
            }
            catch (Exception ex) when (ErrorMapper.Handles(ex))
            {
                this.Fail(ex, key);
            }
        }
    }
}
