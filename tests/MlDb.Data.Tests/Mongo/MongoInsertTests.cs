using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>The insert flow against the MongoDB test server (limits respected: see MongoTestEnvironment).</summary>
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

    [MongoFact]
    public void Records_go_in_through_the_function_and_come_out_as_id_strings()
    {
        string db = NewDatabase("ins");
        using var connection = Connect(db);
        using var client = Direct();
        var script = TestSupport.Script(Validators);
        var log = new List<string>();
        var context = Context(log);
        var inserter = new MongoRecordInserter(connection, null, "users", new MlFunctionCall(script, "check", context.CallOptions), addMetadata: false, batchSize: 2, context);
        var outcomes = new List<MongoInsertOutcome>();
        var errors = new List<MlRecordException>();
        foreach (var r in new[] { Record("a", "a@x"), Record("bad", "nope"), Record("b", "b@x"), Record("s", "s@x", skip: true), Record("c", "c@x") })
        {
            try
            {
                outcomes.AddRange(inserter.Add(r));
            }
            catch (MlRecordException ex)
            {
                errors.Add(ex);
            }
        }
        outcomes.AddRange(inserter.Flush());

        var error = Assert.Single(errors);
        Assert.Equal(MlDbErrorIds.RecordRejected, error.ErrorId);
        Assert.Equal(1, error.RecordIndex);
        Assert.Equal($$"""Record 2 {"name":"bad","email":"nope"} was not inserted into {{db}}.users: check rejected it: Invalid email: nope""", error.Message);

        var inserted = outcomes.Where(o => o.Status == MongoInsertStatus.Inserted).ToList();
        Assert.Equal([0, 2, 4], inserted.Select(o => o.Index));
        Assert.Single(outcomes, o => o.Status == MongoInsertStatus.Skipped && o.Index == 3);
        var stored = DirectCollection(client, db, "users").Find(FilterDefinition<BsonDocument>.Empty).ToList();
        Assert.Equal(["a", "b", "c"], stored.Select(d => d["name"].AsString).Order());
        Assert.All(stored, d => Assert.True(d["checked"].AsBoolean));
        foreach (var o in inserted)
        {
            Assert.Matches("^[0-9a-f]{24}$", o.Id);
            Assert.Contains(stored, d => d["_id"].AsObjectId.ToString() == o.Id);
        }
        Assert.Equal(2, log.Count(l => l.StartsWith($"insertMany {db}.users", StringComparison.Ordinal)));
        Assert.Equal(3, inserter.Inserted);
        Assert.Equal(1, inserter.Rejected);

        var notObject = Assert.Throws<MlRecordException>(() => new MongoRecordInserter(connection, null, "users", new MlFunctionCall(script, "scalar"), false, 10, context).Add(Record("x", "x@x")));
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
        var inserter = new MongoRecordInserter(connection, null, "users", null, addMetadata: true, batchSize: 100, context);
        Assert.Empty(inserter.Add(Record("a", "a@x")));
        var id = Assert.Single(inserter.Flush()).Id;
        var stored = DirectCollection(client, db, "users").Find(new BsonDocument("_id", ObjectId.Parse(id))).Single();
        Assert.Equal(["_id", "name", "email", "created_at", "processed_by_ml"], stored.Names);
        Assert.Equal(BsonType.DateTime, stored["created_at"].BsonType);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, stored["created_at"].ToUniversalTime());
        Assert.True(stored["processed_by_ml"].AsBoolean);

        var plain = new MongoRecordInserter(connection, null, "plain", null, addMetadata: false, batchSize: 1, context);
        var outcome = Assert.Single(plain.Add(Record("b", "b@x")));
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
        var inserter = new MongoRecordInserter(connection, null, "users", new MlFunctionCall(script, "check", context.CallOptions), addMetadata: true, batchSize: 10, context);
        var outcome = Assert.Single(inserter.Add(Record("a", "a@x")));
        Assert.Equal(MongoInsertStatus.NotWritten, outcome.Status);
        Assert.True(outcome.Document!.Get("checked").AsBool); // the function ran
        Assert.Throws<MlRecordException>(() => inserter.Add(Record("bad", "nope"))); // and still rejects
        Assert.Empty(inserter.Flush());
        var (target, action) = Assert.Single(asked);
        Assert.Equal($"{db}.users", target);
        Assert.StartsWith("""Insert {"name":"a","email":"a@x","checked":true,"created_at":""", action);
        Assert.Empty(client.GetDatabase(db).ListCollectionNames().ToList());
    }

    [MongoFact]
    public void Ten_thousand_records_go_in_batches()
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
        var inserter = new MongoRecordInserter(connection, null, "many", new MlFunctionCall(script, "tag"), addMetadata: true, batchSize: 1000, context);
        var ids = new List<string>();
        for (int i = 0; i < 10_000; i++)
        {
            foreach (var o in inserter.Add(MlValue.FromObject(Obj(("i", (long)i), ("label", "row " + i)))))
            {
                Assert.Equal(MongoInsertStatus.Inserted, o.Status);
                Assert.Equal(i - 999 + ids.Count % 1000, o.Index); // outcomes in input order
                ids.Add(o.Id!);
            }
        }
        Assert.Empty(inserter.Flush());
        Assert.Equal(10_000, ids.Count);
        Assert.Equal(10_000, ids.Distinct().Count());
        Assert.Equal(10, log.Count(l => l.StartsWith($"insertMany {db}.many: batch", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(1, 10).Select(n => n * 1000L), progress);
        var collection = DirectCollection(client, db, "many");
        Assert.Equal(10_000, collection.CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(5_000, collection.CountDocuments(new BsonDocument("even", true)));
        Assert.Equal(10_000, collection.CountDocuments(new BsonDocument("processed_by_ml", true)));

        // One batch of 10 000 (insertMany splits it into wire messages by itself).
        var one = new MongoRecordInserter(connection, null, "one", null, addMetadata: false, batchSize: 10_000, new FlowContext());
        int written = 0;
        for (int i = 0; i < 10_000; i++) written += one.Add(MlValue.FromObject(Obj(("i", (long)i)))).Count;
        Assert.Equal(10_000, written);
        Assert.Equal(10_000, DirectCollection(client, db, "one").CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [MongoFact]
    public void A_document_the_server_refuses_fails_alone_and_its_batch_goes_in()
    {
        string db = NewDatabase("dup");
        using var connection = Connect(db);
        using var client = Direct();
        string existing = ObjectId.GenerateNewId().ToString();
        DirectCollection(client, db, "users").InsertOne(new BsonDocument { { "_id", ObjectId.Parse(existing) }, { "name", "first" } });
        var inserter = new MongoRecordInserter(connection, null, "users", null, addMetadata: false, batchSize: 3, Context());
        Assert.Empty(inserter.Add(Record("a", "a@x")));
        Assert.Empty(inserter.Add(MlValue.FromObject(Obj(("_id", existing), ("name", "again")))));
        var outcomes = inserter.Add(Record("c", "c@x"));
        Assert.Equal([MongoInsertStatus.Inserted, MongoInsertStatus.Failed, MongoInsertStatus.Inserted], outcomes.Select(o => o.Status));
        var failed = outcomes[1].Error!;
        Assert.Equal(MlDbErrorIds.InsertFailed, failed.ErrorId);
        Assert.Equal(1, failed.RecordIndex);
        Assert.StartsWith($$"""Record 2 {"_id":"{{existing}}","name":"again"} was not inserted into {{db}}.users: MongoDB refused it:""", failed.Message);
        Assert.Contains("11000", failed.Message);
        Assert.Equal(3, DirectCollection(client, db, "users").CountDocuments(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal("first", DirectCollection(client, db, "users").Find(new BsonDocument("_id", ObjectId.Parse(existing))).Single()["name"].AsString);
    }

    [MongoFact]
    public void Values_without_a_BSON_form_reject_only_their_record()
    {
        string db = NewDatabase("fn");
        using var connection = Connect(db);
        var script = TestSupport.Script("function f(r) { if (r.bad) { r.run = function () { return 1; }; } return r; }");
        var inserter = new MongoRecordInserter(connection, null, "users", new MlFunctionCall(script, "f"), false, 10, Context());
        var ex = Assert.Throws<MlRecordException>(() => inserter.Add(MlValue.FromObject(Obj(("bad", true)))));
        Assert.Equal(MlDbErrorIds.ConversionFailed, ex.ErrorId);
        Assert.Contains("$.run is a function", ex.Message);
        Assert.Empty(inserter.Add(MlValue.FromObject(Obj(("bad", false)))));
        Assert.Single(inserter.Flush());
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
