using System.Management.Automation;
using MlDb.Data;

namespace MlDb.PowerShell.Commands;

/// <summary>Disconnect-MlDatabase: closes named connections (SQLite files can be deleted right after).</summary>
[Cmdlet(VerbsCommunications.Disconnect, "MlDatabase", DefaultParameterSetName = ByName)]
[OutputType(typeof(void))]
public sealed class DisconnectMlDatabaseCommand : MlCmdlet
{
    public const string ByName = "ByName";
    public const string AllSet = "All";

    /// <summary>The connections to close (default: 'default'). Takes the Name of piped connection objects.</summary>
    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlConnectionNameCompleter))]
    public string[] Name { get; set; } = [ConnectionRegistry.DefaultName];

    /// <summary>Closes every connection of the session.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        var registry = ConnectionRegistry.Current;
        if (All)
        {
            foreach (var info in registry.All()) WriteVerbose($"Closing '{info.Name}' ({info.Provider}).");
            registry.RemoveAll();
            return;
        }
        foreach (var name in Name)
        {
            if (registry.Remove(name))
            {
                WriteVerbose($"Closed '{name}'.");
                continue;
            }
            WriteError(new ErrorRecord(new MlDbErrorException($"There is no connection named '{name}'.", MlDbErrorIds.ConnectionNotFound, null),
                "MlDb." + MlDbErrorIds.ConnectionNotFound, ErrorCategory.ObjectNotFound, name));
        }
    }
}
