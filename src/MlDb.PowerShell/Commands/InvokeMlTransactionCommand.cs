using System.Collections;
using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Processing;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Invoke-MlTransaction: an ML function validates the operations ({operations} → {valid, errors});
/// when valid, all of them run in one database transaction, and any failure rolls all back.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MlTransaction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MlTransactionResult))]
public sealed class InvokeMlTransactionCommand : MlScriptedCmdlet
{
    /// <summary>@{ type = 'insert'|'update'|'delete'; table = '…'; values = @{…}; id = …; key = 'id' } (key defaults to id). Piped operations are collected.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IDictionary[] Operations { get; set; } = [];

    private readonly List<IDictionary> _operations = [];

    protected override void ProcessRecord() => _operations.AddRange(Operations);

    protected override void EndProcessing()
    {
        var connection = ResolveSqlConnection("Invoke-MlTransaction");
        var validator = ResolveFunctionParameter(Function, nameof(Function));
        var context = CreateFlowContext(TimeoutSeconds, "Invoke-MlTransaction", gateWrites: true);
        try
        {
            var operations = new MlArray(_operations.Count);
            foreach (var op in _operations) operations.Add(ToMl(op));
            var outcome = new SqlTransactionFlow(connection, context).Run(operations, validator);
            FlushScriptOutput();
            if (outcome.Written) WriteObject(new MlTransactionResult(outcome.Operations, outcome.Affected));
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, ex is MlDbException { Target: not null } db ? db.Target : _operations.ToArray());
        }
        finally
        {
            CompleteProgress();
        }
    }
}
