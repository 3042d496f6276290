using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// <c>-Pipeline</c>: JSON text (an array of stage documents, Extended JSON), or stage dictionaries
/// (hashtables, ordered dictionaries, PSCustomObjects) — one or an array. Leaves a string or an
/// object[] of stages.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MlPipelineTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject { BaseObject: not PSCustomObject } pso ? pso.BaseObject : inputData;
        switch (value)
        {
            case null:
                return null;
            case string text when text.TrimStart().StartsWith('[') || text.TrimStart().StartsWith('{'):
                return text;
            case IDictionary or PSObject:
                return new[] { value };
            case IEnumerable stages and not string:
                {
                    var list = new List<object>();
                    foreach (var stage in stages)
                    {
                        var s = stage is PSObject { BaseObject: not PSCustomObject } p ? p.BaseObject : stage;
                        if (s is not (IDictionary or PSObject))
                            throw new ArgumentTransformationMetadataException(
                                $"-Pipeline stage {list.Count + 1} is a {s?.GetType().Name ?? "null"}; each stage is a dictionary such as @{{ '$match' = @{{ active = $true }} }}.");
                        list.Add(s);
                    }
                    return list.ToArray();
                }
            default:
                throw new ArgumentTransformationMetadataException(
                    "-Pipeline takes stage dictionaries (@{ '$match' = @{ active = $true } }, [ordered]@{ ... } where key order matters) or JSON text such as '[{\"$match\": {\"active\": true}}]'.");
        }
    }
}

/// <summary>
/// The MongoDB parameter sets of Invoke-MlQuery (-Collection, -Pipeline) and Add-MlRecord
/// (-Collection): the cmdlets bind the parameters and hand over here; the flows live in
/// MlDb.Data.Mongo.
/// </summary>
internal static class MongoCommandSupport
{
    /// <summary>The resolved connection, which must be a MongoDB one (MlDb.WrongProvider otherwise).</summary>
    public static MongoMlConnection ResolveMongo<T>(this T cmdlet, string what) where T : MlCmdlet, IMlConnectionParameter =>
        cmdlet.ResolveConnection<T, MongoMlConnection>(what, "a MongoDB connection (Connect-MlDatabase -Provider Mongo)");

    /// <summary>Invoke-MlQuery -Collection [-Filter] [-Limit] | -Collection -Pipeline.</summary>
    public static void InvokeMongoQuery(this InvokeMlQueryCommand cmd, bool pipeline)
    {
        var connection = cmd.ResolveMongo("Invoke-MlQuery -Collection");
        if (cmd.PerRow && cmd.Function is null)
            cmd.ThrowError("MlDb." + MlDbErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, "-PerRow needs -Function (the ML function to call for each document).", null);
        var function = cmd.ResolveFunctionParameter(cmd.Function, nameof(cmd.Function));
        var context = cmd.CreateFlowContext(cmd.TimeoutSeconds, $"Invoke-MlQuery {cmd.Collection}", gateWrites: false);
        var flow = new MongoQueryFlow(connection, context);
        try
        {
            MongoQuerySpec query;
            if (pipeline)
            {
                query = cmd.Pipeline is string json
                    ? new MongoQuerySpec { Collection = cmd.Collection, Database = cmd.Database, PipelineJson = json }
                    : new MongoQuerySpec { Collection = cmd.Collection, Database = cmd.Database, Pipeline = Stages(cmd.Pipeline) };
            }
            else
            {
                query = new MongoQuerySpec
                {
                    Collection = cmd.Collection,
                    Database = cmd.Database,
                    FilterJson = cmd.Filter as string,
                    Filter = cmd.Filter is null or string ? null : MlCmdlet.ToMlObject(cmd.Filter, "Filter"),
                    Limit = cmd.Limit >= 0 ? cmd.Limit : null,
                };
            }

            if (function is null)
            {
                foreach (var document in flow.Documents(query)) cmd.WriteObject(ToPowerShell(document, cmd.AsHashtable));
            }
            else if (cmd.PerRow)
            {
                foreach (var result in flow.PerRow(query, function)) cmd.WriteMl(result, cmd.AsHashtable);
            }
            else
            {
                cmd.WriteMl(flow.Aggregate(query, function), cmd.AsHashtable);
            }
            cmd.FlushScriptOutput();
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            cmd.ThrowError(ex, cmd.Collection);
        }
        finally
        {
            cmd.CompleteProgress();
        }
    }

    private static MlArray Stages(object? stages)
    {
        var array = new MlArray();
        foreach (var stage in (IEnumerable)(stages ?? Array.Empty<object>())) array.Add(MlValue.FromObject(MlCmdlet.ToMlObject(stage, "Pipeline")));
        return array;
    }

    /// <summary>
    /// A document read without ML → PSCustomObject (nested) or, with -AsHashtable, the ordered
    /// dictionary as it is. Keys that differ only in case are an error naming -AsHashtable, as for ML results.
    /// </summary>
    internal static object ToPowerShell(OrderedDictionary document, bool asHashtable) =>
        asHashtable ? document : ToPsObject(document, "$");

