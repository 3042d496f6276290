using System.Management.Automation;
using MlDb.Data;

namespace MlDb.PowerShell.Commands;

/// <summary>Import-MlScript: compiles a .ml file (once per file version) and returns the script object.</summary>
[Cmdlet(VerbsData.Import, "MlScript")]
[OutputType(typeof(MlScriptInfo))]
public sealed class ImportMlScriptCommand : MlSandboxedCmdlet
{
    /// <summary>The .ml file (relative to the current location; PowerShell drives work).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            string full = ResolveFilePath(path, mustExist: true, "MlDb." + MlDbErrorIds.ScriptNotFound, "ML script");
            var info = ResolveScript(full);
            WriteVerbose($"Compiled {info.Path}: {string.Join(", ", info.Functions)}");
            WriteObject(info);
        }
    }
}
