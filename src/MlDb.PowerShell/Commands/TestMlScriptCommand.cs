using System.Management.Automation;
using MlDb.Data;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Test-MlScript: does the script compile? By default $true, or $false with one error per problem
/// found (so <c>if (Test-MlScript …)</c> works); with -Detailed one <see cref="MlScriptTestResult"/>
/// per file instead (Path, IsValid, Errors with line and column), for reports over many files.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MlScript")]
[OutputType(typeof(bool))]
[OutputType(typeof(MlScriptTestResult))]
public sealed class TestMlScriptCommand : MlSandboxedCmdlet
{
    /// <summary>The .ml files; wildcards are expanded when no file has the literal name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Writes one result object per file (Path, IsValid, Errors, Functions) instead of $true/$false and error records.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            foreach (var full in ExpandPath(path))
            {
                var result = Check(full);
                if (Detailed)
                {
                    WriteObject(result.Result);
                    continue;
                }
                foreach (var error in result.ErrorRecords) WriteError(error);
                WriteObject(result.Result.IsValid);
            }
        }
    }

    /// <summary>The files a -Path names: the literal file when it exists, else the matches of its wildcards, else the path itself (reported missing).</summary>
    private IEnumerable<string> ExpandPath(string path)
    {
        string literal = ResolveFilePath(path, mustExist: false, "MlDb." + MlDbErrorIds.ScriptNotFound, "ML script");
        if (File.Exists(literal) || !WildcardPattern.ContainsWildcardCharacters(path)) return [literal];
        try
        {
            var matches = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            if (provider.Name.Equals("FileSystem", StringComparison.OrdinalIgnoreCase) && matches.Count > 0)
                return matches.Where(File.Exists).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        }
        catch (ItemNotFoundException)
        {
            // nothing matches: reported as a missing file below
        }
        return [literal];
    }

    /// <summary>Compiles one file afresh; the result and, for the default output, its error records.</summary>
    private (MlScriptTestResult Result, List<ErrorRecord> ErrorRecords) Check(string full)
    {
        var records = new List<ErrorRecord>();
        if (!File.Exists(full))
        {
            string message = $"The ML script '{full}' does not exist.";
            records.Add(new ErrorRecord(new MlDbErrorException(message, MlDbErrorIds.ScriptNotFound, null),
                "MlDb." + MlDbErrorIds.ScriptNotFound, ErrorCategory.ObjectNotFound, full));
            return (new MlScriptTestResult(full, [new MlScriptProblem(MlDbErrorIds.ScriptNotFound, message, 0, 0)], []), records);
        }
        try
        {
            var options = CallOptions();
            var script = RunWithLiveOutput(() => ScriptCache.CompileFresh(full, options));
            FlushScriptOutput();
            WriteVerbose($"{full} compiles: {string.Join(", ", script.FunctionNames)}");
            return (new MlScriptTestResult(full, [], script.FunctionNames.ToArray()), records);
        }
        catch (MlScriptException ex)
        {
            FlushScriptOutput();
            if (ex.IsCancellation && CancellationToken.IsCancellationRequested) throw new PipelineStoppedException();
            var problems = new List<MlScriptProblem>();
            if (ex.Diagnostics.Count > 1)
            {
                foreach (var d in ex.Diagnostics)
                {
                    problems.Add(new MlScriptProblem(d.ErrorType, d.Message, d.Line, d.Column));
                    records.Add(new ErrorRecord(new MlScriptErrorException(d.Message, d.ErrorType, d.File, d.Line, d.Column, "", d.ToString(), null, ex),
                        ErrorIds.ScriptCompile, ErrorCategory.ParserError, full) { ErrorDetails = new ErrorDetails(d.ToString()) });
                }
            }
            else
            {
                problems.Add(new MlScriptProblem(ex.ErrorType, ex.Message, ex.Line, ex.Column));
                records.Add(ErrorMapper.ToErrorRecord(ex, full, compiling: true, Limits));
            }
            return (new MlScriptTestResult(full, problems.ToArray(), []), records);
        }
    }
}
