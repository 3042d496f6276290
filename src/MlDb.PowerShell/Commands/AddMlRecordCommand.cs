using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Processing;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Add-MlRecord: passes each record through an ML function (validate / transform) and inserts what
/// it returns; or groups records into batches for a batch function, one transaction per batch.
/// </summary>
[Cmdlet(VerbsCommon.Add, "MlRecord", DefaultParameterSetName = TableSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(long), typeof(string), typeof(MlInsertBatchResult), typeof(PSCustomObject))]
public sealed class AddMlRecordCommand : MlScriptedCmdlet
{
    public const string TableSet = "Table";
    public const string CollectionSet = "Collection";

    /// <summary>The table to insert into; record keys are matched to its columns.</summary>
    [Parameter(ParameterSetName = TableSet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlTableNameCompleter))]
    public string Table { get; set; } = "";

    /// <summary>MongoDB: the collection to insert into; each inserted _id is written out as a string.</summary>
    [Parameter(ParameterSetName = CollectionSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlCollectionNameCompleter))]
    public string Collection { get; set; } = "";

    /// <summary>MongoDB: the database of -Collection (default: the connection's -Database).</summary>
    [Parameter(ParameterSetName = CollectionSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlDatabaseNameCompleter))]
    public string? Database { get; set; }

    /// <summary>MongoDB: adds created_at (the current date) and processed_by_ml = true to each document.</summary>
    [Parameter(ParameterSetName = CollectionSet)]
    public SwitchParameter AddMetadata { get; set; }

    /// <summary>The record: a hashtable, ordered dictionary or PSCustomObject (pipe many). An array given directly is a list of records.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowNull]
    public object? InputObject { get; set; }

    /// <summary>An ML function that gets {records: [...]} per batch and returns {records: [...]} to insert.</summary>
    [Parameter(ParameterSetName = TableSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlFunctionNameCompleter))]
    public string? BatchFunction { get; set; }

    /// <summary>Records per batch (default 1000); giving it (or -BatchFunction) switches to batch mode: one transaction and one summary per batch.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Per-record mode: records per transaction (MongoDB: per insert group), default 1000; a group also commits after a short time and at the end. 1 commits each record on its own.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int CommitSize { get; set; } = 1000;

    /// <summary>What a record whose -Key already exists does: Error (default; the record is skipped with an error), Ignore (the existing row stays), Update (its other columns are set).</summary>
    [Parameter]
    public MlConflictAction OnConflict { get; set; } = MlConflictAction.Error;

    /// <summary>The columns (MongoDB: fields) that identify a record for -OnConflict: a primary key or unique constraint.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Key { get; set; }

    /// <summary>Writes each record as written (after its function), with its new key, instead of the bare key.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private MongoRecordWriter? _mongo;
    private SqlRecordInserter? _inserter;
    private SqlBatchInserter? _batcher;
    private bool _batchMode;

    protected override void BeginProcessing()
    {
        if (ParameterSetName == CollectionSet)
        {
            _mongo = MongoRecordWriter.Begin(this);
            return;
        }
        var connection = ResolveSqlConnection("Add-MlRecord -Table");
        var function = ResolveFunctionParameter(Function, nameof(Function));
        var batchFunction = ResolveFunctionParameter(BatchFunction, nameof(BatchFunction));
        _batchMode = batchFunction is not null || MyInvocation.BoundParameters.ContainsKey(nameof(BatchSize));
        var context = CreateFlowContext(TimeoutSeconds, $"Add-MlRecord {Table}", gateWrites: true);
        try
        {
            if (_batchMode) _batcher = Track(new SqlBatchInserter(connection, Table, function, batchFunction, BatchSize, context));
            else _inserter = Track(new SqlRecordInserter(connection, Table, function, context));
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, Table);
        }
    }

    protected override void ProcessRecord()
    {
        if (_mongo is not null)
        {
            _mongo.Process(InputObject);
            return;
        }
        if (IsList(InputObject, out var list))
        {
            foreach (var item in list) Add(item);
        }
        else
        {
            Add(InputObject);
        }
    }

    private void Add(object? input)
    {
        MlValue record;
        try
        {
            record = ToMl(input);
        }
        catch (MlConversionException ex)
        {
            WriteRecordError(ex, input);
            return;
        }
        try
        {
            if (_batchMode)
            {
                if (_batcher!.Add(record) is { } outcome) WriteBatch(outcome);
                FlushScriptOutput();
                return;
            }
            var result = _inserter!.Insert(record);
            FlushScriptOutput();
            switch (result.Status)
            {
                case InsertStatus.Inserted:
                    WriteObject(result.Key);
                    ReportProgress($"Add-MlRecord {Table}", "Records inserted", _inserter.Inserted);
                    break;
                case InsertStatus.Skipped:
                    WriteVerbose($"Record {result.Index + 1}: {Function} returned null; nothing inserted.");
                    break;
            }
        }
        catch (MlRecordException ex)
        {
            WriteRecordError(ex, input);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, input);
        }
    }

    private void WriteBatch(BatchOutcome outcome)
    {
        if (outcome.BatchNumber > 1) ReportProgress($"Add-MlRecord {Table}", "Batches written", outcome.BatchNumber, force: true);
        if (outcome.Written) WriteObject(new MlInsertBatchResult(outcome.Table, outcome.Inserted, outcome.BatchNumber, outcome.Received));
    }

    protected override void EndProcessing()
    {
        if (_mongo is not null)
        {
            _mongo.End();
            return;
        }
        try
        {
            if (_batchMode && _batcher!.Flush() is { } outcome) WriteBatch(outcome);
            FlushScriptOutput();
        }
        catch (MlRecordException ex)
        {
            WriteRecordError(ex, null);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, Table);
        }
        finally
        {
            CompleteProgress();
        }
    }
}
