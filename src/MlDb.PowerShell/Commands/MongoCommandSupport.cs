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
/// non-terminating error naming the record; the others go on), documents are written with one
/// unordered insertMany per -BatchSize, and each inserted <c>_id</c> is written out as a string.
/// A server that cannot be reached ends the command with one error.
/// </summary>
internal sealed class MongoRecordWriter
{
    private readonly AddMlRecordCommand _cmd;
    private readonly MongoRecordInserter _inserter;
    private readonly Dictionary<int, object?> _inputs = [];
    private int _next;

    private MongoRecordWriter(AddMlRecordCommand cmd, MongoRecordInserter inserter)
    {
        _cmd = cmd;
        _inserter = inserter;
    }

    /// <summary>Resolves the connection and the function; terminating errors for a bad command.</summary>
    public static MongoRecordWriter Begin(AddMlRecordCommand cmd)
    {
        var connection = cmd.ResolveMongo("Add-MlRecord -Collection");
        var function = cmd.ResolveFunctionParameter(cmd.Function, nameof(cmd.Function));
        var context = cmd.CreateFlowContext(cmd.TimeoutSeconds, $"Add-MlRecord {cmd.Collection}", gateWrites: true);
        try
        {
            return new MongoRecordWriter(cmd, new MongoRecordInserter(connection, cmd.Database, cmd.Collection, function, cmd.AddMetadata, cmd.BatchSize, context));
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            cmd.ThrowError(ex, cmd.Collection);
            throw;
        }
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
            Write(_inserter.Add(record));
        }
        catch (MlRecordException ex)
        {
            _inputs.Remove(index);
            _cmd.WriteRecordError(ex, input);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            _cmd.ThrowError(ex, input);
        }
        finally
        {
            _cmd.FlushScriptOutput();
        }
    }

    /// <summary>Writes the last, partial batch.</summary>
    public void End()
    {
        try
        {
            Write(_inserter.Flush());
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            _cmd.ThrowError(ex, _cmd.Collection);
        }
        finally
        {
            _cmd.FlushScriptOutput();
            _cmd.CompleteProgress();
        }
    }

    private void Write(IReadOnlyList<MongoInsertOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            _inputs.Remove(outcome.Index, out var input);
            switch (outcome.Status)
            {
                case MongoInsertStatus.Inserted:
                    _cmd.WriteObject(outcome.Id);
                    break;
                case MongoInsertStatus.Skipped:
                    _cmd.WriteVerbose($"Record {outcome.Index + 1}: {_cmd.Function} returned null; nothing inserted.");
                    break;
                case MongoInsertStatus.Failed:
                    _cmd.WriteRecordError(outcome.Error!, input);
                    break;
            }
        }
    }
}
