using System.Collections;
using System.Collections.Specialized;
using MlDb.Data.Mongo;
using MlDb.Language;
using MongoDB.Bson;
using Xunit;

namespace MlDb.Data.Tests.Mongo;

/// <summary>
/// The golden table of the BSON ⇄ ML mapping (README "Providers → MongoDB"), in process: every
/// row BSON → ML, BSON → host (no ML detour), and ML → BSON. MongoRoundTripTests sends the same
/// rows through a server.
/// </summary>
public sealed class BsonMappingTests
{
    private static readonly DateTime Instant = new(2024, 2, 29, 13, 45, 30, 123, DateTimeKind.Utc);
    private const string Hex = "65a1b2c3d4e5f60718293a4b";

    /// <summary>BSON value, the ML value it reads as, and the host value it streams out as.</summary>
    public static TheoryData<string, BsonValue, MlValue, object?> ReadRows() => new()
    {
        { "ObjectId", new BsonObjectId(ObjectId.Parse(Hex)), MlValue.FromString(Hex), Hex },
        { "Int32", new BsonInt32(-42), MlValue.FromInt(-42), -42L },
        { "Int64", new BsonInt64(9_007_199_254_740_993), MlValue.FromInt(9_007_199_254_740_993), 9_007_199_254_740_993L },
        { "Double", new BsonDouble(2.5), MlValue.FromDouble(2.5), 2.5 },
        { "Decimal128", new BsonDecimal128(Decimal128.Parse("12.50")), MlValue.FromDecimal(12.50m), 12.50m },
        { "DateTime", new BsonDateTime(Instant), MlValue.FromDate(Instant), Instant },
        { "Binary", new BsonBinaryData([1, 2, 255]), MlValue.FromBytes([1, 2, 255]), new byte[] { 1, 2, 255 } },
        { "Binary UUID subtype", new BsonBinaryData(new byte[16], BsonBinarySubType.UuidStandard), MlValue.FromBytes(new byte[16]), new byte[16] },
        { "Boolean", BsonBoolean.True, MlValue.True, true },
        { "String", new BsonString("Zoë"), MlValue.FromString("Zoë"), "Zoë" },
        { "Null", BsonNull.Value, MlValue.Null, null },
        { "Undefined (one way)", BsonUndefined.Value, MlValue.Null, null },
        { "Timestamp (one way)", new BsonTimestamp(7, 3), MlValue.FromInt((7L << 32) | 3), (7L << 32) | 3 },
        { "Symbol (one way)", (BsonSymbol)"sym", MlValue.FromString("sym"), "sym" },
        { "JavaScript (one way)", new BsonJavaScript("return 1"), MlValue.FromString("return 1"), "return 1" },
        { "RegularExpression (one way)", new BsonRegularExpression("^a.*", "i"), MlValue.FromString("/^a.*/i"), "/^a.*/i" },
        { "Decimal128 NaN (one way)", new BsonDecimal128(Decimal128.QNaN), MlValue.FromDouble(double.NaN), double.NaN },
    };

    [Theory]
    [MemberData(nameof(ReadRows))]
    public void Bson_reads_as_the_table_says(string row, BsonValue bson, MlValue ml, object? host)
    {
        var actual = BsonMapping.ToMl(bson);
        Assert.True(actual.Kind == ml.Kind, $"{row}: {actual.TypeName} instead of {ml.TypeName}");
        Assert.Equal(MlJson.Stringify(ml, null), MlJson.Stringify(actual, null));
        if (ml.IsDouble) Assert.Equal(ml.AsDouble, actual.AsDouble);
        if (ml.IsDecimal) Assert.Equal(ml.AsDecimal.ToString(System.Globalization.CultureInfo.InvariantCulture), actual.AsDecimal.ToString(System.Globalization.CultureInfo.InvariantCulture)); // scale kept
        if (ml.IsDate) Assert.Equal(ml.AsDateTicks, actual.AsDateTicks);
        if (ml.IsBytes) Assert.Equal(ml.AsBytes, actual.AsBytes);

        var streamed = BsonMapping.ToHost(bson);
        Assert.Equal(host, streamed);
        if (host is not null) Assert.Equal(host.GetType(), streamed!.GetType());
        // The direct path gives what the ML path gives.
        AssertSameHost(MlHostConverter.Default.ToHost(actual), streamed);
        if (streamed is DateTime dt) Assert.Equal(DateTimeKind.Utc, dt.Kind);
    }

