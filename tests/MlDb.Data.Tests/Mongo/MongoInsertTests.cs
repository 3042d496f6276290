using System.Diagnostics;
using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>The grouped insert flow against the MongoDB test server (limits respected: see MongoTestEnvironment).</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoInsertTests
{
    private const string Validators = """
        function check(r) {
            if (!r.email || r.email.indexOf("@") < 0) { throw "Invalid email: " + r.email; }
            if (r.skip) { return null; }
            r.checked = true;
            return r;
        }
        function scalar(r) { return 5; }
        """;

    private static MlValue Record(string name, string email, bool skip = false) =>
        MlValue.FromObject(skip ? Obj(("name", name), ("email", email), ("skip", true)) : Obj(("name", name), ("email", email)));

    internal static MongoRecordInserter Inserter(MongoMlConnection connection, string collection, FlowContext context, MlFunctionCall? function = null,
        int groupSize = 1000, bool addMetadata = false, TimeSpan? groupTime = null) =>
        new(connection, null, collection, function, new MongoWriteOptions { GroupSize = groupSize, AddMetadata = addMetadata, GroupTime = groupTime ?? Timeout.InfiniteTimeSpan }, context);

    /// <summary>Adds every record (rejections collected), then flushes; every outcome in the order handed out.</summary>
    internal static (List<MongoWriteOutcome> Outcomes, List<MlRecordException> Errors) Run(MongoRecordInserter inserter, IEnumerable<MlValue> records)
    {
        var outcomes = new List<MongoWriteOutcome>();
        var errors = new List<MlRecordException>();
        foreach (var record in records)
        {
            try
            {
                if (inserter.Add(record) is { } now) outcomes.Add(now);
            }
            catch (MlRecordException ex)
            {
                errors.Add(ex);
            }
            outcomes.AddRange(inserter.TakeCompleted());
            inserter.ThrowIfFailed();
        }
        inserter.Flush();
        outcomes.AddRange(inserter.TakeCompleted());
        inserter.ThrowIfFailed();
        return (outcomes, errors);
    }

    [MongoFact]
    public void Records_go_in_through_the_function_and_come_out_as_id_strings()
    {
        string db = NewDatabase("ins");
        using var connection = Connect(db);
        using var client = Direct();
        var script = TestSupport.Script(Validators);
        var log = new List<string>();
        var context = Context(log);
        using var inserter = Inserter(connection, "users", context, new MlFunctionCall(script, "check", context.CallOptions), groupSize: 2);
        var (outcomes, errors) = Run(inserter, [Record("a", "a@x"), Record("bad", "nope"), Record("b", "b@x"), Record("s", "s@x", skip: true), Record("c", "c@x")]);

        var error = Assert.Single(errors);
        Assert.Equal(MlDbErrorIds.RecordRejected, error.ErrorId);
        Assert.Equal(1, error.RecordIndex);
        // named by position: no value of the record (the thrown text is the script author's)
        Assert.Equal($"Record 2 was not inserted into {db}.users: check rejected it: Invalid email: nope", error.Message);

        var written = outcomes.Where(o => o.Status == MongoWriteStatus.Written).ToList();
        Assert.Equal([0, 2, 4], written.Select(o => o.Index));
        Assert.All(written, o => Assert.Equal(MongoWriteAction.Inserted, o.Action));
        Assert.Single(outcomes, o => o.Status == MongoWriteStatus.Skipped && o.Index == 3);
        var stored = DirectCollection(client, db, "users").Find(FilterDefinition<BsonDocument>.Empty).ToList();
        Assert.Equal(["a", "b", "c"], stored.Select(d => d["name"].AsString).Order());
        Assert.All(stored, d => Assert.True(d["checked"].AsBoolean));
        foreach (var o in written)
        {
            Assert.Matches("^[0-9a-f]{24}$", o.Id);
            Assert.Contains(stored, d => d["_id"].AsObjectId.ToString() == o.Id);
        }
        Assert.Equal(2, log.Count(l => l.StartsWith($"insertMany {db}.users", StringComparison.Ordinal)));
        Assert.Equal(3, inserter.Inserted);
        Assert.Equal(1, inserter.Rejected);

        using var scalar = Inserter(connection, "users", context, new MlFunctionCall(script, "scalar"), groupSize: 10);
        var notObject = Assert.Throws<MlRecordException>(() => scalar.Add(Record("x", "x@x")));
        Assert.Equal(MlDbErrorIds.InvalidResult, notObject.ErrorId);
    }

    [MongoFact]
    public void Add_metadata_stamps_created_at_and_processed_by_ml()
    {
        string db = NewDatabase("meta");
        using var connection = Connect(db);
        using var client = Direct();
        var clock = new FixedClock(new DateTimeOffset(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero));
        var context = Context(clock: clock);
        using var inserter = Inserter(connection, "users", context, addMetadata: true, groupSize: 100);
        var id = Assert.Single(Run(inserter, [Record("a", "a@x")]).Outcomes).Id;
        var stored = DirectCollection(client, db, "users").Find(new BsonDocument("_id", ObjectId.Parse(id))).Single();
        Assert.Equal(["_id", "name", "email", "created_at", "processed_by_ml"], stored.Names);
        Assert.Equal(BsonType.DateTime, stored["created_at"].BsonType);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, stored["created_at"].ToUniversalTime());
        Assert.True(stored["processed_by_ml"].AsBoolean);

        using var plain = Inserter(connection, "plain", context, groupSize: 1);
        var outcome = Assert.Single(Run(plain, [Record("b", "b@x")]).Outcomes);
        var doc = DirectCollection(client, db, "plain").Find(new BsonDocument("_id", ObjectId.Parse(outcome.Id))).Single();
        Assert.False(doc.Contains("created_at"));
        Assert.False(doc.Contains("processed_by_ml"));
    }

    [MongoFact]
    public void WhatIf_runs_the_function_and_writes_nothing()
    {
        string db = NewDatabase("whatif");
        using var connection = Connect(db);
        using var client = Direct();
        var asked = new List<(string Target, string Action)>();
        var context = Context(shouldWrite: (t, a) => { asked.Add((t, a)); return false; });
        var script = TestSupport.Script(Validators);
        using var inserter = Inserter(connection, "users", context, new MlFunctionCall(script, "check", context.CallOptions), addMetadata: true, groupSize: 10);
        var outcome = inserter.Add(Record("a", "a@x"))!;
        Assert.Equal(MongoWriteStatus.NotWritten, outcome.Status);
        Assert.True(outcome.Document!.Get("checked").AsBool); // the function ran
        Assert.Throws<MlRecordException>(() => inserter.Add(Record("bad", "nope"))); // and still rejects
        inserter.Flush();
        Assert.Empty(inserter.TakeCompleted());
        var (target, action) = Assert.Single(asked);
        Assert.Equal($"{db}.users", target);
        Assert.Equal("Insert record 1", action); // no value of the record in the message
        Assert.Empty(client.GetDatabase(db).ListCollectionNames().ToList());
    }

    [MongoFact]
    public void Ten_thousand_records_go_in_groups_and_come_out_in_input_order()
    {
        string db = NewDatabase("batch");
        using var connection = Connect(db);
        using var client = Direct();
        var log = new List<string>();
        var progress = new List<long>();
        var context = new FlowContext
        {
            Log = m => log.Add(m),
            Progress = (_, n) => progress.Add(n),
        };
        var script = TestSupport.Script("function tag(r) { r.even = r.i % 2 == 0; return r; }");
        using var inserter = Inserter(connection, "many", context, new MlFunctionCall(script, "tag"), addMetadata: true, groupSize: 1000);
        var (outcomes, errors) = Run(inserter, Enumerable.Range(0, 10_000).Select(i => MlValue.FromObject(Obj(("i", (long)i), ("label", "row " + i)))));
        Assert.Empty(errors);
        Assert.Equal(Enumerable.Range(0, 10_000), outcomes.Select(o => o.Index));
        Assert.All(outcomes, o => Assert.Equal(MongoWriteStatus.Written, o.Status));
        Assert.Equal(10_000, outcomes.Select(o => o.Id).Distinct().Count());
        Assert.Equal(10, log.Count(l => l.StartsWith($"insertMany {db}.many: group", StringComparison.Ordinal)));
        Assert.Equal(10_000, progress[^1]);
        Assert.Equal(progress.Order(), progress);
        var collection = DirectCollection(client, db, "many");
        Assert.Equal(10_000, collection.CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(5_000, collection.CountDocuments(new BsonDocument("even", true)));
        Assert.Equal(10_000, collection.CountDocuments(new BsonDocument("processed_by_ml", true)));

        // One group of 10 000 (insertMany splits it into wire messages by itself).
        using var one = Inserter(connection, "one", new FlowContext(), groupSize: 10_000);
        Assert.Equal(10_000, Run(one, Enumerable.Range(0, 10_000).Select(i => MlValue.FromObject(Obj(("i", (long)i))))).Outcomes.Count);
        Assert.Equal(10_000, DirectCollection(client, db, "one").CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [MongoFact]
    public void Groups_are_sent_at_the_size_bound_and_the_last_one_at_the_end()
    {
        string db = NewDatabase("size");
        using var connection = Connect(db);
        using var client = Direct();
        var log = new List<string>();
        using var inserter = Inserter(connection, "g", Context(log), groupSize: 3);
        var collection = DirectCollection(client, db, "g");
        var handedOut = new List<MongoWriteOutcome>();
        for (int i = 0; i < 7; i++)
        {
            Assert.Null(inserter.Add(MlValue.FromObject(Obj(("i", (long)i)))));
            if (i == 1)
            {
                // two records of an open group: nothing sent, nothing handed out (no timer here)
                Thread.Sleep(300);
                Assert.Empty(inserter.TakeCompleted());
                Assert.Equal(0, collection.CountDocuments(FilterDefinition<BsonDocument>.Empty));
            }
            handedOut.AddRange(inserter.TakeCompleted());
            // every id handed out is a stored document
            foreach (var o in handedOut) Assert.Equal(1, collection.CountDocuments(new BsonDocument("_id", ObjectId.Parse(o.Id))));
        }
        Assert.True(handedOut.Count <= 6, "the seventh record's group is still open");
        inserter.Flush();
        handedOut.AddRange(inserter.TakeCompleted());
        Assert.Equal(Enumerable.Range(0, 7), handedOut.Select(o => o.Index));
        var groups = log.Where(l => l.StartsWith("insertMany", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, groups.Count);
        Assert.Contains("group 1, 3 document(s), unordered (sent: 3 document(s))", groups[0]);
        Assert.Contains("group 2, 3 document(s)", groups[1]);
        Assert.Contains("group 3, 1 document(s), unordered (sent: at the end)", groups[2]);
        Assert.Equal(7, collection.CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [MongoFact]
    public void A_group_open_longer_than_the_time_bound_is_sent_while_no_record_arrives()
    {
        string db = NewDatabase("time");
        using var connection = Connect(db);
        using var client = Direct();
        var log = new List<string>();
        var bound = TimeSpan.FromMilliseconds(250);
        using var inserter = Inserter(connection, "t", Context(log), groupSize: 1000, groupTime: bound);
        var collection = DirectCollection(client, db, "t");
        var watch = Stopwatch.StartNew();
        Assert.Null(inserter.Add(MlValue.FromObject(Obj(("i", 1L)))));
        Assert.Null(inserter.Add(MlValue.FromObject(Obj(("i", 2L)))));
        // the caller now stalls: no Add, no Flush; the timer sends the group
        while (collection.CountDocuments(FilterDefinition<BsonDocument>.Empty) < 2 && watch.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
        Assert.Equal(2, collection.CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.True(watch.Elapsed >= bound - TimeSpan.FromMilliseconds(20), $"sent after {watch.ElapsedMilliseconds} ms, before the bound");
        // the outcomes wait for the caller's thread, once acknowledged
        var outcomes = new List<MongoWriteOutcome>();
        while (outcomes.Count < 2 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            outcomes.AddRange(inserter.TakeCompleted());
            Thread.Sleep(10);
        }
        Assert.Equal([0, 1], outcomes.Select(o => o.Index));
        Assert.Matches(@"group 1, 2 document\(s\), unordered \(sent: open \d+ ms\)$", Assert.Single(log, l => l.StartsWith("insertMany", StringComparison.Ordinal)));

        // a second group after the stall: again by time
        Assert.Null(inserter.Add(MlValue.FromObject(Obj(("i", 3L)))));
        while (collection.CountDocuments(FilterDefinition<BsonDocument>.Empty) < 3 && watch.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(20);
        inserter.Flush();
        Assert.Equal(2, Assert.Single(inserter.TakeCompleted()).Index);
        Assert.Equal(2, log.Count(l => l.StartsWith("insertMany", StringComparison.Ordinal)));
    }

    [MongoFact]
    public void A_document_the_server_refuses_in_the_middle_of_a_group_fails_alone_with_the_servers_message()
    {
        string db = NewDatabase("dup");
        using var connection = Connect(db);
        using var client = Direct();
        string existing = ObjectId.GenerateNewId().ToString();
        DirectCollection(client, db, "users").InsertOne(new BsonDocument { { "_id", ObjectId.Parse(existing) }, { "name", "first" } });
        using var inserter = Inserter(connection, "users", Context(), groupSize: 5);
        var (outcomes, _) = Run(inserter, [
            Record("a", "a@x"), Record("b", "b@x"),
            MlValue.FromObject(Obj(("_id", existing), ("name", "again"), ("secret", "s3cr3t"))),
            Record("d", "d@x"), Record("e", "e@x")]);
        Assert.Equal([MongoWriteStatus.Written, MongoWriteStatus.Written, MongoWriteStatus.Failed, MongoWriteStatus.Written, MongoWriteStatus.Written], outcomes.Select(o => o.Status));
        var failed = outcomes[2].Error!;
        Assert.Equal(MlDbErrorIds.InsertFailed, failed.ErrorId);
        Assert.Equal(2, failed.RecordIndex);
        Assert.StartsWith($"Record 3 (_id \"{existing}\") was not inserted into {db}.users: MongoDB refused it: ", failed.Message);
        Assert.Contains("11000", failed.Message);
        Assert.DoesNotContain("again", failed.Message);
        Assert.DoesNotContain("s3cr3t", failed.Message);
        var all = DirectCollection(client, db, "users").Find(FilterDefinition<BsonDocument>.Empty).ToList();
        Assert.Equal(["a", "b", "d", "e", "first"], all.Select(d => d["name"].AsString).Order());
        Assert.Equal(1, inserter.Rejected);
        Assert.Equal(4, inserter.Inserted);
    }

    [MongoFact]
    public void Values_without_a_BSON_form_reject_only_their_record()
    {
        string db = NewDatabase("fn");
        using var connection = Connect(db);
        var script = TestSupport.Script("function f(r) { if (r.bad) { r.run = function () { return 1; }; } return r; }");
        using var inserter = Inserter(connection, "users", Context(), new MlFunctionCall(script, "f"), groupSize: 10);
        var ex = Assert.Throws<MlRecordException>(() => inserter.Add(MlValue.FromObject(Obj(("bad", true)))));
        Assert.Equal(MlDbErrorIds.ConversionFailed, ex.ErrorId);
        Assert.Contains("$.run is a function", ex.Message);
        Assert.Single(Run(inserter, [MlValue.FromObject(Obj(("bad", false)))]).Outcomes);
    }

    [MongoFact]
    public void Cancelled_mid_load_nothing_is_sent_after_dispose_and_every_id_handed_out_is_stored()
    {
        string db = NewDatabase("stop");
        using var connection = Connect(db);
        using var client = Direct();
        using var stop = new CancellationTokenSource();
        var context = new FlowContext { CancellationToken = stop.Token, CallOptions = MlCallOptions.Default with { CancellationToken = stop.Token } };
        var inserter = Inserter(connection, "s", context, groupSize: 10, groupTime: TimeSpan.FromMilliseconds(100));
        var collection = DirectCollection(client, db, "s");
        var handedOut = new List<MongoWriteOutcome>();
        for (int i = 0; i < 35; i++)
        {
            inserter.Add(MlValue.FromObject(Obj(("i", (long)i))));
            handedOut.AddRange(inserter.TakeCompleted());
        }
        stop.Cancel();
        inserter.Dispose();
        long after = collection.CountDocuments(FilterDefinition<BsonDocument>.Empty);
        Thread.Sleep(400); // longer than the time bound: a live timer would have sent the open group
        Assert.Equal(after, collection.CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.True(after <= 30, $"the open group (records 31-35) was not sent; {after} documents");
        Assert.Empty(inserter.TakeCompleted());
        foreach (var o in handedOut) Assert.Equal(1, collection.CountDocuments(new BsonDocument("_id", ObjectId.Parse(o.Id))));
    }

    [MongoWireServerFact]
    public void The_server_lost_while_the_input_stalls_is_one_error_naming_the_group_and_its_records()
    {
        string db = NewDatabase("lost");
        string dir = ServicesDir()!;
        using var connection = Connect(db);
        using var inserter = Inserter(connection, "l", Context(), groupSize: 100, groupTime: TimeSpan.FromMilliseconds(200));
        Assert.Single(Run(inserter, [MlValue.FromObject(Obj(("i", 0L)))]).Outcomes);
        MongoScript("stop-server", dir);
        try
        {
            inserter.Add(MlValue.FromObject(Obj(("i", 1L))));
            inserter.Add(MlValue.FromObject(Obj(("i", 2L))));
            // the timer sends the group to a server that is gone; the failure waits for this thread
            var watch = Stopwatch.StartNew();
            MlDbException? failure = null;
            while (failure is null && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                Assert.Empty(inserter.TakeCompleted());
                try { inserter.ThrowIfFailed(); }
                catch (MlDbException ex) { failure = ex; }
                Thread.Sleep(50);
            }
            Assert.NotNull(failure);
            Assert.Equal(MlDbErrorIds.ConnectionFailed, failure.ErrorId);
            Assert.StartsWith($"Cannot insert group 2 (records 2–3) into {db}.l: ", failure.Message);
            // nothing more is taken
            Assert.Throws<MlDbException>(() => inserter.Add(MlValue.FromObject(Obj(("i", 3L)))));
        }
        finally
        {
            MongoScript("start-server", dir);
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
