using MlDb.Data.Processing;
using MlDb.Language;
using StackExchange.Redis;

namespace MlDb.Data.Redis;

/// <summary>One value read by a pattern scan: the key and its value (parsed JSON, or the text with raw reads).</summary>
public readonly record struct RedisCacheItem(string Key, MlValue Value);

/// <summary>What <see cref="RedisCacheFlow.Set"/> did: the processed value, the text stored (or that would be), whether it was written.</summary>
public sealed record RedisSetResult(string Key, MlValue Value, string Text, TimeSpan? Expiry, bool Written);

/// <summary>What <see cref="RedisCacheFlow.Remove"/> did for one key.</summary>
public sealed record RedisRemoveResult(string Key, bool Removed, bool Written);

/// <summary>
/// The cache flows of the Redis cmdlets, below PowerShell: get a key → JSON → ML function →
/// result; a pattern → SCAN on every primary → values streamed, or <c>{items, count}</c> to one
/// ML call; ML function → JSON → SET with an expiry; remove keys. JSON goes through
/// <see cref="MlJson"/>, the one JSON ⇄ ML mapping of MlDb (ints stay ints, doubles doubles, key
/// order kept, dates written as ISO-8601 strings); raw mode reads and writes plain strings.
/// </summary>
public sealed class RedisCacheFlow(RedisMlConnection connection, FlowContext context)
{
    /// <summary>The SCAN page size (COUNT) when none is given.</summary>
    public const int DefaultPageSize = 1000;

    /// <summary>The largest SCAN page size accepted.</summary>
    public const int MaxPageSize = 1_000_000;

    private readonly RedisMlConnection _connection = connection;
    private readonly FlowContext _context = context;

    // ---- reading ---------------------------------------------------------------------------

    /// <summary>Reads the value at <paramref name="key"/>: false when the key does not exist.</summary>
    public bool TryRead(string key, bool raw, out MlValue value)
    {
        RequireKey(key);
        var db = _connection.Db;
        var server = _connection.ServerFor(key);
        RedisValue stored = _connection.Run(server, "GET " + key, key, _context, () => db.StringGetAsync(key));
        if (stored.IsNull)
        {
            _context.Verbose($"'{key}' does not exist.");
            value = MlValue.Null;
            return false;
        }
        value = Decode(key, stored, raw);
        return true;
    }

    /// <summary>
    /// Reads the value at <paramref name="key"/> and passes it to <paramref name="function"/> (when
    /// given); false when the key does not exist (the function is not called then).
    /// </summary>
    public bool TryGet(string key, MlFunctionCall? function, bool raw, out MlValue result)
    {
        if (!TryRead(key, raw, out var value))
        {
            result = MlValue.Null;
            return false;
        }
        result = function is null ? value : function.Call(value);
        return true;
    }

    /// <summary>
    /// The keys matching <paramref name="pattern"/>, found with SCAN (never KEYS) on every primary
    /// of a cluster (replicas skipped) or on the one server otherwise; each key once.
    /// </summary>
    public IEnumerable<string> ScanKeys(string pattern, int pageSize = DefaultPageSize)
    {
        foreach (var (_, page) in ScanPages(pattern, pageSize))
            foreach (var key in page)
                yield return key;
    }

    /// <summary>
    /// The values of the keys matching <paramref name="pattern"/>, one at a time as the scan goes
    /// (read page by page with pipelined GETs). Keys that vanished between SCAN and GET are
    /// skipped; a key that holds no string, or (without <paramref name="raw"/>) no JSON, goes to
    /// <paramref name="rejected"/> (or, when that is null, stops the scan with its error).
    /// </summary>
    public IEnumerable<RedisCacheItem> ReadPattern(string pattern, int pageSize, bool raw, Action<MlDbException>? rejected)
    {
        var db = _connection.Db;
        long read = 0;
        foreach (var (server, page) in ScanPages(pattern, pageSize))
        {
            if (page.Count == 0) continue;
            var gets = _connection.Run(server, $"GET ×{page.Count} (pipelined, keys of the SCAN page)", null, _context, async () =>
            {
                var tasks = new Task<RedisValue>[page.Count];
                for (int i = 0; i < page.Count; i++) tasks[i] = db.StringGetAsync(page[i]);
                try
                {
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                }
                catch (RedisServerException)
                {
                    // Per-key answers (WRONGTYPE) are looked at one by one below.
                }
                return tasks;
            });
            for (int i = 0; i < page.Count; i++)
            {
                string key = page[i];
                MlValue value;
                try
                {
                    var task = gets[i];
                    if (task.IsFaulted)
                        throw RedisErrors.Translate(task.Exception!.InnerException ?? task.Exception, _connection, "GET " + key,
                            RedisMlConnection.Format(server.EndPoint), key, (int)_connection.CommandWait.TotalMilliseconds);
                    var stored = task.Result;
                    if (stored.IsNull)
                    {
                        _context.Verbose($"'{key}' vanished between SCAN and GET (expired or removed); skipped.");
                        continue;
                    }
                    value = Decode(key, stored, raw);
                }
                catch (MlDbException ex) when (rejected is not null && ex.ErrorId is RedisErrorIds.CacheValueNotJson or RedisErrorIds.CacheWrongType)
                {
                    rejected(ex);
                    continue;
                }
                read++;
                yield return new RedisCacheItem(key, value);
            }
            _context.Progress?.Invoke($"Reading values of '{pattern}'", read);
        }
        _context.Verbose($"{read} value(s) read for '{pattern}'.");
    }