    /// <summary>ML value, the BSON it is written as.</summary>
    public static TheoryData<string, MlValue, BsonValue> WriteRows() => new()
    {
        { "int within 32 bits", MlValue.FromInt(5), new BsonInt32(5) },
        { "int beyond 32 bits", MlValue.FromInt(1L << 40), new BsonInt64(1L << 40) },
        { "negative int beyond 32 bits", MlValue.FromInt(int.MinValue - 1L), new BsonInt64(int.MinValue - 1L) },
        { "double", MlValue.FromDouble(2.5), new BsonDouble(2.5) },
        { "integral double stays double", MlValue.FromDouble(5.0), new BsonDouble(5.0) },
        { "decimal, scale kept", MlValue.FromDecimal(12.50m), new BsonDecimal128(Decimal128.Parse("12.50")) },
        { "date", MlValue.FromDate(Instant), new BsonDateTime(Instant) },
        { "date truncated to the millisecond", MlValue.FromDateTicks(Instant.Ticks + 9_999), new BsonDateTime(Instant) },
        { "date before 1970", MlValue.FromDateTicks(new DateTime(1969, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc).Ticks + 5_000), new BsonDateTime(new DateTime(1969, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc)) },
        { "bytes", MlValue.FromBytes([1, 2, 255]), new BsonBinaryData([1, 2, 255], BsonBinarySubType.Binary) },
        { "boolean", MlValue.False, BsonBoolean.False },
        { "string", MlValue.FromString("Zoë"), new BsonString("Zoë") },
        { "24-hex string outside _id fields stays a string", MlValue.FromString(Hex), new BsonString(Hex) },
        { "null", MlValue.Null, BsonNull.Value },
    };

    [Theory]
    [MemberData(nameof(WriteRows))]
    public void Ml_writes_as_the_table_says(string row, MlValue ml, BsonValue expected)
    {
        var actual = BsonMapping.ToBson(ml);
        Assert.True(expected.BsonType == actual.BsonType, $"{row}: {actual.BsonType} instead of {expected.BsonType}");
        Assert.Equal(expected, actual);
        if (expected is BsonDecimal128 d) Assert.Equal(d.Value.ToString(), actual.AsDecimal128.ToString());
        if (expected is BsonBinaryData b) Assert.Equal(b.SubType, actual.AsBsonBinaryData.SubType);
    }

    [Fact]
    public void Documents_and_arrays_nest_both_ways_with_key_order_kept()
    {
        var document = new BsonDocument
        {
            { "_id", ObjectId.Parse(Hex) },
            { "z", 1 },
            { "a", new BsonDocument { { "y", new BsonArray { 1, "two", new BsonDocument("deep", new BsonArray { 2.5, BsonNull.Value }) } }, { "b", true } } },
            { "empty", new BsonDocument() },
            { "list", new BsonArray() },
        };
        var obj = BsonMapping.ToMlObject(document);
        Assert.Equal(["_id", "z", "a", "empty", "list"], obj.Keys);
        Assert.Equal("""{"_id":"65a1b2c3d4e5f60718293a4b","z":1,"a":{"y":[1,"two",{"deep":[2.5,null]}],"b":true},"empty":{},"list":[]}""", MlJson.Stringify(MlValue.FromObject(obj), null));

        var host = BsonMapping.ToHostDocument(document);
        Assert.Equal(["_id", "z", "a", "empty", "list"], host.Keys.Cast<string>());
        var a = Assert.IsType<OrderedDictionary>(host["a"]);
        var y = Assert.IsType<object?[]>(a["y"]);
        Assert.Equal(1L, y[0]);
        AssertSameHost(MlHostConverter.Default.ToHost(MlValue.FromObject(obj)), host);

        var back = BsonMapping.ToBsonDocument(obj);
        Assert.Equal(document, back); // _id is ObjectId again; ints Int32; order kept
        Assert.Equal(document.Names, back.Names);
    }

