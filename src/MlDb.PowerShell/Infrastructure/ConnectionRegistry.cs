using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using MlDb.Data;

namespace MlDb.PowerShell;

/// <summary>
/// The named connections of one PowerShell runspace (a session). <c>default</c> is the name used
/// when a cmdlet gets no <c>-Connection</c>. Registering a name that is taken closes the old
/// connection; closing the runspace closes all of them.
/// </summary>
internal sealed class ConnectionRegistry
{
    public const string DefaultName = "default";

    private static readonly ConditionalWeakTable<Runspace, ConnectionRegistry> PerRunspace = new();
    private static readonly ConnectionRegistry NoRunspace = new(null);

    private readonly Dictionary<string, MlConnectionInfo> _connections = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    private ConnectionRegistry(Runspace? runspace)
    {
        if (runspace is not null) runspace.StateChanged += OnRunspaceStateChanged;
    }

    /// <summary>The registry of the runspace running on this thread.</summary>
    public static ConnectionRegistry Current =>
        Runspace.DefaultRunspace is { } runspace ? PerRunspace.GetValue(runspace, r => new ConnectionRegistry(r)) : NoRunspace;

    private void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken) RemoveAll();
    }

    public static MlConnectionInfo Describe(MlConnection connection) =>
        new(connection, connection.Name, (MlDbProvider)(int)connection.Provider, connection.DisplayString, connection.Database, connection.ConnectedAt);

    /// <summary>Registers the connection under its name; returns the connection it replaced (already closed), if any.</summary>
    public MlConnectionInfo? Add(MlConnectionInfo info)
    {
        MlConnectionInfo? old;
        lock (_gate)
        {
            _connections.TryGetValue(info.Name, out old);
            _connections[info.Name] = info;
        }
        if (old is not null && !ReferenceEquals(old.Connection, info.Connection)) ((MlConnection)old.Connection).Dispose();
        return old;
    }

    public MlConnectionInfo? Get(string name)
    {
        lock (_gate) return _connections.TryGetValue(name, out var info) ? info : null;
    }

    public MlConnectionInfo[] All()
    {
        lock (_gate) return _connections.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Unregisters and closes the connection; false when no such name is registered.</summary>
    public bool Remove(string name)
    {
        MlConnectionInfo? info;
        lock (_gate)
        {
            if (!_connections.Remove(name, out info)) return false;
        }
        ((MlConnection)info.Connection).Dispose();
        return true;
    }

    public void RemoveAll()
    {
        MlConnectionInfo[] all;
        lock (_gate)
        {
            all = _connections.Values.ToArray();
            _connections.Clear();
        }
        foreach (var info in all) ((MlConnection)info.Connection).Dispose();
    }
}
