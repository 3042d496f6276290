using System.Collections;
using System.Collections.Specialized;
using System.Data;
using System.Globalization;
using System.Numerics;
using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Hosting;

/// <summary>The golden table of spec §13.1 (host → ML) and §13.2 (ML → host), every row, both ways.</summary>
public sealed class HostConversionTests
{
    private static readonly MlHostConverter Converter = MlHostConverter.Default;

    private static MlValue ToMl(object? value) => Converter.ToMl(value);

    [Flags]
    private enum Access { None = 0, Read = 1, Write = 2 }

    private enum Color { Red, Green }

    // ---- §13.1 host → ML: scalars ------------------------------------------------------------

    [Fact]
    public void Null_and_DBNull_become_null()
    {
        Assert.True(ToMl(null).IsNull);
        Assert.True(ToMl(DBNull.Value).IsNull);
    }

    [Fact]
    public void Booleans()
    {
        Assert.True(ToMl(true).IsBool && ToMl(true).AsBool);
        Assert.True(ToMl(false).IsBool && !ToMl(false).AsBool);
    }

    public static TheoryData<object, long> Integers() => new()
    {
        { (sbyte)-128, -128 },
        { (byte)255, 255 },
        { (short)-32768, -32768 },
        { (ushort)65535, 65535 },
        { int.MinValue, int.MinValue },
        { uint.MaxValue, uint.MaxValue },
        { long.MinValue, long.MinValue },
        { long.MaxValue, long.MaxValue },
        { (ulong)long.MaxValue, long.MaxValue },
        { 0UL, 0 },
        { new BigInteger(long.MinValue), long.MinValue },
        { new BigInteger(-42), -42 },
    };

    [Theory]
    [MemberData(nameof(Integers))]
    public void Every_integer_type_within_int64_becomes_an_int(object host, long expected)
    {
        AssertInt(expected, ToMl(host));
    }

    [Fact]
    public void Integers_beyond_int64_become_decimals_or_fail()
    {
        AssertDecimal("18446744073709551615", ToMl(ulong.MaxValue));
        AssertDecimal("9223372036854775808", ToMl((ulong)long.MaxValue + 1));
        AssertDecimal("18446744073709551616", ToMl(BigInteger.Pow(2, 64)));
        AssertDecimal("-9223372036854775809", ToMl(new BigInteger(long.MinValue) - 1));
        AssertDecimal("79228162514264337593543950335", ToMl(new BigInteger(decimal.MaxValue)));

        var e = Assert.Throws<MlConversionException>(() => ToMl(BigInteger.Pow(10, 30)));
        Assert.Equal("$", e.Path);
        Assert.Contains("too large", e.Message);
        var nested = Assert.Throws<MlConversionException>(() => ToMl(Row(("id", BigInteger.Pow(10, 29)))));
        Assert.Equal("$.id", nested.Path);
    }

    [Fact]
    public void Float_and_double_become_doubles()
    {
        AssertDouble(1.5, ToMl(1.5f));
        AssertDouble((double)0.1f, ToMl(0.1f)); // the float's exact value, widened
        AssertDouble(0.1, ToMl(0.1));
        AssertDouble(-0.0, ToMl(-0.0));
        Assert.True(double.IsNaN(ToMl(double.NaN).AsDouble));
        AssertDouble(double.PositiveInfinity, ToMl(float.PositiveInfinity));
    }

    [Fact]
    public void Decimals_keep_their_scale()
    {
        AssertDecimal("19.90", ToMl(19.90m));
        AssertDecimal("4.000", ToMl(4.000m));
        AssertDecimal("-0.5", ToMl(-0.5m));
        AssertDecimal("79228162514264337593543950335", ToMl(decimal.MaxValue));
    }

    [Fact]
    public void Strings_chars_guids_and_enums_become_strings()
    {
        AssertString("héllo 😀", ToMl("héllo 😀"));
        AssertString("", ToMl(""));
        AssertString("x", ToMl('x'));
        AssertString("6f9619ff-8b86-d011-b42d-00c04fc964ff", ToMl(Guid.Parse("6F9619FF-8B86-D011-B42D-00C04FC964FF")));
        AssertString("00000000-0000-0000-0000-000000000000", ToMl(Guid.Empty));
        AssertString("Monday", ToMl(DayOfWeek.Monday));
        AssertString("Green", ToMl(Color.Green));
        AssertString("Read, Write", ToMl(Access.Read | Access.Write));
    }