    [Fact]
    public void ObjectId_strings_become_ObjectIds_only_in_id_fields()
    {
        string upper = Hex.ToUpperInvariant();
        var record = TestSupport.Obj(
            ("_id", Hex),
            ("user_id", upper),
            ("ref_ids", MlValue.FromArray(MlArray.FromValues([MlValue.FromString(Hex), MlValue.FromString("not-hex")]))),
            ("userId", Hex),
            ("name", Hex),
            ("short_id", Hex[..23]),
            ("long_id", Hex + "0"),
            ("not_hex_id", "65a1b2c3d4e5f60718293a4g"),
            ("owner", MlValue.FromObject(TestSupport.Obj(("_id", Hex), ("note", Hex)))));
        var bson = BsonMapping.ToBsonDocument(record);
        Assert.Equal(BsonType.ObjectId, bson["_id"].BsonType);
        Assert.Equal(BsonType.ObjectId, bson["user_id"].BsonType);
        Assert.Equal(Hex, bson["user_id"].AsObjectId.ToString()); // upper-case digits read back lower-case
        Assert.Equal(BsonType.String, bson["ref_ids"][0].BsonType); // "ref_ids" does not end in _id
        Assert.Equal(BsonType.String, bson["userId"].BsonType);
        Assert.Equal(BsonType.String, bson["name"].BsonType);
        Assert.Equal(BsonType.String, bson["short_id"].BsonType);
        Assert.Equal(BsonType.String, bson["long_id"].BsonType);
        Assert.Equal(BsonType.String, bson["not_hex_id"].BsonType);
        Assert.Equal(BsonType.ObjectId, bson["owner"]["_id"].BsonType);
        Assert.Equal(BsonType.String, bson["owner"]["note"].BsonType);
    }

    [Fact]
    public void ObjectId_rule_follows_operators_arrays_and_dotted_keys()
    {
        var filter = TestSupport.Obj(
            ("_id", MlValue.FromObject(TestSupport.Obj(("$in", MlValue.FromArray(MlArray.FromValues([MlValue.FromString(Hex), MlValue.FromString(Hex)])))))),
            ("author._id", Hex),
            ("items.0.product_id", Hex),
            ("parent_ids.1", Hex),
            ("$or", MlValue.FromArray(MlArray.FromValues([MlValue.FromObject(TestSupport.Obj(("order_id", MlValue.FromObject(TestSupport.Obj(("$ne", Hex))))))]))),
            ("$expr", MlValue.FromObject(TestSupport.Obj(("$eq", MlValue.FromArray(MlArray.FromValues([MlValue.FromString("$x"), MlValue.FromString(Hex)])))))));
        var bson = MongoDocuments.Filter(filter);
        Assert.All(bson["_id"]["$in"].AsBsonArray, v => Assert.Equal(BsonType.ObjectId, v.BsonType));
        Assert.Equal(BsonType.ObjectId, bson["author._id"].BsonType);
        Assert.Equal(BsonType.ObjectId, bson["items.0.product_id"].BsonType);
        Assert.Equal(BsonType.String, bson["parent_ids.1"].BsonType); // last non-numeric part is parent_ids
        Assert.Equal(BsonType.ObjectId, bson["$or"][0]["order_id"]["$ne"].BsonType);
        Assert.Equal(BsonType.String, bson["$expr"]["$eq"][1].BsonType); // no field: stays a string

        Assert.Equal("_id", ObjectIdRule.FieldOf("$in", "_id"));
        Assert.Equal("_id", ObjectIdRule.FieldOf("a.b._id", null));
        Assert.Equal("items", ObjectIdRule.FieldOf("items.3", null));
        Assert.Null(ObjectIdRule.FieldOf("$and", null));
        Assert.True(ObjectIdRule.IsObjectIdText(Hex.ToUpperInvariant()));
        Assert.False(ObjectIdRule.IsObjectIdText("65a1b2c3d4e5f60718293a4 "));
    }