    private static object? ToPowerShellValue(object? value, string path) => value switch
    {
        OrderedDictionary d => ToPsObject(d, path),
        object?[] array => ToArray(array, path),
        _ => value,
    };

    private static object?[] ToArray(object?[] array, string path)
    {
        for (int i = 0; i < array.Length; i++) array[i] = ToPowerShellValue(array[i], $"{path}[{i}]");
        return array;
    }

    private static PSObject ToPsObject(OrderedDictionary document, string path)
    {
        var pso = new PSObject();
        foreach (DictionaryEntry entry in document)
        {
            string key = (string)entry.Key;
            if (pso.Properties[key] is not null)
                throw new MlConversionException($"The document at {path} has the keys '{pso.Properties[key].Name}' and '{key}', which PowerShell properties cannot tell apart (they ignore case); use -AsHashtable.", path);
            pso.Properties.Add(new PSNoteProperty(key, NestedDisplay.Mark(ToPowerShellValue(entry.Value, path + "." + key))));
        }
        return pso;
    }
}

/// <summary>
/// Add-MlRecord -Collection: each record goes through -Function as it arrives (a rejection is a
/// non-terminating error naming the record; the others go on) and joins a group; a group is sent
/// (one unordered insertMany, or with -Key / -OnConflict one unordered bulk of upserts) at
/// -CommitSize documents, after about 250 ms even while the input stalls, and at the end. Each
/// record's <c>_id</c> (or, with -PassThru, the record as written with its <c>_id</c> and
/// <c>Action</c>) is written out once its group is acknowledged, in input order, when the next
/// record arrives or at the end. A server that cannot be reached ends the command with one error.
/// </summary>
internal sealed class MongoRecordWriter
{
    /// <summary>The property -PassThru adds for what happened, and the one it uses when the record has its own field of that name.</summary>
    internal const string ActionProperty = "Action";
    internal const string ActionPropertyFallback = "MlDbAction";

    private readonly AddMlRecordCommand _cmd;
    private readonly MongoRecordInserter _inserter;
    private readonly Dictionary<int, object?> _inputs = [];
    private int _next;

    private MongoRecordWriter(AddMlRecordCommand cmd, MongoRecordInserter inserter)
    {
        _cmd = cmd;
        _inserter = inserter;
    }

    /// <summary>Resolves the connection, the function and the write options; terminating errors for a bad command.</summary>
    public static MongoRecordWriter Begin(AddMlRecordCommand cmd)
    {
        var connection = cmd.ResolveMongo("Add-MlRecord -Collection");
        var function = cmd.ResolveFunctionParameter(cmd.Function, nameof(cmd.Function));
        var context = cmd.CreateFlowContext(cmd.TimeoutSeconds, $"Add-MlRecord {cmd.Collection}", gateWrites: true);
        var options = new MongoWriteOptions
        {
            AddMetadata = cmd.AddMetadata,
            GroupSize = GroupSize(cmd),
            OnConflict = cmd.OnConflict switch
            {
                MlConflictAction.Ignore => MongoConflictAction.Ignore,
                MlConflictAction.Update => MongoConflictAction.Update,
                _ => MongoConflictAction.Error,
            },
            Key = cmd.Key,
            LookUpActions = PreviewsWrites(cmd),
        };
        try
        {
            return new MongoRecordWriter(cmd, cmd.Track(new MongoRecordInserter(connection, cmd.Database, cmd.Collection, function, options, context)));
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            cmd.ThrowError(ex, cmd.Collection);
            throw;
        }
    }

    /// <summary>
    /// Documents per group: -CommitSize; -BatchSize, the older name of the same bound for
    /// -Collection, when only it is given (scripts written before -CommitSize keep working).
    /// </summary>
    private static int GroupSize(AddMlRecordCommand cmd)
    {
        var bound = cmd.MyInvocation.BoundParameters;
        bool commit = bound.ContainsKey(nameof(cmd.CommitSize)), batch = bound.ContainsKey(nameof(cmd.BatchSize));
        if (commit && batch && cmd.CommitSize != cmd.BatchSize)
            cmd.ThrowError("MlDb." + MlDbErrorIds.InvalidArgument, ErrorCategory.InvalidArgument,
                "With -Collection, -BatchSize is the older name of -CommitSize (documents per insert group): give one of them.", cmd.BatchSize);
        return batch && !commit ? cmd.BatchSize : cmd.CommitSize;
    }

