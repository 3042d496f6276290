using System.Management.Automation;
using MlDb.Data;

namespace MlDb.PowerShell.Commands;

/// <summary>Get-MlConnection: the connections of this session (passwords never shown).</summary>
[Cmdlet(VerbsCommon.Get, "MlConnection")]
[OutputType(typeof(MlConnectionInfo))]
public sealed class GetMlConnectionCommand : MlCmdlet
{
    /// <summary>Names to show (wildcards allowed); default: all.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlConnectionNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var all = ConnectionRegistry.Current.All();
        if (Name is null)
        {
            WriteObject(all, enumerateCollection: true);
            return;
        }
        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = all.Where(c => pattern.IsMatch(c.Name)).ToArray();
            WriteObject(found, enumerateCollection: true);
            if (found.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                WriteError(new ErrorRecord(new MlDbErrorException($"There is no connection named '{name}'.", MlDbErrorIds.ConnectionNotFound, null),
                    "MlDb." + MlDbErrorIds.ConnectionNotFound, ErrorCategory.ObjectNotFound, name));
        }
    }
}
