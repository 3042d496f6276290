using System.Data.Common;
using System.Runtime.CompilerServices;

namespace MlDb.Data;

/// <summary>
/// What the users of one physical database connection agree on. Several leases can share a
/// connection (SQLite: the leases of one thread share its connection; an in-memory database has
/// only one), and a grouped writer (<see cref="Processing.SqlRecordWriter"/>) keeps a transaction
/// open across records. So:
/// <list type="bullet">
/// <item>a write group left open on the connection is settled (committed) before any other
/// command is created or run there (<see cref="Settle"/>, called by <see cref="SqlLease"/> and
/// <see cref="SqlCommandScope"/>), so that command neither fails on the foreign open transaction
/// nor makes its own work depend on it;</item>
/// <item>the writer touches the connection from a second thread (its time-bound commit) only while
/// it is the connection's sole user (<see cref="Users"/>), and then under <see cref="Gate"/>, so a
/// connection serves one thread at a time.</item>
/// </list>
/// One session per <see cref="DbConnection"/> object, found with <see cref="Of"/>.
/// </summary>
public sealed class SqlSession
{
    private static readonly ConditionalWeakTable<DbConnection, SqlSession> Sessions = new();

    private ISqlOpenGroup? _openGroup;
    private int _users;

    private SqlSession()
    {
    }

    /// <summary>The session of <paramref name="connection"/> (created on first use, collected with it).</summary>
    public static SqlSession Of(DbConnection connection) => Sessions.GetValue(connection, static _ => new SqlSession());

    /// <summary>Held by the writer (and its timer) while it uses the connection.</summary>
    public object Gate { get; } = new();

    /// <summary>How many leases hold the connection now.</summary>
    public int Users => Volatile.Read(ref _users);

    internal void AddUser() => Interlocked.Increment(ref _users);

    internal void RemoveUser() => Interlocked.Decrement(ref _users);

    /// <summary>The group whose transaction is open on this connection, if any (set and cleared under <see cref="Gate"/>).</summary>
    internal ISqlOpenGroup? OpenGroup
    {
        get => Volatile.Read(ref _openGroup);
        set => Volatile.Write(ref _openGroup, value);
    }

    /// <summary>
    /// Commits the group open on this connection, unless <paramref name="transaction"/> (the caller's
    /// own) is that group's: a command about to run outside the group must not run inside it.
    /// </summary>
    public void Settle(DbTransaction? transaction)
    {
        var group = OpenGroup;
        if (group is null || (transaction is not null && ReferenceEquals(transaction, group.Transaction))) return;
        lock (Gate) OpenGroup?.SettleForOtherCommand();
    }
}

/// <summary>A write group with an open transaction on a shared connection (see <see cref="SqlSession"/>).</summary>
internal interface ISqlOpenGroup
{
    DbTransaction Transaction { get; }

    /// <summary>Commits the group now (called under the session's gate); never leaves its transaction open.</summary>
    void SettleForOtherCommand();
}
