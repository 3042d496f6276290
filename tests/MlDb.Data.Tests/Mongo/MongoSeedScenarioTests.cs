using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>
/// The seed's MongoDB scenario with ../shared/seed/ml/mongo_processors.ml, unchanged:
/// find_and_process (processUsers), insert_with_ml (enrichUser + metadata) and
/// aggregate_with_ml (analyzeAggregation over $match/$group/$sum). Amounts are ints and
/// doubles: the wire server's $sum over Decimal128 returns 0.
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoSeedScenarioTests
{
    [MongoFact]
    public void ProcessUsers_counts_active_users_by_country()
    {
        string db = NewDatabase("myapp");
        using var client = Direct();
        DirectCollection(client, db, "users").InsertMany(
        [
            new BsonDocument { { "name", "Ann" }, { "country", "USA" }, { "active", true }, { "last_login", new DateTime(2025, 1, 2, 0, 0, 0, DateTimeKind.Utc) } },
            new BsonDocument { { "name", "Bob" }, { "country", "USA" }, { "active", true }, { "last_login", BsonNull.Value } },
            new BsonDocument { { "name", "Céline" }, { "country", "France" }, { "active", true }, { "last_login", new DateTime(2025, 1, 3, 0, 0, 0, DateTimeKind.Utc) } },
            new BsonDocument { { "name", "Dee" }, { "active", true } },
            new BsonDocument { { "name", "Eve" }, { "country", "USA" }, { "active", false }, { "last_login", new DateTime(2025, 1, 4, 0, 0, 0, DateTimeKind.Utc) } },
        ]);
        using var connection = Connect(db);
        var result = new MongoQueryFlow(connection, Context()).Aggregate(
            new MongoQuerySpec { Collection = "users", Filter = Obj(("active", true)), Limit = 1000 },
            new MlFunctionCall(SeedScript(), "processUsers"));
        var summary = result.AsObject;
        Assert.Equal(["total_users", "active_users", "by_country", "activity_rate"], summary.Keys);
        Assert.Equal(4, summary.Get("total_users").AsInt);
        Assert.Equal(2, summary.Get("active_users").AsInt);
        Assert.Equal("""{"USA":2,"France":1,"Unknown":1}""", MlJson.Stringify(summary.Get("by_country"), null));
        Assert.True(result.AsObject.Get("activity_rate").IsDouble);
        Assert.Equal(50.0, result.AsObject.Get("activity_rate").AsDouble);
    }

    [MongoFact]
    public void EnrichUser_computes_fields_and_rejects_a_bad_email_without_inserting_it()
    {
        string db = NewDatabase("myapp");
        using var client = Direct();
        using var connection = Connect(db);
        var context = Context();
        using var inserter = MongoInsertTests.Inserter(connection, "users", context, new MlFunctionCall(SeedScript(), "enrichUser"), addMetadata: true);
        var john = Obj(("first_name", "John"), ("last_name", "Doe"), ("email", "john@example.com"), ("age", 30L), ("country", "USA"));
        var bad = Obj(("first_name", "Bad"), ("last_name", "Mail"), ("email", "bad-email"), ("age", 70L), ("country", "UK"));
        var young = Obj(("first_name", "Amy"), ("last_name", "Lee"), ("email", "amy@lee.org"), ("age", 25L), ("country", "CA"));
        var (outcomes, errors) = MongoInsertTests.Run(inserter, [MlValue.FromObject(john), MlValue.FromObject(bad), MlValue.FromObject(young)]);
        var ex = Assert.Single(errors);
        Assert.Equal(MlDbErrorIds.RecordRejected, ex.ErrorId);
        Assert.Equal($"Record 2 was not inserted into {db}.users: enrichUser rejected it: Invalid email address", ex.Message);
        Assert.Equal(2, outcomes.Count);

        var stored = DirectCollection(client, db, "users").Find(FilterDefinition<BsonDocument>.Empty).ToList();
        Assert.Equal(2, stored.Count);
        var doc = stored.Single(d => d["email"] == "john@example.com");
        Assert.Equal(outcomes[0].Id, doc["_id"].AsObjectId.ToString());
        Assert.Equal("John Doe", doc["full_name"].AsString);
        Assert.Equal("example.com", doc["email_domain"].AsString);
        Assert.Equal("adult", doc["age_group"].AsString);
        Assert.Equal(BsonType.DateTime, doc["created_at"].BsonType);
        Assert.True(doc["processed_by_ml"].AsBoolean);
        Assert.Equal("young", stored.Single(d => d["email"] == "amy@lee.org")["age_group"].AsString);
        Assert.DoesNotContain(stored, d => d["email"] == "bad-email");
    }

    [MongoFact]
    public void AnalyzeAggregation_totals_a_match_group_sum_pipeline()
    {
        string db = NewDatabase("myapp");
        using var client = Direct();
        DirectCollection(client, db, "orders").InsertMany(
        [
            new BsonDocument { { "country", "USA" }, { "active", true }, { "amount", 100 } },
            new BsonDocument { { "country", "USA" }, { "active", true }, { "amount", 50.5 } },
            new BsonDocument { { "country", "France" }, { "active", true }, { "amount", 20 } },
            new BsonDocument { { "country", "France" }, { "active", false }, { "amount", 1000 } },
            new BsonDocument { { "country", "UK" }, { "active", false }, { "amount", 7 } },
        ]);
        using var connection = Connect(db);
        var flow = new MongoQueryFlow(connection, Context());
        var pipeline = """
            [
              {"$match": {"active": true}},
              {"$group": {"_id": "$country", "count": {"$sum": 1}, "total": {"$sum": "$amount"}}},
              {"$sort": {"_id": 1}}
            ]
            """;
        var result = flow.Aggregate(new MongoQuerySpec { Collection = "orders", PipelineJson = pipeline }, new MlFunctionCall(SeedScript(), "analyzeAggregation"));
        var summary = result.AsObject;
        Assert.Equal(2, summary.Get("total_records").AsInt);
        Assert.Equal(170.5, summary.Get("total_value").ToDouble());
        Assert.Equal("""[{"_id":"France","count":1,"total":20},{"_id":"USA","count":2,"total":150.5}]""", MlJson.Stringify(summary.Get("data"), null));

        // Nothing matches: no total_value, as the seed says.
        var empty = flow.Aggregate(new MongoQuerySpec { Collection = "orders", PipelineJson = """[{"$match": {"country": "Nowhere"}}]""" }, new MlFunctionCall(SeedScript(), "analyzeAggregation"));
        Assert.Equal("""{"total_records":0,"data":[]}""", MlJson.Stringify(empty, null));
    }
}