    [Fact]
    public void Json_filters_follow_the_same_rule_and_keep_explicit_extended_json()
    {
        var bson = MongoDocuments.Filter($$$"""{"_id": "{{{Hex}}}", "name": "{{{Hex}}}", "ref": {"$oid": "{{{Hex}}}"}, "made": {"$gte": {"$date": "2024-01-01T00:00:00Z"}}, "n": 5, "big": 12345678901, "x": 1.5}""");
        Assert.Equal(BsonType.ObjectId, bson["_id"].BsonType);
        Assert.Equal(BsonType.String, bson["name"].BsonType);
        Assert.Equal(BsonType.ObjectId, bson["ref"].BsonType);
        Assert.Equal(BsonType.DateTime, bson["made"]["$gte"].BsonType);
        Assert.Equal(BsonType.Int32, bson["n"].BsonType);
        Assert.Equal(BsonType.Int64, bson["big"].BsonType);
        Assert.Equal(BsonType.Double, bson["x"].BsonType);
        Assert.Empty(MongoDocuments.Filter((string?)"  "));

        var ex = Assert.Throws<MlDbException>(() => MongoDocuments.Filter("{\"a\": "));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.StartsWith("The filter is not a valid JSON document", ex.Message);
    }

    [Fact]
    public void Pipelines_parse_from_json_or_objects_and_each_stage_has_one_operator()
    {
        var stages = MongoDocuments.Pipeline("""[{"$match": {"active": true}}, {"$group": {"_id": "$country", "total": {"$sum": "$amount"}}}]""");
        Assert.Equal(2, stages.Count);
        Assert.Equal("$group", stages[1].GetElement(0).Name);
        Assert.Single(MongoDocuments.Pipeline("""{"$match": {"a": 1}}"""));

        var bad = Assert.Throws<MlDbException>(() => MongoDocuments.Pipeline("""[{"active": true}]"""));
        Assert.Contains("stage 1", bad.Message);
        var notObject = Assert.Throws<MlDbException>(() => MongoDocuments.Pipeline(MlArray.FromValues([MlValue.FromInt(1)])));
        Assert.Contains("Pipeline stage 1 is a int", notObject.Message);
        Assert.Throws<MlDbException>(() => MongoDocuments.Pipeline("[{\"$match\": "));
    }

    [Fact]
    public void Logged_shapes_show_keys_and_operators_never_values()
    {
        var filter = MongoDocuments.Filter("""{"password": "hunter2", "age": {"$gt": 30}, "tags": ["a", "b"]}""");
        Assert.Equal("""{"password": ?, "age": {"$gt": ?}, "tags": [?, ?]}""", MongoDocuments.Shape(filter));
    }

    [Fact]
    public void Values_without_a_counterpart_are_errors_naming_the_path()
    {
        var document = new BsonDocument { { "a", new BsonDocument("items", new BsonArray { 1, BsonMaxKey.Value }) } };
        var ex = Assert.Throws<MlDbException>(() => BsonMapping.ToMlObject(document));
        Assert.Equal(MlDbErrorIds.ConversionFailed, ex.ErrorId);
        Assert.Equal("The value at $.a.items[1] has the BSON type MaxKey, which has no ML equivalent.", ex.Message);
        Assert.Throws<MlDbException>(() => BsonMapping.ToHostDocument(document));

        var huge = new BsonDocument("d", new BsonDecimal128(Decimal128.Parse("1E+40")));
        // the path, never the value (documents may hold secrets)
        Assert.Equal("The value at $.d is a Decimal128 outside the range of an ML decimal (±7.9E28).", Assert.Throws<MlDbException>(() => BsonMapping.ToMlObject(huge)).Message);

        var far = new BsonDocument("when", new BsonDateTime(long.MaxValue / 2));
        Assert.Equal("The value at $.when is a BSON date outside the dates .NET can hold (years 1-9999).", Assert.Throws<MlDbException>(() => BsonMapping.ToMlObject(far)).Message);

        var ml = MlJson.Parse("""{"list": [1, {"x": 2}]}""");
        Assert.Equal("{ \"list\" : [1, { \"x\" : 2 }] }", BsonMapping.ToBson(ml).ToJson());
    }

