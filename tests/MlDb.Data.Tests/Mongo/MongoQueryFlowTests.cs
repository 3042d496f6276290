using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>Find and aggregate flows against the MongoDB test server (see MongoTestEnvironment for the wire server's limits these tests respect).</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoQueryFlowTests
{
    private static (MongoMlConnection Connection, IMongoCollection<BsonDocument> Direct, MongoClient Client) Setup(string database, int count = 0)
    {
        var client = Direct();
        var direct = DirectCollection(client, database, "people");
        if (count > 0)
            direct.InsertMany(Enumerable.Range(1, count).Select(i => new BsonDocument
            {
                { "i", i },
                { "name", "person " + i },
                { "group", i % 2 == 0 ? "even" : "odd" },
                { "score", i + 0.5 },
            }));
        return (Connect(database), direct, client);
    }

    [MongoFact]
    public void Find_with_a_dictionary_filter_streams_documents_with_id_as_string()
    {
        string db = NewDatabase("find");
        var (connection, direct, client) = Setup(db, 10);
        using var _ = connection;
        using var __ = client;
        var log = new List<string>();
        var flow = new MongoQueryFlow(connection, Context(log));
        var docs = flow.Documents(new MongoQuerySpec { Collection = "people", Filter = Obj(("group", "even")) }).ToList();
        Assert.Equal(5, docs.Count);
        Assert.All(docs, d => Assert.Matches("^[0-9a-f]{24}$", Assert.IsType<string>(d["_id"])));
        Assert.Equal([2L, 4L, 6L, 8L, 10L], docs.Select(d => (long)d["i"]!).Order());
        Assert.Equal(["_id", "i", "name", "group", "score"], docs[0].Keys.Cast<string>());
        Assert.Contains(log, l => l == $$"""find {{db}}.people {"group": ?}""");
        Assert.Contains("5 document(s) read.", log);
    }

    [MongoFact]
    public void Find_with_a_json_filter_and_a_limit()
    {
        string db = NewDatabase("json");
        var (connection, _, client) = Setup(db, 20);
        using var c = connection;
        using var cl = client;
        var flow = new MongoQueryFlow(connection, Context());
        var docs = flow.MlDocuments(new MongoQuerySpec { Collection = "people", FilterJson = """{"i": {"$gt": 10}}""", Limit = 3 }).ToList();
        Assert.Equal(3, docs.Count);
        Assert.All(docs, d => Assert.True(d.Get("i").AsInt > 10));
        Assert.Empty(flow.Documents(new MongoQuerySpec { Collection = "people", Limit = 0 }));
        var negative = Assert.Throws<MlDbException>(() => flow.Documents(new MongoQuerySpec { Collection = "people", Limit = -1 }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidArgument, negative.ErrorId);
        var bad = Assert.Throws<MlDbException>(() => flow.Documents(new MongoQuerySpec { Collection = "people", FilterJson = "{i: " }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidArgument, bad.ErrorId);
    }

    [MongoFact]
    public void Aggregate_mode_passes_documents_and_count()
    {
        string db = NewDatabase("agg");
        var (connection, _, client) = Setup(db, 7);
        using var c = connection;
        using var cl = client;
        var script = TestSupport.Script("function f(data) { return {count: data.count, n: data.documents.length, first: typeof(data.documents[0]._id), sum: data.documents.reduce(function (s, d) { return s + d.score; }, 0)}; }");
        var result = new MongoQueryFlow(connection, Context()).Aggregate(new MongoQuerySpec { Collection = "people" }, new MlFunctionCall(script, "f"));
        Assert.Equal("""{"count":7,"n":7,"first":"string","sum":31.5}""", MlJson.Stringify(result, null));
    }

    [MongoFact]
    public void Per_row_mode_calls_the_function_as_documents_are_read_and_drops_nulls()
    {
        string db = NewDatabase("perrow");
        var (connection, _, client) = Setup(db, 2500);
        using var c = connection;
        using var cl = client;
        var printed = new List<string>();
        var script = TestSupport.Script("function f(d) { print(d.i); if (d.group == 'odd') { return null; } return {i: d.i, big: d.score > 100}; }");
        var context = Context(output: (_, line) => printed.Add(line));
        var flow = new MongoQueryFlow(connection, context);
        var function = new MlFunctionCall(script, "f", context.CallOptions);
        using (var e = flow.PerRow(new MongoQuerySpec { Collection = "people", FilterJson = "{}" }, function).GetEnumerator())
        {
            Assert.True(e.MoveNext());
            // The first non-null result is out after at most two calls: nothing was read ahead into ML.
            Assert.InRange(printed.Count, 1, 2);
        }
        printed.Clear();
        var all = flow.PerRow(new MongoQuerySpec { Collection = "people" }, function).ToList();
        Assert.Equal(1250, all.Count);
        Assert.Equal(2500, printed.Count);
        Assert.All(all, r => Assert.Equal(0, r.AsObject.Get("i").AsInt % 2));
    }

    [MongoFact]
    public void Pipelines_from_dictionaries_or_json_pass_results_and_count()
    {
        string db = NewDatabase("pipe");
        var (connection, _, client) = Setup(db, 10);
        using var c = connection;
        using var cl = client;
        var flow = new MongoQueryFlow(connection, Context());
        var group = Obj(("$group", MlValue.FromObject(Obj(("_id", "$group"), ("total", MlValue.FromObject(Obj(("$sum", "$i")))), ("n", MlValue.FromObject(Obj(("$sum", 1L))))))));
        var sort = Obj(("$sort", MlValue.FromObject(Obj(("_id", 1L)))));
        var stages = MlArray.FromValues([MlValue.FromObject(group), MlValue.FromObject(sort)]);
        var rows = flow.Documents(new MongoQuerySpec { Collection = "people", Pipeline = stages }).ToList();
        Assert.Equal(["even", "odd"], rows.Select(r => (string)r["_id"]!));
        Assert.Equal([30L, 25L], rows.Select(r => (long)r["total"]!));

        var script = TestSupport.Script("function f(data) { return {count: data.count, keys: data.results.map(function (r) { return r._id; })}; }");
        var result = flow.Aggregate(new MongoQuerySpec { Collection = "people", PipelineJson = """[{"$match": {"i": {"$lte": 4}}}, {"$group": {"_id": "$group"}}, {"$sort": {"_id": -1}}]""" }, new MlFunctionCall(script, "f"));
        Assert.Equal("""{"count":2,"keys":["odd","even"]}""", MlJson.Stringify(result, null));

        var both = Assert.Throws<MlDbException>(() => flow.Documents(new MongoQuerySpec { Collection = "people", PipelineJson = "[]", Limit = 1 }).ToList());
        Assert.Contains("$limit", both.Message);
    }

    [MongoFact]
    public void An_id_string_finds_its_ObjectId_document()
    {
        string db = NewDatabase("oid");
        var (connection, direct, client) = Setup(db, 3);
        using var c = connection;
        using var cl = client;
        var target = direct.Find(new BsonDocument("i", 2)).First();
        string id = target["_id"].AsObjectId.ToString();
        var flow = new MongoQueryFlow(connection, Context());
        var byDictionary = flow.Documents(new MongoQuerySpec { Collection = "people", Filter = Obj(("_id", id)) }).Single();
        Assert.Equal(2L, byDictionary["i"]);
        var byUpperCase = flow.Documents(new MongoQuerySpec { Collection = "people", Filter = Obj(("_id", id.ToUpperInvariant())) }).Single();
        Assert.Equal(id, byUpperCase["_id"]);
        var byJson = flow.Documents(new MongoQuerySpec { Collection = "people", FilterJson = $$$"""{"_id": {"$in": ["{{{id}}}"]}}""" }).Single();
        Assert.Equal(2L, byJson["i"]);
    }

    [MongoFact]
    public void Injection_like_strings_in_filters_are_plain_values()
    {
        string db = NewDatabase("inject");
        var (connection, direct, client) = Setup(db, 3);
        using var c = connection;
        using var cl = client;
        direct.InsertOne(new BsonDocument { { "name", """{"$ne": null}""" }, { "i", 99 } });
        var flow = new MongoQueryFlow(connection, Context());
        string[] attacks =
        [
            """{"$ne": null}""",
            """{"$gt": ""}""",
            "'; db.dropDatabase(); '",
            "\"}, \"$where\": \"sleep(1000)\", \"x\": {\"",
            "$where",
            "this.i > 0 || true",
            "/.*/",
            ".*",
        ];
        foreach (var attack in attacks)
        {
            var found = flow.Documents(new MongoQuerySpec { Collection = "people", Filter = Obj(("name", attack)) }).ToList();
            // Only a document whose name is exactly that text matches.
            Assert.All(found, d => Assert.Equal(attack, d["name"]));
            Assert.Equal(attack == """{"$ne": null}""" ? 1 : 0, found.Count);
        }
        // A key that looks like code is just a field name that no document has.
        Assert.Empty(flow.Documents(new MongoQuerySpec { Collection = "people", Filter = Obj(("i'); db.people.drop(); ('", 1L)) }));
        // Collection names are names, not code: an odd one is legal and simply empty.
        Assert.Empty(flow.Documents(new MongoQuerySpec { Collection = "people'); db.dropDatabase(); ('" }));
        var invalid = Assert.Throws<MlDbException>(() => flow.Documents(new MongoQuerySpec { Collection = "a$b" }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, invalid.ErrorId);
        Assert.Equal(4, direct.CountDocuments(FilterDefinition<BsonDocument>.Empty));
    }

    [MongoFact]
    public void A_server_error_is_one_clear_error()
    {
        string db = NewDatabase("bad");
        var (connection, _, client) = Setup(db, 1);
        using var c = connection;
        using var cl = client;
        var flow = new MongoQueryFlow(connection, Context());
        var ex = Assert.Throws<MlDbException>(() => flow.Documents(new MongoQuerySpec { Collection = "people", PipelineJson = """[{"$nosuchstage": {}}]""" }).ToList());
        Assert.Equal(MlDbErrorIds.CommandFailed, ex.ErrorId);
        Assert.StartsWith($"MongoDB refused the aggregate on {db}.people:", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [MongoFact]
    public void Without_a_database_the_error_says_how_to_name_one()
    {
        using var connection = Connect();
        var ex = Assert.Throws<MlDbException>(() => new MongoQueryFlow(connection, Context()).Documents(new MongoQuerySpec { Collection = "people" }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Contains("-Database", ex.Message);
        string db = NewDatabase("explicit");
        Assert.Empty(new MongoQueryFlow(connection, Context()).Documents(new MongoQuerySpec { Collection = "people", Database = db }));
    }
}
