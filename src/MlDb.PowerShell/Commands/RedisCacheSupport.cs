using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Redis;
using MlDb.Language;

namespace MlDb.PowerShell.Commands;

/// <summary>What the three Redis cache cmdlets share: the Redis connection and which errors end the command.</summary>
internal static class RedisCacheSupport
{
    /// <summary>The resolved connection, which must be a Redis one (MlDb.WrongProvider otherwise).</summary>
    public static RedisMlConnection ResolveRedis<T>(this T cmdlet, string what) where T : MlCmdlet, IMlConnectionParameter =>
        cmdlet.ResolveConnection<T, RedisMlConnection>(what, "a Redis connection (Connect-MlDatabase -Provider Redis)");

    /// <summary>
    /// True when the error is about one key or value (bad JSON, wrong type, a rejected value, an ML
    /// error): reported, and the command goes on. Connection failures, timeouts and Ctrl+C end it.
    /// </summary>
    public static bool IsPerRecord(Exception ex) => ex switch
    {
        MlScriptException script => !script.IsLimitError,
        MlConversionException => true,
        MlDbException db => db.ErrorId is RedisErrorIds.CacheValueNotJson or RedisErrorIds.CacheWrongType
            or MlDbErrorIds.InvalidValue or MlDbErrorIds.InvalidResult or MlDbErrorIds.InvalidArgument or MlDbErrorIds.CommandFailed,
        _ => false,
    };

    /// <summary>Reports <paramref name="ex"/> for one key and goes on, or ends the command with it.</summary>
    public static void Fail(this MlCmdlet cmdlet, Exception ex, object? target)
    {
        if (IsPerRecord(ex)) cmdlet.WriteRecordError(ex, target);
        else cmdlet.ThrowError(ex, target);
    }
}