    [Fact]
    public void DateTimes_become_UTC_instants()
    {
        var utc = new DateTime(2024, 3, 15, 10, 30, 45, 123, DateTimeKind.Utc).AddTicks(4567);
        var v = ToMl(utc);
        Assert.True(v.IsDate);
        Assert.Equal(utc.Ticks, v.AsDateTicks);

        // Unspecified is taken as UTC: same wall-clock numbers.
        var unspecified = new DateTime(2024, 3, 15, 10, 30, 45, DateTimeKind.Unspecified);
        Assert.Equal(unspecified.Ticks, ToMl(unspecified).AsDateTicks);

        // Local is converted to UTC.
        var local = new DateTime(2024, 7, 1, 12, 0, 0, DateTimeKind.Local);
        Assert.Equal(local.ToUniversalTime().Ticks, ToMl(local).AsDateTicks);

        // DateTimeOffset: its UTC instant.
        var offset = new DateTimeOffset(2024, 3, 15, 12, 30, 45, TimeSpan.FromHours(2));
        Assert.Equal(new DateTime(2024, 3, 15, 10, 30, 45, DateTimeKind.Utc).Ticks, ToMl(offset).AsDateTicks);
        Assert.Equal(ToMl(offset).AsDateTicks, ToMl(offset.ToOffset(TimeSpan.FromHours(-7))).AsDateTicks);

        // DateOnly: midnight UTC.
        Assert.Equal(new DateTime(2024, 2, 29, 0, 0, 0, DateTimeKind.Utc).Ticks, ToMl(new DateOnly(2024, 2, 29)).AsDateTicks);

        Assert.Equal("2024-03-15T10:30:45.123Z", Json(ToMl(utc)).Trim('"'));
    }

    [Fact]
    public void TimeSpans_become_constant_format_strings()
    {
        AssertString("1.02:03:04.5000000", ToMl(new TimeSpan(1, 2, 3, 4, 500)));
        AssertString("00:00:00", ToMl(TimeSpan.Zero));
        AssertString("-00:01:30", ToMl(TimeSpan.FromSeconds(-90)));
    }

    [Fact]
    public void Byte_arrays_and_memory_become_bytes_copied()
    {
        byte[] raw = [1, 2, 255];
        var v = ToMl(raw);
        Assert.True(v.IsBytes);
        Assert.Equal(raw, v.AsBytes);
        raw[0] = 99;
        Assert.Equal(new byte[] { 1, 2, 255 }, v.AsBytes);

        var fromMemory = ToMl(new ReadOnlyMemory<byte>([7, 8, 9, 10], 1, 2));
        Assert.True(fromMemory.IsBytes);
        Assert.Equal(new byte[] { 8, 9 }, fromMemory.AsBytes);
        Assert.Equal("AQL/", Json(ToMl(new byte[] { 1, 2, 255 })).Trim('"'));
    }

    // ---- §13.1 host → ML: containers ---------------------------------------------------------

    [Fact]
    public void OrderedDictionary_keeps_insertion_order()
    {
        var d = new OrderedDictionary { { "zeta", 1 }, { "alpha", 2 }, { "mid", 3 } };
        AssertJson("""{"zeta":1,"alpha":2,"mid":3}""", ToMl(d));
    }