    /// <summary>
    /// Reads every value matching <paramref name="pattern"/>, then calls <paramref name="function"/>
    /// once with <c>{items: [...], count: n}</c> and returns its result.
    /// </summary>
    public MlValue Aggregate(string pattern, int pageSize, bool raw, MlFunctionCall function, Action<MlDbException>? rejected)
    {
        ArgumentNullException.ThrowIfNull(function);
        var items = new MlArray();
        foreach (var item in ReadPattern(pattern, pageSize, raw, rejected)) items.Add(item.Value);
        var envelope = new MlObject();
        envelope.Set("items", MlValue.FromArray(items));
        envelope.Set("count", MlValue.FromInt(items.Count));
        _context.Progress?.Invoke($"Calling {function.Name} with {items.Count} items", items.Count);
        return function.Call(MlValue.FromObject(envelope));
    }

    // ---- writing ---------------------------------------------------------------------------

    /// <summary>
    /// Processes <paramref name="value"/> with <paramref name="function"/> (when given), turns the
    /// result into JSON (or, with <paramref name="raw"/>, requires a string) and stores it at
    /// <paramref name="key"/> with the expiry, when the write gate allows it.
    /// </summary>
    public RedisSetResult Set(string key, MlValue value, MlFunctionCall? function, TimeSpan? expiry, bool raw)
    {
        RequireKey(key);
        if (expiry is { } e && e <= TimeSpan.Zero)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The expiry must be positive; {e.TotalSeconds} s was given.", e.TotalSeconds);
        var processed = function is null ? value : function.Call(value);
        if (processed.IsNull && function is not null)
            throw new MlDbException(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData,
                $"The function '{function.Name}' returned null for the key '{key}'; nothing was stored.", key);
        string text = raw ? RawText(key, processed) : ToJson(key, processed);
        string expires = expiry is { } x ? $", expires in {Seconds(x)} s" : "";
        // The key and the size, never the value: -WhatIf/-Confirm/-Verbose lines end up in transcripts.
        if (!_context.AllowWrite(key, $"Set cache value ({(raw ? "text" : "JSON")}, {text.Length} characters{expires})"))
        {
            _context.Verbose($"'{key}' not written (-WhatIf or declined).");
            return new RedisSetResult(key, processed, text, expiry, Written: false);
        }
        var db = _connection.Db;
        var server = _connection.ServerFor(key);
        string command = $"SET {key} <{text.Length} characters>" + (expiry is { } s ? $" EX {Seconds(s)}" : "");
        bool ok = _connection.Run(server, command, key, _context, () => db.StringSetAsync(key, text, expiry, When.Always));
        if (!ok)
            throw new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.WriteError,
                $"Redis at {RedisMlConnection.Format(server.EndPoint)} did not store the key '{key}'.", key);
        return new RedisSetResult(key, processed, text, expiry, Written: true);
    }

    /// <summary>Deletes <paramref name="key"/> when the write gate allows it.</summary>
    public RedisRemoveResult Remove(string key)
    {
        RequireKey(key);
        if (!_context.AllowWrite(key, "Remove cache key"))
        {
            _context.Verbose($"'{key}' not removed (-WhatIf or declined).");
            return new RedisRemoveResult(key, Removed: false, Written: false);
        }
        var db = _connection.Db;
        var server = _connection.ServerFor(key);
        bool removed = _connection.Run(server, "DEL " + key, key, _context, () => db.KeyDeleteAsync(key));
        if (!removed) _context.Verbose($"'{key}' did not exist.");
        return new RedisRemoveResult(key, removed, Written: true);
    }

    /// <summary>The remaining time to live of <paramref name="key"/>; null when it has none or does not exist.</summary>
    public TimeSpan? TimeToLive(string key)
    {
        RequireKey(key);
        var db = _connection.Db;
        return _connection.Run(_connection.ServerFor(key), "TTL " + key, key, _context, () => db.KeyTimeToLiveAsync(key));
    }

    // ---- JSON ------------------------------------------------------------------------------

    /// <summary>Parses a cached value with MlDb's JSON mapping; an error naming the key when it is not JSON.</summary>
    public static MlValue ParseJson(string key, string text)
    {
        try
        {
            return MlJson.Parse(text);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new MlDbException(RedisErrorIds.CacheValueNotJson, MlDbErrorKind.InvalidData,
                $"The value at the key '{key}' is not JSON ({WhereInvalid(ex.Message)}). Use -Raw to read it as text.", key, ex);
        }
    }

    /// <summary>
    /// Where the JSON parser stopped (<c>invalid JSON at line 1, column 3</c>) without the
    /// parser's quote of the offending text: the value stays out of messages.
    /// </summary>
    private static string WhereInvalid(string parserMessage)
    {
        var match = System.Text.RegularExpressions.Regex.Match(parserMessage, @"(invalid JSON at line \d+, column \d+|unexpected text after the JSON value at line \d+, column \d+|JSON text is empty|nesting depth limit exceeded[^.:]*)");
        return match.Success ? match.Value : "invalid JSON";
    }

    /// <summary>JSON text of a value with MlDb's JSON mapping; an error naming the key when it cannot be written.</summary>
    public static string ToJson(string key, MlValue value)
    {
        string? text;
        try
        {
            text = MlJson.Stringify(value, null);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new MlDbException(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData,
                $"The value for the key '{key}' cannot be written as JSON: {ex.Message}", key, ex);
        }
        return text ?? throw new MlDbException(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData,
            $"The value for the key '{key}' is a function, which has no JSON form.", key);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private IEnumerable<(IServer Server, List<string> Keys)> ScanPages(string pattern, int pageSize)
    {
        if (string.IsNullOrEmpty(pattern))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The key pattern is empty; use '*' to match every key.", pattern);
        if (pageSize is < 1 or > MaxPageSize)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The page size must be between 1 and {MaxPageSize}; {pageSize} was given.", pageSize);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int database = _connection.DatabaseIndex;
        long found = 0;
        foreach (var server in _connection.ScanTargets(_context))
        {
            string endPoint = RedisMlConnection.Format(server.EndPoint);
            string cursor = "0";
            long pages = 0;
            do
            {
                _context.CancellationToken.ThrowIfCancellationRequested();
                string current = cursor;
                var reply = _connection.Run(server, $"SCAN {current} MATCH {pattern} COUNT {pageSize}", null, _context,
                    () => server.ExecuteAsync(database, "SCAN", [current, "MATCH", pattern, "COUNT", pageSize], CommandFlags.None));
                (cursor, var keys) = ReadScanReply(reply, endPoint);
                pages++;
                var page = new List<string>(keys.Length);
                foreach (var key in keys)
                    if (seen.Add(key)) page.Add(key);
                found += page.Count;
                _context.Progress?.Invoke($"Scanning {endPoint} for '{pattern}'", found);
                yield return (server, page);
            }
            while (cursor != "0");
            _context.Verbose($"Scanned {endPoint}: {pages} page(s), {found} key(s) found so far.");
        }
    }

    private static (string Cursor, string[] Keys) ReadScanReply(RedisResult reply, string endPoint)
    {
        if (reply.Length == 2)
        {
            var parts = (RedisResult[])reply!;
            string? cursor = (string?)parts[0];
            var keys = (string[]?)parts[1];
            if (cursor is not null && keys is not null) return (cursor, keys);
        }
        throw new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.ReadError,
            $"Redis at {endPoint} answered SCAN with something that is not a cursor and a list of keys.", endPoint);
    }

    private static MlValue Decode(string key, RedisValue stored, bool raw)
    {
        string text = (string?)stored ?? "";
        return raw ? MlValue.FromString(text) : ParseJson(key, text);
    }

    private static string RawText(string key, MlValue value) =>
        value.TryGetString(out var text) ? text : throw new MlDbException(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData,
            $"With -Raw the value for the key '{key}' must be a string; it is {value.TypeName}. Pass text, or leave out -Raw to store JSON.", key);

    private static void RequireKey(string key)
    {
        if (string.IsNullOrEmpty(key))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The key is empty.", key);
    }

    private static string Seconds(TimeSpan t) =>
        t.TotalSeconds == Math.Floor(t.TotalSeconds) ? ((long)t.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)
        : t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
