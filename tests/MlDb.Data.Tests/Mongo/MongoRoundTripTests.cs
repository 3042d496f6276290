using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>
/// The BSON mapping table through a server, both ways: ML values inserted by MlDb are checked
/// as BSON with the plain driver, and BSON inserted with the plain driver is checked as ML and
/// as host values after MlDb reads it. Values stay inside the wire server's limits: doubles
/// have a fraction (it stores 5.0 as Int32) and Int64 values lie beyond ±2^53 (it stores a
/// smaller Int64 as Int32 or Double).
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoRoundTripTests
{
    private static readonly DateTime Instant = new(2024, 2, 29, 13, 45, 30, 123, DateTimeKind.Utc);

    [MongoFact]
    public void Every_row_written_by_MlDb_is_stored_as_the_table_says_and_reads_back()
    {
        string db = NewDatabase("rt");
        using var connection = Connect(db);
        using var client = Direct();
        string refId = ObjectId.GenerateNewId().ToString();
        var record = MlJson.Parse("""{"i32": 5, "i64": 9007199254740993, "neg64": -9007199254740993, "dbl": 2.5, "flag": true, "text": "Zoë", "nothing": null, "list": [1, "a", 2.5], "sub": {"x": {"y": 1}}}""").AsObject;
        record.Set("dec", MlValue.FromDecimal(12.50m));
        record.Set("when", MlValue.FromDate(Instant));
        record.Set("bin", MlValue.FromBytes([0, 1, 254, 255]));
        record.Set("owner_id", refId);
        record.Set("hex_text", refId);

        using var inserter = MongoInsertTests.Inserter(connection, "types", Context(), groupSize: 1);
        var outcome = Assert.Single(MongoInsertTests.Run(inserter, [MlValue.FromObject(record)]).Outcomes);
        var stored = DirectCollection(client, db, "types").Find(new BsonDocument("_id", ObjectId.Parse(outcome.Id))).Single();
        var expected = new (string Field, BsonType Type)[]
        {
            ("_id", BsonType.ObjectId), ("i32", BsonType.Int32), ("i64", BsonType.Int64), ("neg64", BsonType.Int64), ("dbl", BsonType.Double),
            ("flag", BsonType.Boolean), ("text", BsonType.String), ("nothing", BsonType.Null), ("list", BsonType.Array), ("sub", BsonType.Document),
            ("dec", BsonType.Decimal128), ("when", BsonType.DateTime), ("bin", BsonType.Binary), ("owner_id", BsonType.ObjectId), ("hex_text", BsonType.String),
        };
        Assert.Equal(expected.Select(e => e.Field), stored.Names);
        foreach (var (field, type) in expected) Assert.True(stored[field].BsonType == type, $"{field}: {stored[field].BsonType}, expected {type}");
        Assert.Equal("12.50", stored["dec"].AsDecimal128.ToString());
        Assert.Equal(Instant, stored["when"].ToUniversalTime());
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, stored["bin"].AsByteArray);
        Assert.Equal(BsonBinarySubType.Binary, stored["bin"].AsBsonBinaryData.SubType);

        var back = new MongoQueryFlow(connection, Context()).MlDocuments(new MongoQuerySpec { Collection = "types", Filter = Obj(("_id", outcome.Id!)) }).Single();
        Assert.Equal(outcome.Id, back.Get("_id").AsString);
        for (int i = 0; i < record.Count; i++)
        {
            string key = record.KeyAt(i);
            var want = record.ValueAt(i);
            var got = back.Get(key);
            Assert.True(want.Kind == got.Kind, $"{key}: {got.TypeName}, expected {want.TypeName}");
            Assert.Equal(MlJson.Stringify(want, null), MlJson.Stringify(got, null));
        }
        Assert.Equal("12.50", back.Get("dec").AsDecimal.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Instant.Ticks, back.Get("when").AsDateTicks);
        Assert.Equal(refId, back.Get("owner_id").AsString); // ObjectId -> string -> ObjectId -> string
    }

    [MongoFact]
    public void Every_row_stored_as_BSON_reads_as_the_table_says()
    {
        string db = NewDatabase("rt");
        using var connection = Connect(db);
        using var client = Direct();
        var id = ObjectId.GenerateNewId();
        var other = ObjectId.GenerateNewId();
        DirectCollection(client, db, "types").InsertOne(new BsonDocument
        {
            { "_id", id },
            { "ref", other },
            { "i32", new BsonInt32(-7) },
            { "i64", new BsonInt64(9_007_199_254_740_993) },
            { "dbl", new BsonDouble(0.25) },
            { "dec", new BsonDecimal128(Decimal128.Parse("-3.140")) },
            { "when", new BsonDateTime(Instant) },
            { "bin", new BsonBinaryData([9, 8, 7]) },
            { "flag", BsonBoolean.False },
            { "nothing", BsonNull.Value },
            { "nested", new BsonDocument { { "list", new BsonArray { 1, new BsonDocument("deep", "x"), BsonNull.Value } } } },
        });
        var flow = new MongoQueryFlow(connection, Context());
        var ml = flow.MlDocuments(new MongoQuerySpec { Collection = "types" }).Single();
        Assert.Equal(id.ToString(), ml.Get("_id").AsString);
        Assert.Equal(other.ToString(), ml.Get("ref").AsString);
        Assert.Equal(-7, ml.Get("i32").AsInt);
        Assert.Equal(9_007_199_254_740_993, ml.Get("i64").AsInt);
        Assert.Equal(0.25, ml.Get("dbl").AsDouble);
        Assert.Equal("-3.140", ml.Get("dec").AsDecimal.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Instant.Ticks, ml.Get("when").AsDateTicks);
        Assert.Equal(new byte[] { 9, 8, 7 }, ml.Get("bin").AsBytes);
        Assert.False(ml.Get("flag").AsBool);
        Assert.True(ml.Get("nothing").IsNull && ml.ContainsKey("nothing"));
        Assert.Equal("""{"list":[1,{"deep":"x"},null]}""", MlJson.Stringify(ml.Get("nested"), null));

        var host = flow.Documents(new MongoQuerySpec { Collection = "types" }).Single();
        Assert.Equal(id.ToString(), host["_id"]);
        Assert.Equal(-7L, host["i32"]);
        Assert.Equal(9_007_199_254_740_993L, host["i64"]);
        Assert.Equal(0.25, host["dbl"]);
        Assert.Equal(-3.140m, host["dec"]);
        var when = Assert.IsType<DateTime>(host["when"]);
        Assert.Equal(DateTimeKind.Utc, when.Kind);
        Assert.Equal(Instant, when);
        Assert.Equal(new byte[] { 9, 8, 7 }, host["bin"]);
        Assert.Null(host["nothing"]);
        var nested = Assert.IsType<System.Collections.Specialized.OrderedDictionary>(host["nested"]);
        Assert.Equal(3, Assert.IsType<object?[]>(nested["list"]).Length);
    }

    [MongoFact]
    public void A_document_read_changed_and_inserted_again_keeps_its_ObjectIds()
    {
        string db = NewDatabase("rt");
        using var connection = Connect(db);
        using var client = Direct();
        var parent = ObjectId.GenerateNewId();
        DirectCollection(client, db, "src").InsertOne(new BsonDocument { { "parent_id", parent }, { "name", "x" } });
        var flow = new MongoQueryFlow(connection, Context());
        var doc = flow.MlDocuments(new MongoQuerySpec { Collection = "src" }).Single();
        doc.Set("name", "copy");
        using var inserter = MongoInsertTests.Inserter(connection, "dst", Context(), groupSize: 1);
        var outcome = Assert.Single(MongoInsertTests.Run(inserter, [MlValue.FromObject(doc)]).Outcomes);
        Assert.Equal(doc.Get("_id").AsString, outcome.Id);
        var copy = DirectCollection(client, db, "dst").Find(FilterDefinition<BsonDocument>.Empty).Single();
        Assert.Equal(BsonType.ObjectId, copy["_id"].BsonType);
        Assert.Equal(parent, copy["parent_id"].AsObjectId);
        Assert.Equal("copy", copy["name"].AsString);
        // and the string _id finds both copies in filters
        Assert.Single(flow.Documents(new MongoQuerySpec { Collection = "dst", Filter = Obj(("parent_id", parent.ToString())) }));
    }
}
