using System.Management.Automation;
using MlDb.Data;

namespace MlDb.PowerShell.Commands;

/// <summary>Connect-MlDatabase: opens a named connection and registers it for this session.</summary>
[Cmdlet(VerbsCommunications.Connect, "MlDatabase")]
[OutputType(typeof(MlConnectionInfo))]
public sealed class ConnectMlDatabaseCommand : MlCmdlet
{
    /// <summary>Sqlite (default), Postgres, Mongo or Redis.</summary>
    [Parameter]
    public MlDbProvider Provider { get; set; } = MlDbProvider.Sqlite;

    /// <summary>The provider's connection string. SQLite also takes a plain path (relative to the current location; PowerShell drives work) or :memory:.</summary>
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
            var request = new MlConnectRequest(Name, (MlProvider)(int)Provider, ConnectionString,
                Credential?.GetNetworkCredential(), Database,
                path => ResolveFilePath(path, mustExist: false, "MlDb." + MlDbErrorIds.ConnectionFailed, "database"));
            connection = MlConnectionFactory.Connect(request, CancellationToken);
        }
        catch (Exception ex) when (ErrorMapper.Handles(ex))
        {
            ThrowError(ex, Name);
            return;
        }
        var info = ConnectionRegistry.Describe(connection);
        var replaced = ConnectionRegistry.Current.Add(info);
        if (replaced is not null) WriteVerbose($"Closed the previous connection '{replaced.Name}' ({replaced.Provider}: {replaced.ConnectionString}).");
        WriteVerbose($"Connected '{info.Name}' to {info.Provider}: {info.ConnectionString}");
        if (PassThru) WriteObject(info);
    }
}