    [Fact]
    public void Dictionary_keeps_enumeration_order_and_converts_keys_invariantly()
    {
        var d = new Dictionary<string, object?> { ["b"] = 1, ["a"] = "x", ["c"] = null };
        AssertJson("""{"b":1,"a":"x","c":null}""", ToMl(d));

        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var numericKeys = new Dictionary<double, int> { [1.5] = 1, [2] = 2 };
            AssertJson("""{"1.5":1,"2":2}""", ToMl(numericKeys));
            var intKeys = new Dictionary<int, string> { [10] = "ten", [-1] = "minus one" };
            AssertJson("""{"10":"ten","-1":"minus one"}""", ToMl(intKeys));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Hashtable_keys_follow_its_enumeration_order()
    {
        var h = new Hashtable { ["one"] = 1, ["two"] = 2, ["three"] = 3, [4] = "four" };
        var v = ToMl(h);
        var expectedKeys = h.Keys.Cast<object>().Select(k => Convert.ToString(k, CultureInfo.InvariantCulture)!).ToArray();
        Assert.Equal(expectedKeys, v.AsObject.Keys);
        AssertInt(2, v.Get("two"));
        AssertString("four", v.Get("4"));
    }

    [Fact]
    public void DataRow_becomes_an_object_in_column_order()
    {
        var table = new DataTable("users");
        table.Columns.Add("id", typeof(long));
        table.Columns.Add("name", typeof(string));
        table.Columns.Add("joined", typeof(DateTime));
        table.Columns.Add("score", typeof(decimal));
        var row = table.Rows.Add(7L, "Ann", new DateTime(2020, 5, 6, 0, 0, 0, DateTimeKind.Utc), DBNull.Value);
        AssertJson("""{"id":7,"name":"Ann","joined":"2020-05-06T00:00:00.000Z","score":null}""", ToMl(row));
    }

    [Fact]
    public void Lists_arrays_and_sequences_become_arrays()
    {
        AssertJson("[1,2,3]", ToMl(new[] { 1, 2, 3 }));
        AssertJson("""["a",null,2.5]""", ToMl(new List<object?> { "a", null, 2.5 }));
        AssertJson("[]", ToMl(Array.Empty<string>()));
        AssertJson("[0,1,4]", ToMl(Enumerable.Range(0, 3).Select(i => i * i)));
        AssertJson("[[1,2],[3]]", ToMl(new[] { new[] { 1, 2 }, new[] { 3 } }));
        AssertJson("""[1,"x"]""", ToMl(new ArrayList { 1, "x" }));
    }

    [Fact]
    public void Nested_values_convert_all_the_way_down()
    {
        var order = new Dictionary<string, object?>
        {
            ["id"] = Guid.Parse("00000000-0000-0000-0000-00000000000a"),
            ["lines"] = new List<object?>
            {
                new OrderedDictionary { { "sku", "A" }, { "qty", (short)2 }, { "price", 9.99m } },
                new Hashtable { ["sku"] = "B" },
            },
            ["meta"] = new Dictionary<string, object?> { ["tags"] = new[] { "x" }, ["at"] = new DateOnly(2024, 1, 1), ["raw"] = new byte[] { 0 } },
        };
        AssertJson("""{"id":"00000000-0000-0000-0000-00000000000a","lines":[{"sku":"A","qty":2,"price":9.99},{"sku":"B"}],"meta":{"tags":["x"],"at":"2024-01-01T00:00:00.000Z","raw":"AA=="}}""",
            ToMl(order));
    }

    [Fact]
    public void Keys_that_collide_after_conversion_are_an_error()
    {
        var e = Assert.Throws<MlConversionException>(() => ToMl(new Dictionary<object, int> { [1] = 1, ["1"] = 2 }));
        Assert.Equal("$", e.Path);
        Assert.Contains("'1' more than once", e.Message);

        var nested = Assert.Throws<MlConversionException>(() => ToMl(Row(("rows", new object[] { new Hashtable { [true] = 1, ["True"] = 2 } }))));
        Assert.Equal("$.rows[0]", nested.Path);
        Assert.Contains("'True' more than once", nested.Message);
    }

    [Fact]
    public void Host_cycles_are_reported_not_followed()
    {
        var list = new List<object?> { 1 };
        list.Add(list);
        var e = Assert.Throws<MlConversionException>(() => ToMl(list));
        Assert.Equal("$[1]", e.Path);
        Assert.Contains("contains itself", e.Message);

        var d = new Dictionary<string, object?> { ["name"] = "loop" };
        d["child"] = new Dictionary<string, object?> { ["parent"] = d };
        var inDict = Assert.Throws<MlConversionException>(() => ToMl(d));
        Assert.Equal("$.child.parent", inDict.Path);
        Assert.False(inDict.IsDepthLimit);
    }

    [Fact]
    public void Shared_host_sub_values_are_not_cycles_and_are_copied_per_occurrence()
    {
        var shared = new List<object?> { 1, 2 };
        var v = ToMl(new Dictionary<string, object?> { ["a"] = shared, ["b"] = shared });
        AssertJson("""{"a":[1,2],"b":[1,2]}""", v);
        Assert.NotSame(v.Get("a").AsArray, v.Get("b").AsArray);
    }

    [Fact]
    public void Unsupported_types_are_named_with_their_path()
    {
        var e = Assert.Throws<MlConversionException>(() => ToMl(new object()));
        Assert.Equal("$", e.Path);
        Assert.Contains("System.Object", e.Message);

        var deep = Assert.Throws<MlConversionException>(() => ToMl(new Dictionary<string, object?> { ["a"] = new object?[] { 1, new Uri("http://example.com") } }));
        Assert.Equal("$.a[1]", deep.Path);
        Assert.Equal("The value at $.a[1] has the .NET type System.Uri, which has no ML equivalent.", deep.Message);

        var half = Assert.Throws<MlConversionException>(() => ToMl(Row(("x", (Half)1))));
        Assert.Contains("System.Half", half.Message);
    }

    [Fact]
    public void ML_values_pass_through_but_ML_containers_inside_host_values_are_refused()
    {
        var array = A(1, 2);
        Assert.Same(array.AsArray, ToMl(array).AsArray);
        var e = Assert.Throws<MlConversionException>(() => ToMl(new object?[] { new MlArray() }));
        Assert.Equal("$[0]", e.Path);
    }

    // ---- §13.2 ML → host -----------------------------------------------------------------------

    [Fact]
    public void Scalars_back_to_the_host()
    {
        Assert.Null(Converter.ToHost(MlValue.Null));
        Assert.Equal(true, Converter.ToHost(MlValue.True));
        Assert.Equal(false, Converter.ToHost(MlValue.False));
        Assert.Equal(42L, Assert.IsType<long>(Converter.ToHost(42)));
        Assert.Equal(2.5, Assert.IsType<double>(Converter.ToHost(2.5)));
        Assert.Equal(2.0, Assert.IsType<double>(Converter.ToHost(2.0)));
        var dec = Assert.IsType<decimal>(Converter.ToHost(Dec("4.00")));
        Assert.Equal("4.00", dec.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("héllo", Converter.ToHost("héllo"));

        var date = Assert.IsType<DateTime>(Converter.ToHost(Date("2024-03-15T12:30:45.5+02:00")));
        Assert.Equal(DateTimeKind.Utc, date.Kind);
        Assert.Equal(new DateTime(2024, 3, 15, 10, 30, 45, 500, DateTimeKind.Utc), date);

        byte[] inner = [5, 6];
        var bytes = MlValue.FromBytes(inner);
        var host = Assert.IsType<byte[]>(Converter.ToHost(bytes));
        Assert.Equal(inner, host);
        Assert.NotSame(inner, host); // ML bytes are immutable, so the host gets its own copy
    }

    [Fact]
    public void Arrays_and_objects_back_to_the_host()
    {
        var value = MlJson.Parse("""{"z":1,"a":[true,null,"s",1.5,{"k":[]}],"m":{}}""");
        var host = Dict(Converter.ToHost(value));
        Assert.Equal(["z", "a", "m"], HostKeys(host));
        Assert.Equal(1L, host["z"]);
        var a = Assert.IsType<object?[]>(host["a"]);
        Assert.Equal(5, a.Length);
        Assert.Equal(true, a[0]);
        Assert.Null(a[1]);
        Assert.Equal("s", a[2]);
        Assert.Equal(1.5, a[3]);
        Assert.Empty(Assert.IsType<object?[]>(Dict(a[4])["k"]));
        Assert.Empty(Dict(host["m"]));
        // Keys compare ordinally.
        Assert.False(host.Contains("Z"));
    }

    [Fact]
    public void Shared_ML_sub_values_become_separate_host_copies()
    {
        var shared = A(1);
        var host = Dict(Converter.ToHost(O(("a", shared), ("b", shared))));
        Assert.Equal(host["a"], host["b"]);
        Assert.NotSame(host["a"], host["b"]);
    }

    [Fact]
    public void A_value_whose_copy_would_be_enormous_is_refused_but_ordinary_sharing_is_fine()
    {
        // a = [a, a] forty times: 41 arrays in ML, 2^40 in a copy.
        var script = MlScript.Compile("function dag(n) { let a = [1]; let i = 0; while (i < n) { a = [a, a]; i = i + 1; } return a; }\n" +
            "function rows(n) { let shared = {a: 1, b: 2, c: 3, d: 4, e: 5}; let r = []; let i = 0; while (i < n) { r.push(shared); i = i + 1; } return r; }", "dag.ml");
        var e = Scripts.Fails(() => script.Invoke("dag", 40));
        Assert.Equal(MlLimitKind.Size, e.LimitKind);
        Assert.StartsWith("size limit exceeded: the result of 'dag' cannot be converted: The value shares its parts so often", e.Message);
        Assert.True(Assert.IsType<MlConversionException>(e.InnerException).IsSizeLimit);
        Assert.Equal(2, ((object?[])script.Invoke("dag", 10)!).Length); // 2^10 leaves: converted as before

        // 300 000 references to one five-key object: 1.8 million host values from 300 000 distinct ones.
        var rows = (object?[])script.Invoke("rows", 300_000)!;
        Assert.Equal(300_000, rows.Length);
        Assert.NotSame(rows[0], rows[1]);
    }

    [Fact]
    public void Functions_and_opaque_values_cannot_cross()
    {
        var script = MlScript.Compile("import regex;\nfunction f() { return fn(x) => x; }\nfunction nested() { return {a: [1, function named() { return 1; }]}; }\nfunction pattern() { return regex.compile(\"a+\"); }\n", "cross.ml");
        var fn = script.Call("f", ReadOnlySpan<MlValue>.Empty);
        Assert.True(fn.IsFunction);
        var direct = Assert.Throws<MlConversionException>(() => Converter.ToHost(fn));
        Assert.Equal("$", direct.Path);
        Assert.Contains("cannot cross the host boundary", direct.Message);

        var nested = Assert.Throws<MlConversionException>(() => Converter.ToHost(script.Call("nested", ReadOnlySpan<MlValue>.Empty)));
        Assert.Equal("$.a[1]", nested.Path);
        Assert.Contains("named", nested.Message);

        var opaque = Assert.Throws<MlConversionException>(() => Converter.ToHost(script.Call("pattern", ReadOnlySpan<MlValue>.Empty)));
        Assert.Contains("Pattern", opaque.Message);
    }

    [Fact]
    public void ML_cycles_are_reported()
    {
        var o = new MlObject();
        o.Set("name", "me");
        o.Set("self", MlValue.FromObject(o));
        var e = Assert.Throws<MlConversionException>(() => Converter.ToHost(MlValue.FromObject(o)));
        Assert.Equal("$.self", e.Path);
        Assert.Contains("cyclic", e.Message);

        var a = new MlArray();
        a.Add(1);
        a.Add(MlValue.FromArray(a));
        Assert.Equal("$[1]", Assert.Throws<MlConversionException>(() => Converter.ToHost(MlValue.FromArray(a))).Path);
    }

    [Fact]
    public void Round_trip_of_every_kind()
    {
        var host = new OrderedDictionary
        {
            { "null", null }, { "bool", true }, { "int", 7L }, { "double", 0.5 }, { "decimal", 1.10m },
            { "string", "s" }, { "date", new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc) }, { "bytes", new byte[] { 1 } },
            { "array", new object?[] { 1L, "two" } }, { "object", new OrderedDictionary { { "k", 1L } } },
        };
        var back = Dict(Converter.ToHost(Converter.ToMl(host)));
        Assert.Equal(host.Keys.Cast<string>(), HostKeys(back));
        foreach (DictionaryEntry entry in host)
        {
            var actual = back[entry.Key];
            switch (entry.Value)
            {
                case OrderedDictionary d: Assert.Equal(d["k"], Dict(actual)["k"]); break;
                case decimal m: Assert.Equal(m.ToString(CultureInfo.InvariantCulture), ((decimal)actual!).ToString(CultureInfo.InvariantCulture)); break;
                default: Assert.Equal(entry.Value, actual); break;
            }
        }
    }

    // ---- shapes: rows with the same keys share one ---------------------------------------------

    private static MlObject Obj(MlValue v) => v.AsObject;

    [Fact]
    public void Rows_with_the_same_keys_in_the_same_order_share_one_shape()
    {
        var rows = new List<object?>();
        for (int i = 0; i < 50; i++)
            rows.Add(i % 2 == 0
                ? new Dictionary<string, object?> { ["id"] = i, ["name"] = "n" + i, ["score"] = i * 0.5 }
                : new Hashtable { ["id"] = i }); // a second shape in between
        var converted = ToMl(rows).AsArray;
        var first = Obj(converted[0]);
        for (int i = 2; i < 50; i += 2)
        {
            Assert.Same(first._shape, Obj(converted[i])._shape);
            Assert.Equal(i, Obj(converted[i]).Get("id").AsInt);
        }
        Assert.True(first._shape.IsShared);
        Assert.Same(Obj(converted[1])._shape, Obj(converted[3])._shape);
        // Across separate conversions on one thread too (a per-record flow converts one row per call).
        var record = Obj(ToMl(new Dictionary<string, object?> { ["id"] = 1, ["name"] = "x", ["score"] = 2.0 }));
        Assert.Same(record._shape, Obj(ToMl(new Dictionary<string, object?> { ["id"] = 2, ["name"] = "y", ["score"] = 3.0 }))._shape);
    }

    [Fact]
    public void Rows_whose_keys_differ_get_their_own_shape_and_keep_their_order()
    {
        ToMl(new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2, ["c"] = 3 });
        AssertJson("""{"a":1,"c":2,"b":3}""", ToMl(new Dictionary<string, object?> { ["a"] = 1, ["c"] = 2, ["b"] = 3 }));
        AssertJson("""{"a":1,"b":2}""", ToMl(new OrderedDictionary { ["a"] = 1, ["b"] = 2 }));
        AssertJson("""{"a":1,"b":2,"c":3,"d":4}""", ToMl(new OrderedDictionary { ["a"] = 1, ["b"] = 2, ["c"] = 3, ["d"] = 4 }));
        AssertJson("""{}""", ToMl(new Hashtable()));
        // A key repeated after the shared prefix is still an error with the object's path.
        var e = Assert.Throws<MlConversionException>(() => ToMl(new object?[] { new OrderedDictionary { [(object)"a"] = 1, [(object)"b"] = 2, [(object)1] = 3 }, new OrderedDictionary { [(object)"a"] = 1, [(object)"b"] = 2, [(object)"a "] = 3, [(object)1] = 4, [(object)"1"] = 5 } }));
        Assert.Equal("$[1]", e.Path);
        Assert.Contains("'1' more than once", e.Message);
        // Objects built from converted rows can still grow and shrink like any other.
        var row = ToMl(new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2, ["c"] = 3 }).AsObject;
        row.Set("d", 4);
        Assert.True(row.Remove("a"));
        AssertJson("""{"b":2,"c":3,"d":4}""", MlValue.FromObject(row));
        AssertJson("""{"a":1,"b":2,"c":3}""", ToMl(new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2, ["c"] = 3 }));
    }

    [Fact]
    public void Wide_objects_and_many_keys_convert_with_repeats_found()
    {
        var wide = new OrderedDictionary();
        for (int i = 0; i < 300; i++) wide.Add("k" + i, i);
        var v = ToMl(new object?[] { wide, wide });
        Assert.Equal(300, v.AsArray[1].AsObject.Count);
        Assert.Equal(299, v.AsArray[1].AsObject.Get("k299").AsInt);
        var repeated = new OrderedDictionary();
        for (int i = 0; i < 100; i++) repeated.Add("k" + i, i);
        repeated.Add("7", "seven");
        repeated.Add(7, "seven again");
        var e = Assert.Throws<MlConversionException>(() => ToMl(new Dictionary<string, object?> { ["wide"] = repeated }));
        Assert.Equal("$.wide", e.Path);
        Assert.Contains("'7' more than once", e.Message);
    }

    [Fact]
    public void Data_rows_share_the_shape_of_their_columns()
    {
        var table = new DataTable();
        table.Columns.Add("id", typeof(long));
        table.Columns.Add("name", typeof(string));
        table.Rows.Add(1L, "a");
        table.Rows.Add(2L, DBNull.Value);
        var rows = ToMl(new object?[] { table.Rows[0], table.Rows[1] }).AsArray;
        Assert.Same(Obj(rows[0])._shape, Obj(rows[1])._shape);
        AssertJson("""[{"id":1,"name":"a"},{"id":2,"name":null}]""", MlValue.FromArray(rows));
    }
}