    /// <summary>
    /// True when -WhatIf or -Confirm is in effect (given, or through $WhatIfPreference /
    /// $ConfirmPreference): each keyed record's document is then looked up, so the message can
    /// say whether it would be inserted or updated.
    /// </summary>
    private static bool PreviewsWrites(AddMlRecordCommand cmd)
    {
        var bound = cmd.MyInvocation.BoundParameters;
        if (bound.TryGetValue("WhatIf", out var whatIf) ? LanguagePrimitives.IsTrue(whatIf)
            : LanguagePrimitives.IsTrue(cmd.SessionState.PSVariable.GetValue("WhatIfPreference")))
            return true;
        if (bound.TryGetValue("Confirm", out var confirm)) return LanguagePrimitives.IsTrue(confirm);
        return cmd.SessionState.PSVariable.GetValue("ConfirmPreference") is ConfirmImpact preference
            && preference != ConfirmImpact.None && preference <= ConfirmImpact.Medium;
    }

    /// <summary>One pipeline input (a list given directly is several records).</summary>
    public void Process(object? input)
    {
        if (MlCmdlet.IsList(input, out var list))
        {
            foreach (var item in list) Add(item);
        }
        else
        {
            Add(input);
        }
    }

    private void Add(object? input)
    {
        int index = _next++;
        MlValue record;
        try
        {
            record = MlCmdlet.ToMl(input);
        }
        catch (MlConversionException ex)
        {
            _cmd.WriteRecordError(ex, input);
            // keep the inserter's numbering in step with the input
            _inserter.SkipIndex();
            return;
        }
        _inputs[index] = input;
        try
        {
            if (_inserter.Add(record) is { } now)
            {
                _inputs.Remove(index);
                Write(now, input);
            }
            WriteCompleted();
            _inserter.ThrowIfFailed();
        }
        catch (MlRecordException ex)
        {
            _inputs.Remove(index);
            _cmd.WriteRecordError(ex, input);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            Fail(ex, input);
        }
        finally
        {
            _cmd.FlushScriptOutput();
        }
    }

    /// <summary>Sends the last group, waits for every acknowledgement, writes what is left.</summary>
    public void End()
    {
        try
        {
            _inserter.Flush();
            WriteCompleted();
            _inserter.ThrowIfFailed();
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            Fail(ex, _cmd.Collection);
        }
        finally
        {
            _cmd.FlushScriptOutput();
            _cmd.CompleteProgress();
        }
    }

    /// <summary>Ends the command: the records of groups acknowledged before the failure are written out first (unless Ctrl+C stopped the pipeline).</summary>
    private void Fail(Exception ex, object? target)
    {
        if (ex is not OperationCanceledException && ex is not MlScriptException { IsCancellation: true }) WriteCompleted();
        _cmd.ThrowError(ex, target);
    }

    private void WriteCompleted()
    {
        foreach (var outcome in _inserter.TakeCompleted())
        {
            _inputs.Remove(outcome.Index, out var input);
            Write(outcome, input);
        }
    }

    private void Write(MongoWriteOutcome outcome, object? input)
    {
        switch (outcome.Status)
        {
            case MongoWriteStatus.Written when _cmd.PassThru:
                WritePassThru(outcome, input);
                break;
            case MongoWriteStatus.Written when outcome.Id is null:
                _cmd.WriteVerbose($"Record {outcome.Index + 1}: its document was written, then removed by someone else before its _id could be read.");
                break;
            case MongoWriteStatus.Written:
                _cmd.WriteObject(outcome.Id);
                break;
            case MongoWriteStatus.Skipped:
                _cmd.WriteVerbose($"Record {outcome.Index + 1}: {_cmd.Function} returned null; nothing written.");
                break;
            case MongoWriteStatus.Failed:
                _cmd.WriteRecordError(outcome.Error!, input);
                break;
        }
    }

    /// <summary>
    /// The record as written: its fields in order (after the function and -AddMetadata), its
    /// <c>_id</c> as a string (in its place, or added after the fields when the record did not
    /// carry one), then <c>Action</c> — or <c>MlDbAction</c> when the record has its own field
    /// named Action, which stays as it is. The same shape as Add-MlRecord -Table -PassThru.
    /// </summary>
    private void WritePassThru(MongoWriteOutcome outcome, object? input)
    {
        PSObject pso;
        try
        {
            pso = (PSObject)Materializer.ToPowerShell(MlValue.FromObject(outcome.Document!), asHashtable: false)!;
        }
        catch (MlConversionException ex)
        {
            _cmd.WriteRecordError(new MlDbException(MlDbErrorIds.ConversionFailed, MlDbErrorKind.InvalidData,
                $"Record {outcome.Index + 1} was written (_id {outcome.Id}) but cannot be shown as an object: {ex.Message}", null, ex), input);
            return;
        }
        if (pso.Properties["_id"] is PSNoteProperty own) own.Value = outcome.Id;
        else pso.Properties.Add(new PSNoteProperty("_id", outcome.Id));
        string name = pso.Properties[ActionProperty] is null ? ActionProperty : ActionPropertyFallback;
        pso.Properties.Add(new PSNoteProperty(name, outcome.Action.ToString()));
        _cmd.WriteObject(pso);
    }
}
