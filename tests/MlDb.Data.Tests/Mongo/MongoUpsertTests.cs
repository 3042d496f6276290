using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>Upserts by key (-OnConflict Error|Ignore|Update -Key) against the MongoDB test server.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoUpsertTests
{
    private static MongoRecordInserter Upserter(MongoMlConnection connection, MongoConflictAction mode, string[]? key, FlowContext? context = null, int groupSize = 1000, bool lookUp = false) =>
        new(connection, null, "users", null, new MongoWriteOptions { OnConflict = mode, Key = key, GroupSize = groupSize, GroupTime = Timeout.InfiniteTimeSpan, LookUpActions = lookUp }, context ?? Context());

    private static MlValue User(string email, string? name = null, long? n = null, string? region = null)
    {
        var o = new MlObject();
        if (region is not null) o.Set("region", region);
        o.Set("email", email);
        if (name is not null) o.Set("name", name);
        if (n is { } v) o.Set("n", v);
        return MlValue.FromObject(o);
    }

    /// <summary>Two existing users (a@x: A, n=1; b@x: B, n=2); returns their _ids by email.</summary>
    private static Dictionary<string, string> Seed(MongoClient client, string db)
    {
        var users = DirectCollection(client, db, "users");
        var a = new BsonDocument { { "_id", ObjectId.GenerateNewId() }, { "email", "a@x" }, { "name", "A" }, { "n", 1 } };
        var b = new BsonDocument { { "_id", ObjectId.GenerateNewId() }, { "email", "b@x" }, { "name", "B" }, { "n", 2 } };
        users.InsertMany([a, b]);
        return new() { ["a@x"] = a["_id"].AsObjectId.ToString(), ["b@x"] = b["_id"].AsObjectId.ToString() };
    }

    private static BsonDocument Stored(MongoClient client, string db, string email) =>
        DirectCollection(client, db, "users").Find(new BsonDocument("email", email)).Single();

    private static long Count(MongoClient client, string db) => DirectCollection(client, db, "users").CountDocuments(FilterDefinition<BsonDocument>.Empty);

    [MongoFact]
    public void Update_sets_every_field_but_the_key_on_existing_documents_and_inserts_the_others()
    {
        string db = NewDatabase("upd");
        using var connection = Connect(db);
        using var client = Direct();
        var ids = Seed(client, db);
        var log = new List<string>();
        using var inserter = Upserter(connection, MongoConflictAction.Update, ["email"], Context(log));
        var (outcomes, errors) = MongoInsertTests.Run(inserter, [User("a@x", name: "A2"), User("c@x", name: "C", n: 3), User("b@x", n: 20)]);

        Assert.Empty(errors);
        Assert.Equal([MongoWriteAction.Updated, MongoWriteAction.Inserted, MongoWriteAction.Updated], outcomes.Select(o => o.Action));
        Assert.Equal(ids["a@x"], outcomes[0].Id); // the existing document's _id
        Assert.Equal(ids["b@x"], outcomes[2].Id);
        Assert.Equal(Stored(client, db, "c@x")["_id"].AsObjectId.ToString(), outcomes[1].Id);
        Assert.Equal((1, 2, 0), (inserter.Inserted, inserter.Updated, inserter.Unchanged));

        var a = Stored(client, db, "a@x");
        Assert.Equal("A2", a["name"].AsString); // set
        Assert.Equal(1, a["n"].ToInt32());       // not carried by the record: kept
        var b = Stored(client, db, "b@x");
        Assert.Equal("B", b["name"].AsString);
        Assert.Equal(20, b["n"].ToInt32());
        var c = Stored(client, db, "c@x");
        Assert.Equal(("C", 3), (c["name"].AsString, c["n"].ToInt32()));
        Assert.Equal(3, Count(client, db));
        Assert.Contains(log, l => l.StartsWith($"bulkWrite {db}.users: group 1, 3 updateOne(s) by (email) with $set, upsert, unordered", StringComparison.Ordinal));
        Assert.Contains(log, l => l == $"find {db}.users by (email): the _id of 2 document(s) whose key exists");
    }

    [MongoFact]
    public void Ignore_leaves_existing_documents_as_they_are()
    {
        string db = NewDatabase("ign");
        using var connection = Connect(db);
        using var client = Direct();
        var ids = Seed(client, db);
        using var inserter = Upserter(connection, MongoConflictAction.Ignore, ["email"]);
        var (outcomes, _) = MongoInsertTests.Run(inserter, [User("a@x", name: "A2", n: 100), User("c@x", name: "C")]);
        Assert.Equal([MongoWriteAction.Unchanged, MongoWriteAction.Inserted], outcomes.Select(o => o.Action));
        Assert.Equal(ids["a@x"], outcomes[0].Id);
        var a = Stored(client, db, "a@x");
        Assert.Equal(("A", 1), (a["name"].AsString, a["n"].ToInt32()));
        Assert.Equal("C", Stored(client, db, "c@x")["name"].AsString);
        Assert.Equal((1, 0, 1), (inserter.Inserted, inserter.Updated, inserter.Unchanged));
    }

    [MongoFact]
    public void Error_mode_with_a_key_skips_a_conflicting_record_alone_naming_it_by_position_and_key()
    {
        string db = NewDatabase("err");
        using var connection = Connect(db);
        using var client = Direct();
        Seed(client, db);
        using var inserter = Upserter(connection, MongoConflictAction.Error, ["email"]);
        var (outcomes, _) = MongoInsertTests.Run(inserter, [User("c@x", name: "C"), User("a@x", name: "secret-name"), User("d@x", name: "D")]);
        Assert.Equal([MongoWriteStatus.Written, MongoWriteStatus.Failed, MongoWriteStatus.Written], outcomes.Select(o => o.Status));
        var error = outcomes[1].Error!;
        Assert.Equal(MlDbErrorIds.InsertFailed, error.ErrorId);
        Assert.Equal(1, error.RecordIndex);
        Assert.StartsWith($"Record 2 (email \"a@x\") was not written to {db}.users: a document with its key already exists", error.Message);
        Assert.DoesNotContain("secret-name", error.Message);
        Assert.Equal("A", Stored(client, db, "a@x")["name"].AsString);
        Assert.Equal(4, Count(client, db));
        Assert.Equal((2, 1), (inserter.Inserted, inserter.Rejected));
    }

    [MongoFact]
    public void A_compound_key_tells_documents_apart_by_all_its_fields()
    {
        string db = NewDatabase("cmp");
        using var connection = Connect(db);
        using var client = Direct();
        var users = DirectCollection(client, db, "users");
        users.InsertMany([
            new BsonDocument { { "region", "eu" }, { "email", "a@x" }, { "n", 1 } },
            new BsonDocument { { "region", "us" }, { "email", "a@x" }, { "n", 2 } },
        ]);
        using var inserter = Upserter(connection, MongoConflictAction.Update, ["region", "email"], groupSize: 2);
        var (outcomes, _) = MongoInsertTests.Run(inserter, [User("a@x", n: 10, region: "us"), User("a@x", n: 30, region: "asia"), User("b@x", n: 40, region: "eu")]);
        Assert.Equal([MongoWriteAction.Updated, MongoWriteAction.Inserted, MongoWriteAction.Inserted], outcomes.Select(o => o.Action));
        int N(string region, string email) => users.Find(new BsonDocument { { "region", region }, { "email", email } }).Single()["n"].ToInt32();
        Assert.Equal(1, N("eu", "a@x"));
        Assert.Equal(10, N("us", "a@x"));
        Assert.Equal(30, N("asia", "a@x"));
        Assert.Equal(40, N("eu", "b@x"));
        Assert.Equal(users.Find(new BsonDocument { { "region", "us" }, { "email", "a@x" } }).Single()["_id"].AsObjectId.ToString(), outcomes[0].Id);
    }

    [MongoFact]
    public void The_same_key_twice_goes_in_two_groups_so_the_later_record_wins()
    {
        string db = NewDatabase("twice");
        using var connection = Connect(db);
        using var client = Direct();
        var log = new List<string>();
        using var inserter = Upserter(connection, MongoConflictAction.Update, ["email"], Context(log));
        var (outcomes, _) = MongoInsertTests.Run(inserter, [User("z@x", n: 1), User("y@x", n: 2), User("z@x", n: 3)]);
        Assert.Equal([MongoWriteAction.Inserted, MongoWriteAction.Inserted, MongoWriteAction.Updated], outcomes.Select(o => o.Action));
        Assert.Equal(outcomes[0].Id, outcomes[2].Id);
        Assert.Equal(3, Stored(client, db, "z@x")["n"].ToInt32());
        Assert.Equal(2, Count(client, db));
        Assert.Contains(log, l => l.Contains("group 1, 2 updateOne(s)", StringComparison.Ordinal) && l.EndsWith("(sent: a record with the same key follows)", StringComparison.Ordinal));
    }

    [MongoFact]
    public void A_record_without_its_key_or_with_a_null_key_is_rejected_alone()
    {
        string db = NewDatabase("nokey");
        using var connection = Connect(db);
        using var inserter = Upserter(connection, MongoConflictAction.Update, ["email"]);
        var noKey = MlValue.FromObject(Obj(("name", "no email"), ("password", "hunter2")));
        var nullKey = MlValue.FromObject(Obj(("email", MlValue.Null), ("password", "hunter2")));
        var (outcomes, errors) = MongoInsertTests.Run(inserter, [noKey, User("ok@x"), nullKey]);
        Assert.Single(outcomes);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(MlDbErrorIds.InvalidValue, e.ErrorId));
        Assert.Equal($"Record 1 was not written to {db}.users: it has no field 'email' (-Key email)", errors[0].Message);
        Assert.StartsWith($"Record 3 (email null) was not written to {db}.users: its key field 'email' is null", errors[1].Message);
        Assert.All(errors, e => Assert.DoesNotContain("hunter2", e.Message));
    }

    [MongoFact]
    public void A_key_value_that_looks_like_an_operator_is_data()
    {
        string db = NewDatabase("inj");
        using var connection = Connect(db);
        using var client = Direct();
        Seed(client, db);
        using var inserter = Upserter(connection, MongoConflictAction.Update, ["email"]);
        // {email: {$ne: null}} as a filter would match every document; as a key it is a value
        var attack = MlValue.FromObject(Obj(("email", MlValue.FromObject(Obj(("$ne", MlValue.Null)))), ("name", "overwritten")));
        var outcome = Assert.Single(MongoInsertTests.Run(inserter, [attack]).Outcomes);
        // the wire server stores it as a new document; a mongod may refuse a $ field name: never an update
        Assert.NotEqual(MongoWriteAction.Updated, outcome.Action);
        Assert.Equal("A", Stored(client, db, "a@x")["name"].AsString);
        Assert.Equal("B", Stored(client, db, "b@x")["name"].AsString);
    }

    [MongoFact]
    public void Without_a_key_Update_and_Ignore_go_by_id()
    {
        string db = NewDatabase("byid");
        using var connection = Connect(db);
        using var client = Direct();
        var ids = Seed(client, db);
        using var inserter = Upserter(connection, MongoConflictAction.Update, null);
        Assert.Equal(["_id"], inserter.Key);
        var changed = MlValue.FromObject(Obj(("_id", ids["a@x"]), ("name", "A3")));
        var (outcomes, _) = MongoInsertTests.Run(inserter, [changed, User("new@x", name: "N")]);
        Assert.Equal([MongoWriteAction.Updated, MongoWriteAction.Inserted], outcomes.Select(o => o.Action));
        Assert.Equal(ids["a@x"], outcomes[0].Id);
        var a = Stored(client, db, "a@x");
        Assert.Equal(("A3", 1), (a["name"].AsString, a["n"].ToInt32()));
        Assert.Equal(3, Count(client, db));
    }

    [MongoFact]
    public void A_document_the_server_refuses_inside_a_bulk_fails_alone()
    {
        string db = NewDatabase("bulkdup");
        using var connection = Connect(db);
        using var client = Direct();
        var ids = Seed(client, db);
        using var inserter = Upserter(connection, MongoConflictAction.Ignore, ["email"]);
        // a new email whose document would take a:x's _id: the server refuses the insert
        var clash = MlValue.FromObject(Obj(("_id", ids["a@x"]), ("email", "clash@x")));
        var (outcomes, _) = MongoInsertTests.Run(inserter, [User("p@x"), clash, User("q@x")]);
        Assert.Equal([MongoWriteStatus.Written, MongoWriteStatus.Failed, MongoWriteStatus.Written], outcomes.Select(o => o.Status));
        Assert.StartsWith($"Record 2 (email \"clash@x\") was not written to {db}.users: MongoDB refused it: ", outcomes[1].Error!.Message);
        Assert.Equal(4, Count(client, db));
        Assert.Empty(DirectCollection(client, db, "users").Find(new BsonDocument("email", "clash@x")).ToList());
    }

    [MongoFact]
    public void WhatIf_says_which_records_would_be_inserted_and_which_updated_by_key_and_writes_nothing()
    {
        string db = NewDatabase("wi");
        using var connection = Connect(db);
        using var client = Direct();
        var ids = Seed(client, db);
        var asked = new List<string>();
        var context = Context(shouldWrite: (_, action) => { asked.Add(action); return false; });
        using (var inserter = Upserter(connection, MongoConflictAction.Update, ["email"], context, lookUp: true))
        {
            var (outcomes, _) = MongoInsertTests.Run(inserter, [User("a@x", name: "secret-a"), User("c@x", name: "secret-c")]);
            Assert.All(outcomes, o => Assert.Equal(MongoWriteStatus.NotWritten, o.Status));
            Assert.Equal([MongoWriteAction.Updated, MongoWriteAction.Inserted], outcomes.Select(o => o.Action));
        }
        using (var inserter = Upserter(connection, MongoConflictAction.Ignore, ["email"], context, lookUp: true))
            MongoInsertTests.Run(inserter, [User("b@x", name: "secret-b")]);
        using (var inserter = Upserter(connection, MongoConflictAction.Error, ["email"], context, lookUp: true))
            MongoInsertTests.Run(inserter, [User("b@x", name: "secret-b")]);
        Assert.Equal([
            $"Update record 1 (email \"a@x\"): the document with _id {ids["a@x"]}",
            "Insert record 2 (email \"c@x\")",
            $"Leave record 1 (email \"b@x\") as it is: the document with _id {ids["b@x"]} has its key",
            $"Reject record 1 (email \"b@x\"): the document with _id {ids["b@x"]} has its key (-OnConflict Error)",
        ], asked);
        Assert.Equal(2, Count(client, db));
        Assert.Equal("A", Stored(client, db, "a@x")["name"].AsString);

        // without the look-up (no -WhatIf/-Confirm) the gate is still asked, by key
        asked.Clear();
        using (var inserter = Upserter(connection, MongoConflictAction.Update, ["email"], context))
            MongoInsertTests.Run(inserter, [User("a@x", name: "x")]);
        Assert.Equal(["Insert or update record 1 (email \"a@x\")"], asked);
    }

    [MongoFact]
    public void Bad_key_names_are_a_command_error()
    {
        string db = NewDatabase("badkey");
        using var connection = Connect(db);
        foreach (var bad in new[] { "a.b", "$x", "" })
            Assert.Equal(MlDbErrorIds.InvalidIdentifier, Assert.Throws<MlDbException>(() => Upserter(connection, MongoConflictAction.Update, [bad])).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidArgument, Assert.Throws<MlDbException>(() => Upserter(connection, MongoConflictAction.Update, ["a", "a"])).ErrorId);
    }
}
