using System.Management.Automation;
using MlDb.Data;

namespace MlDb.PowerShell.Commands;

/// <summary>Connect-MlDatabase: opens a named connection and registers it for this session.</summary>
[Cmdlet(VerbsCommunications.Connect, "MlDatabase")]
[OutputType(typeof(MlConnectionInfo))]
public sealed class ConnectMlDatabaseCommand : MlCmdlet
{
    /// <summary>Sqlite, Postgres, Mongo or Redis; without it the provider is read from the connection string or URI.</summary>
    [Parameter]
    public MlDbProvider Provider { get; set; } = MlDbProvider.Sqlite;

    /// <summary>The provider's connection string or URI. SQLite also takes a plain path (relative to the current location; PowerShell drives work) or :memory:.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string ConnectionString { get; set; } = "";

    /// <summary>The name to register the connection under (default: 'default'). A name in use is closed and replaced.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlConnectionNameCompleter))]
    public string Name { get; set; } = ConnectionRegistry.DefaultName;

    /// <summary>User name and password, kept out of the connection string (and never shown).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The default database (MongoDB).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Writes the connection object.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        MlConnection connection;
        try
        {
            var provider = MyInvocation.BoundParameters.ContainsKey(nameof(Provider)) ? (MlProvider)(int)Provider : DetectProvider();
            var request = new MlConnectRequest(Name, provider, ConnectionString,
                Credential?.GetNetworkCredential(), Database,
                path => ResolveFilePath(path, mustExist: false, "MlDb." + MlDbErrorIds.ConnectionFailed, "database"));
            connection = MlConnectionFactory.Connect(request, CancellationToken);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, Name);
            return;
        }
        catch (Exception ex) when (ex is not (PipelineStoppedException or OutOfMemoryException or FlowControlException))
        {
            // A driver failure no provider translated: its message may quote the connection
            // string, so it is scrubbed of every password the user gave.
            string reason = ConnectionSecrets.Scrub(ex.Message, ConnectionString, Credential?.GetNetworkCredential().Password);
            ThrowError("MlDb." + MlDbErrorIds.ConnectionFailed, ErrorCategory.ConnectionError, $"Cannot open the connection '{Name}': {reason}", Name);
            return;
        }
        var info = ConnectionRegistry.Describe(connection);
        var replaced = ConnectionRegistry.Current.Add(info);
        if (replaced is not null && !ReferenceEquals(replaced.Connection, info.Connection))
            WriteWarning($"The connection '{replaced.Name}' ({replaced.Provider}: {replaced.ConnectionString}) was open and has been closed: the name '{info.Name}' now stands for the new {info.Provider} connection.");
        WriteVerbose($"Connected '{info.Name}' to {info.Provider}: {info.ConnectionString}");
        if (PassThru) WriteObject(info);
    }

    private MlProvider DetectProvider()
    {
        var guess = MlProviderDetection.Detect(ConnectionString);
        WriteVerbose($"No -Provider given: {guess.Provider}, from {guess.Reason}.");
        return guess.Provider;
    }
}
