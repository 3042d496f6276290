using System.Collections;
using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Processing;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>
/// Invoke-MlQuery: runs SQL (or reads a table) and streams the rows out, or hands them to an ML
/// function: once with all of them (aggregate), or once per row as they are read (-PerRow).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MlQuery", DefaultParameterSetName = QuerySet)]
[OutputType(typeof(PSObject))]
public sealed class InvokeMlQueryCommand : MlScriptedCmdlet
{
    public const string QuerySet = "Query";
    public const string TableSet = "Table";
    public const string CollectionSet = "Collection";
    public const string PipelineSet = "Pipeline";

    /// <summary>The SQL text; values go in -Parameters, never into the text.</summary>
    [Parameter(ParameterSetName = QuerySet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = "";

    /// <summary>Named parameters: @name (also :name and $name on SQLite) in the query.</summary>
    [Parameter(ParameterSetName = QuerySet)]
    [ValidateNotNull]
    public IDictionary? Parameters { get; set; }

    /// <summary>An ML function that receives the parameters object and returns the parameters to bind.</summary>
    [Parameter(ParameterSetName = QuerySet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlFunctionNameCompleter))]
    public string? ParameterFunction { get; set; }

    /// <summary>Reads this table (or view): SELECT * with -Filter and -Limit; the name is validated against the schema.</summary>
    [Parameter(ParameterSetName = TableSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlTableNameCompleter))]
    public string Table { get; set; } = "";

    /// <summary>column = value conditions (AND); $null means IS NULL. A hashtable, PSCustomObject or JSON object.</summary>
    [Parameter(ParameterSetName = TableSet)]
    [Parameter(ParameterSetName = CollectionSet)]
    [MlFilterTransformation]
    [ValidateNotNull]
    public object? Filter { get; set; }

    /// <summary>Most rows to read.</summary>
    [Parameter(ParameterSetName = TableSet)]
    [Parameter(ParameterSetName = CollectionSet)]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; } = -1;

    /// <summary>MongoDB: the collection to find documents in (with -Filter, -Limit) or to aggregate (with -Pipeline).</summary>
    [Parameter(ParameterSetName = CollectionSet, Mandatory = true)]
    [Parameter(ParameterSetName = PipelineSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlCollectionNameCompleter))]
    public string Collection { get; set; } = "";

    /// <summary>MongoDB: the database of -Collection (default: the connection's -Database).</summary>
    [Parameter(ParameterSetName = CollectionSet)]
    [Parameter(ParameterSetName = PipelineSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlDatabaseNameCompleter))]
    public string? Database { get; set; }

    /// <summary>MongoDB: aggregation stages — dictionaries ([ordered] where key order matters) or JSON text of an array of stages.</summary>
    [Parameter(ParameterSetName = PipelineSet, Mandatory = true)]
    [MlPipelineTransformation]
    [ValidateNotNull]
    public object? Pipeline { get; set; }

    /// <summary>Calls -Function once per row as the rows are read; a null result writes nothing.</summary>
    [Parameter]
    public SwitchParameter PerRow { get; set; }

    /// <summary>Writes ordered dictionaries instead of PSCustomObjects.</summary>
    [Parameter]
    public SwitchParameter AsHashtable { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName is CollectionSet or PipelineSet)
        {
            this.InvokeMongoQuery(pipeline: ParameterSetName == PipelineSet);
            return;
        }
        var connection = ResolveSqlConnection("Invoke-MlQuery");
        if (PerRow && Function is null)
            ThrowError("MlDb." + MlDbErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, "-PerRow needs -Function (the ML function to call for each row).", null);
        var function = ResolveFunctionParameter(Function, nameof(Function));
        var parameterFunction = ResolveFunctionParameter(ParameterFunction, nameof(ParameterFunction));
        var context = CreateFlowContext(TimeoutSeconds, "Invoke-MlQuery", gateWrites: false);
        var flow = new SqlQueryFlow(connection, context);
        try
        {
            SqlQuerySpec query;
            if (ParameterSetName == TableSet)
            {
                query = new SqlQuerySpec
                {
                    Table = Table,
                    Filter = Filter is null ? null : ToMlObject(Filter, nameof(Filter)),
                    Limit = Limit >= 0 ? Limit : null,
                };
            }
            else
            {
                var parameters = Parameters is null ? null : ToMlObject(Parameters, nameof(Parameters));
                if (parameterFunction is not null)
                {
                    parameters = flow.ApplyParameterFunction(parameters, parameterFunction);
                    FlushScriptOutput();
                }
                query = new SqlQuerySpec { Sql = Query, Parameters = parameters };
            }

            if (function is null)
            {
                foreach (var row in flow.Rows(query)) WriteObject(Materializer.FromRow(row, AsHashtable));
            }
            else if (PerRow)
            {
                foreach (var result in flow.PerRow(query, function)) WriteMl(result, AsHashtable);
            }
            else
            {
                WriteMl(flow.Aggregate(query, function), AsHashtable);
            }
            FlushScriptOutput();
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, ParameterSetName == TableSet ? Table : Query);
        }
        finally
        {
            CompleteProgress();
        }
    }
}
