using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Processing;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Add-MlRecord: passes each record through an ML function (validate / transform) and inserts (or
/// upserts) what it returns, committing in groups and writing each key out once its row is
/// committed; or groups records into batches for a batch function, one transaction per batch. The
/// ML step (<see cref="MlRecordStep"/>) and the write step (<see cref="SqlRecordWriter"/>) are apart.
/// </summary>
[Cmdlet(VerbsCommon.Add, "MlRecord", DefaultParameterSetName = TableSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(long), typeof(string), typeof(PSCustomObject), typeof(MlInsertBatchResult))]
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
    private MlRecordStep? _step;
    private SqlRecordWriter? _writer;
    private SqlBatchInserter? _batcher;
    private bool _batchMode;
    private int _next;

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
        // Per record, ShouldProcess (and the text it is given) costs as much as the insert itself
        // when it can only answer yes: records pass the write gate only when something is shown or
        // asked (-WhatIf, -Confirm, or their preference variables). Batches always do.
        bool preview = PreviewsWrites();
        var context = CreateFlowContext(TimeoutSeconds, $"Add-MlRecord {Table}", gateWrites: preview || _batchMode) with { PreviewWrites = preview };
        var onConflict = (SqlConflictAction)(int)OnConflict;
        try
        {
            if (_batchMode)
            {
                _batcher = Track(new SqlBatchInserter(connection, Table, function, batchFunction, BatchSize, context, onConflict, Key));
                return;
            }
            _writer = Track(new SqlRecordWriter(connection, new SqlWriteOptions { Table = Table, CommitSize = CommitSize, OnConflict = onConflict, Key = Key }, context));
            _writer.OnUndelivered = ReportUndelivered;
            _step = new MlRecordStep(function, _writer.Names, _writer.Conflict.IsUpsert ? "written" : "inserted");
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, Table);
        }
    }

    /// <summary>True when each write is shown or asked about (-WhatIf, -Confirm, or their preference variables).</summary>
    private bool PreviewsWrites()
    {
        var bound = MyInvocation.BoundParameters;
        if (bound.TryGetValue("WhatIf", out var whatIf)) { if (whatIf is SwitchParameter { IsPresent: true }) return true; }
        else if (LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"))) return true;
        if (bound.TryGetValue("Confirm", out var confirm)) return confirm is SwitchParameter { IsPresent: true };
        return GetVariableValue("ConfirmPreference") is ConfirmImpact preference && preference != ConfirmImpact.None && preference <= ConfirmImpact.Medium;
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
        int index = _next++;
        MlValue record;
        try
        {
            record = ToMl(input);
        }
        catch (MlConversionException ex)
        {
            _batcher?.SkipIndex();
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
            // Records committed since the last one (by the time bound while the input waited) go out first.
            WriteCommitted();
            var processed = _step!.Apply(record, index);
            FlushScriptOutput();
            if (processed is null)
            {
                WriteVerbose($"Record {index + 1}: {Function} returned null; nothing written.");
                return;
            }
            _writer!.Write(index, processed);
            WriteCommitted();
        }
        catch (MlRecordException ex)
        {
            WriteRecordError(ex, input);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            // What committed before the error is in the table: its keys go out before the error ends the command.
            if (!CancellationToken.IsCancellationRequested) WriteCommitted();
            ThrowError(ex, input);
        }
    }

    /// <summary>Writes out the records whose rows are committed: the key of each (or, with -PassThru, the record as written).</summary>
    private void WriteCommitted()
    {
        if (_writer is null) return;
        var written = _writer.TakeWritten();
        if (written.Count == 0) return;
        foreach (var record in written)
        {
            if (PassThru) WriteObject(WrittenRecords.Create(record.Record, _writer.KeyColumn, record.Key, record.Action.ToString()));
            else if (record.Key is not null) WriteObject(record.Key);
        }
        ReportProgress($"Add-MlRecord {Table}", "Records written", _writer.Written);
    }

    /// <summary>
    /// The run was stopped (Ctrl+C) after the time bound had committed records while the input
    /// waited, before their keys could go out: say on the host which records those are, by position
    /// and key, since nothing can be written to the pipeline any more.
    /// </summary>
    private void ReportUndelivered(IReadOnlyList<SqlWrittenRecord> records)
    {
        const int Shown = 50;
        var keys = records.Where(r => r.Key is not null).Select(r => Convert.ToString(r.Key, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        string keyText = keys.Count == 0 ? "" : "; their keys: " + string.Join(", ", keys.Take(Shown)) + (keys.Count > Shown ? $", … ({keys.Count - Shown} more)" : "");
        string text = $"Add-MlRecord -Table {Table} was stopped after {records.Count} record(s) were committed while the input waited; " +
                      $"they are in the table but were not written out: {RecordNames.Range(records[0].Index, records[^1].Index)}{keyText}.";
        try
        {
            Host.UI.WriteWarningLine(text);
        }
        catch (Exception)
        {
            // a host without a user interface (a runspace with no host): nothing more can be said
        }
    }

    private void WriteBatch(BatchOutcome outcome)
    {
        if (outcome.BatchNumber > 1) ReportProgress($"Add-MlRecord {Table}", "Batches written", outcome.BatchNumber, force: true);
        if (outcome.Written) WriteObject(new MlInsertBatchResult(outcome.Table, outcome.Inserted, outcome.BatchNumber, outcome.Received, outcome.Updated, outcome.Ignored));
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
            _writer?.Complete();
            WriteCommitted();
            FlushScriptOutput();
        }
        catch (MlRecordException ex)
        {
            WriteRecordError(ex, null);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            if (!CancellationToken.IsCancellationRequested) WriteCommitted();
            ThrowError(ex, Table);
        }
        finally
        {
            CompleteProgress();
        }
    }
}