    [Fact]
    public void Functions_cannot_be_stored()
    {
        var script = TestSupport.Script("function make() { return {name: 'x', run: function () { return 1; }}; }");
        var value = script.Call("make", MlValue.Null);
        var ex = Assert.Throws<MlDbException>(() => BsonMapping.ToBsonDocument(value.AsObject));
        Assert.Equal(MlDbErrorIds.ConversionFailed, ex.ErrorId);
        Assert.StartsWith("The value at $.run is a function", ex.Message);
    }

    [Fact]
    public void Repeated_keys_in_a_document_are_an_error_not_a_silent_loss()
    {
        var document = new BsonDocument(allowDuplicateNames: true) { { "a", 1 }, { "a", 2 } };
        var ex = Assert.Throws<MlDbException>(() => BsonMapping.ToMlObject(document));
        Assert.Contains("'a' more than once", ex.Message);
    }

    [Fact]
    public void Bson_values_from_powershell_convert_through_the_host_converter()
    {
        var converter = BsonHostConverter.Default;
        var value = converter.ToMl(new Hashtable { ["id"] = ObjectId.Parse(Hex), ["doc"] = new BsonDocument("n", 5), ["arr"] = new BsonArray { 1.5 } });
        var obj = value.AsObject;
        Assert.Equal(Hex, obj.Get("id").AsString);
        Assert.Equal(5, obj.Get("doc").AsObject.Get("n").AsInt);
        Assert.Equal(1.5, obj.Get("arr").AsArray[0].AsDouble);
    }

    [Fact]
    public void Documents_with_the_same_keys_share_one_shape_nested_ones_too()
    {
        var rows = new List<object?>();
        for (int i = 0; i < 20; i++)
            rows.Add(new BsonDocument { { "_id", i }, { "name", "n" + i }, { "address", new BsonDocument { { "city", "c" }, { "zip", i } } } });
        rows.Add(new BsonDocument { { "name", "other order" }, { "_id", 99 } });
        var converted = BsonHostConverter.Default.ToMl(rows).AsArray;
        var first = converted[0].AsObject;
        for (int i = 1; i < 20; i++)
        {
            var row = converted[i].AsObject;
            Assert.Equal(first.Keys, row.Keys);
            Assert.Equal(i, row.Get("_id").AsInt);
            Assert.Equal(i, row.Get("address").AsObject.Get("zip").AsInt);
        }
        Assert.Equal(new[] { "name", "_id" }, converted[20].AsObject.Keys);
        // Shared shapes: a script reading row.name hits its cache on every row.
        var script = MlScript.Compile("function names(rows) { let s = 0; for (let r in rows) { s = s + r.address.zip; } return s; }", "bson.ml");
        Assert.Equal(190, script.Call("names", MlValue.FromArray(MlArray.FromValues(converted.AsSpan()[..20]))).AsInt);
        // A repeated key still fails with its path, after documents that shared a layout.
        var repeated = new BsonDocument(allowDuplicateNames: true) { { "_id", 1 }, { "name", "x" }, { "address", new BsonDocument(allowDuplicateNames: true) { { "city", "c" }, { "city", "d" } } } };
        var ex = Assert.Throws<MlDbException>(() => BsonHostConverter.Default.ToMl(new List<object?> { rows[0], repeated }));
        Assert.Contains("$.address", ex.Message);
        Assert.Contains("'city' more than once", ex.Message);
    }

    private static void AssertSameHost(object? expected, object? actual)
    {
        switch (expected)
        {
            case null:
                Assert.Null(actual);
                break;
            case OrderedDictionary e:
                {
                    var a = Assert.IsType<OrderedDictionary>(actual);
                    Assert.Equal(e.Keys.Cast<string>(), a.Keys.Cast<string>());
                    foreach (string key in e.Keys) AssertSameHost(e[key], a[key]);
                    break;
                }
            case object?[] e:
                {
                    var a = Assert.IsType<object?[]>(actual);
                    Assert.Equal(e.Length, a.Length);
                    for (int i = 0; i < e.Length; i++) AssertSameHost(e[i], a[i]);
                    break;
                }
            default:
                Assert.Equal(expected.GetType(), actual!.GetType());
                Assert.Equal(expected, actual);
                break;
        }
    }
}
