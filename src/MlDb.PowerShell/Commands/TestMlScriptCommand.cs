using System.Management.Automation;
using MlDb.Data;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>Test-MlScript: does the script compile? $true, or $false with one error per problem found.</summary>
[Cmdlet(VerbsDiagnostic.Test, "MlScript")]
[OutputType(typeof(bool))]
public sealed class TestMlScriptCommand : MlSandboxedCmdlet
{
    /// <summary>The .ml file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            string full = ResolveFilePath(path, mustExist: false, "MlDb." + MlDbErrorIds.ScriptNotFound, "ML script");
            if (!File.Exists(full))
            {
                WriteError(new ErrorRecord(new MlDbErrorException($"The ML script '{full}' does not exist.", MlDbErrorIds.ScriptNotFound, null),
                    "MlDb." + MlDbErrorIds.ScriptNotFound, ErrorCategory.ObjectNotFound, path));
                WriteObject(false);
                continue;
            }
            try
            {
                var options = CallOptions();
                var script = RunWithLiveOutput(() => ScriptCache.CompileFresh(full, options));
                FlushScriptOutput();
                WriteVerbose($"{full} compiles: {string.Join(", ", script.FunctionNames)}");
                WriteObject(true);
            }
            catch (MlScriptException ex)
            {
                FlushScriptOutput();
                if (ex.IsCancellation && CancellationToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (ex.Diagnostics.Count > 1)
                {
                    foreach (var d in ex.Diagnostics)
                    {
                        var error = new ErrorRecord(new MlScriptErrorException(d.Message, d.ErrorType, d.File, d.Line, d.Column, "", d.ToString(), null, ex),
                            ErrorIds.ScriptCompile, ErrorCategory.ParserError, full) { ErrorDetails = new ErrorDetails(d.ToString()) };
                        WriteError(error);
                    }
                }
                else
                {
                    WriteError(ErrorMapper.ToErrorRecord(ex, full, compiling: true, Limits));
                }
                WriteObject(false);
            }
        }
    }
}
