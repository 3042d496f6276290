using System.Management.Automation;
using MlDb.Data;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>Invoke-MlFunction: calls an ML function with no database (the way to unit-test ML in Pester).</summary>
[Cmdlet(VerbsLifecycle.Invoke, "MlFunction", DefaultParameterSetName = ArgumentsSet)]
[OutputType(typeof(PSObject))]
public sealed class InvokeMlFunctionCommand : MlSandboxedCmdlet
{
    public const string ArgumentsSet = "Arguments";
    public const string PipelineSet = "Pipeline";

    /// <summary>A compiled script (Import-MlScript) or the path of a .ml file.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [MlScriptTransformation]
    [ValidateNotNull]
    public object Script { get; set; } = null!;

    /// <summary>The top-level function to call.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlFunctionNameCompleter))]
    public string Function { get; set; } = "";

    /// <summary>The arguments, in order (hashtables and PSCustomObjects become ML objects).</summary>
    [Parameter(ParameterSetName = ArgumentsSet, Position = 2)]
    [Alias("Args")]
    [AllowNull]
    [AllowEmptyCollection]
    public object?[]? ArgumentList { get; set; }

    /// <summary>Piped objects: the function is called once per object, with it as the one argument.</summary>
    [Parameter(ParameterSetName = PipelineSet, Mandatory = true, ValueFromPipeline = true)]
    [AllowNull]
    public object? InputObject { get; set; }

    /// <summary>Writes ML objects as ordered dictionaries instead of PSCustomObjects.</summary>
    [Parameter]
    public SwitchParameter AsHashtable { get; set; }

    private MlScript? _script;

    protected override void BeginProcessing()
    {
        var info = ResolveScript(Script);
        _ = ResolveFunction(info, Function);
        _script = (MlScript)info.Script;
    }

    protected override void ProcessRecord()
    {
        var options = CallOptions();
        if (ParameterSetName == PipelineSet)
        {
            try
            {
                var result = _script!.Call(Function, ToMl(InputObject), options);
                WriteMl(result, AsHashtable);
            }
            catch (Exception ex) when (ErrorMapper.Handles(ex))
            {
                if (ex is MlScriptException { IsTimeout: true }) ThrowError(ex, InputObject);
                WriteRecordError(ex, InputObject);
            }
            return;
        }
        var args = ArgumentList ?? [];
        var values = new MlValue[args.Length];
        for (int i = 0; i < values.Length; i++)
        {
            try { values[i] = ToMl(args[i]); }
            catch (Exception ex) when (ErrorMapper.Handles(ex)) { ThrowError(ex, args[i]); }
        }
        try
        {
            var result = _script!.Call(Function, values, options);
            WriteMl(result, AsHashtable);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            // The error is about the function (a thrown object is the error's data, as ever).
            ThrowError(ex, ex is MlScriptException { ThrownData: System.Collections.IDictionary } ? null : Function);
        }
    }
}
