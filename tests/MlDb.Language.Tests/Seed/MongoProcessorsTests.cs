using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed mongo_processors.ml: processUsers, enrichUser and analyzeAggregation.</summary>
public sealed class MongoProcessorsTests
{
    private const string File = "mongo_processors.ml";
    private static readonly MlScript Script = Scripts.Seed(File);

    [Fact]
    public void ProcessUsers_rates_activity_and_groups_countries_with_an_Unknown_default()
    {
        var documents = A(
            O(("_id", "u1"), ("name", "Ana"), ("country", "US"), ("last_login", Date("2024-05-01T08:00:00Z"))),
            O(("_id", "u2"), ("name", "Ben"), ("country", "DE"), ("last_login", MlValue.Null)),
            O(("_id", "u3"), ("name", "Cy"), ("last_login", Date("2024-04-30T22:15:00Z"))),   // no country
            O(("_id", "u4"), ("name", "Di"), ("country", "US")),                                // no last_login
            O(("_id", "u5"), ("name", "Ed"), ("country", ""), ("last_login", MlValue.Null)));   // empty country is falsy
        var result = Script.Call("processUsers", O(("documents", documents)));

        AssertKeys(result, "total_users", "active_users", "by_country", "activity_rate");
        AssertInt(5, result.Get("total_users"));
        AssertInt(2, result.Get("active_users"));
        AssertJson("""{"US":2,"DE":1,"Unknown":2}""", result.Get("by_country"));
        AssertDouble(2.0 / 5 * 100, result.Get("activity_rate"));
        AssertJson("""{"total_users":5,"active_users":2,"by_country":{"US":2,"DE":1,"Unknown":2},"activity_rate":40.0}""", result);
    }

    [Fact]
    public void ProcessUsers_activity_rate_is_an_unrounded_double()
    {
        var documents = A(
            O(("country", "FR"), ("last_login", Date("2024-01-01T00:00:00Z"))),
            O(("country", "FR")),
            O(("country", "IT")));
        AssertJson("""{"total_users":3,"active_users":1,"by_country":{"FR":2,"IT":1},"activity_rate":33.33333333333333}""",
            Script.Call("processUsers", O(("documents", documents))));
        AssertDouble(1.0 / 3 * 100, Script.Call("processUsers", O(("documents", documents))).Get("activity_rate"));
    }

    [Fact]
    public void ProcessUsers_through_Invoke_with_DateTime_last_logins()
    {
        var docs = new object?[]
        {
            V.Row(("email", "a@x.io"), ("country", "BR"), ("last_login", new DateTime(2024, 2, 3, 4, 5, 6, DateTimeKind.Utc))),
            V.Row(("email", "b@x.io"), ("country", null), ("last_login", DBNull.Value)),
            V.Row(("email", "c@x.io"), ("country", "BR"), ("last_login", new DateTimeOffset(2024, 2, 3, 4, 5, 6, TimeSpan.FromHours(-3)))),
            V.Row(("email", "d@x.io"), ("country", "JP"), ("last_login", null)),
        };
        var result = Dict(Script.Invoke("processUsers", V.Row(("documents", docs))));
        Assert.Equal(["total_users", "active_users", "by_country", "activity_rate"], HostKeys(result));
        Assert.Equal(4L, result["total_users"]);
        Assert.Equal(2L, result["active_users"]);
        var byCountry = Dict(result["by_country"]);
        Assert.Equal(["BR", "Unknown", "JP"], HostKeys(byCountry));
        Assert.Equal(new object[] { 2L, 1L, 1L }, byCountry.Values.Cast<object>().ToArray());
        Assert.Equal(50.0, Assert.IsType<double>(result["activity_rate"]));
    }

    public static TheoryData<long, string> AgeGroups() => new()
    {
        { 18, "young" }, { 29, "young" }, { 30, "adult" }, { 59, "adult" }, { 60, "senior" }, { 87, "senior" },
    };

    [Theory]
    [MemberData(nameof(AgeGroups))]
    public void EnrichUser_adds_full_name_domain_and_age_group(long age, string group)
    {
        var user = O(("first_name", "John"), ("last_name", "Doe"), ("email", "john@example.com"), ("age", age), ("country", "USA"));
        var result = Script.Call("enrichUser", user);
        Assert.Same(user.AsObject, result.AsObject);
        AssertJson($$"""{"first_name":"John","last_name":"Doe","email":"john@example.com","age":{{age}},"country":"USA","full_name":"John Doe","email_domain":"example.com","age_group":"{{group}}"}""",
            result);
    }

    [Fact]
    public void EnrichUser_takes_the_text_after_the_first_at_sign_and_converts_names_with_str()
    {
        var result = Script.Call("enrichUser", O(("first_name", "Zoë"), ("last_name", MlValue.Null), ("email", "z@sub.example.org@x"), ("age", 44.5)));
        AssertJson("""{"first_name":"Zoë","last_name":null,"email":"z@sub.example.org@x","age":44.5,"full_name":"Zoë null","email_domain":"sub.example.org","age_group":"adult"}""",
            result);
    }

    [Fact]
    public void EnrichUser_rejects_an_address_without_at_after_computing_the_fields()
    {
        // split("@")[1] reads past the end of ["nomail"]: that is null (spec §6.6), not an error,
        // so the script reaches its own validation and throws its own message.
        var user = O(("first_name", "No"), ("last_name", "Mail"), ("email", "nomail"), ("age", 30));
        var e = Scripts.Fails(() => Script.Call("enrichUser", user));
        Assert.Equal("Error", e.ErrorType);
        Assert.Equal("Invalid email address", e.Message);
        Assert.Equal("Invalid email address", e.ThrownData);
        var (line, column) = Scripts.SeedPosition(File, "throw \"Invalid email address\"");
        Assert.Equal($"Error: Invalid email address\n  at enrichUser ({File}, line {line}, column {column})", e.Report);
        // The fields were already set on the (shared) object when the throw happened.
        AssertJson("""{"first_name":"No","last_name":"Mail","email":"nomail","age":30,"full_name":"No Mail","email_domain":null,"age_group":"adult"}""", user);
    }

    [Fact]
    public void EnrichUser_without_an_email_fails_on_the_split_of_null()
    {
        var e = Scripts.Fails(() => Script.Call("enrichUser", O(("first_name", "A"), ("last_name", "B"), ("age", 3))));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Contains("of null", e.Message);
        var (line, _) = Scripts.SeedPosition(File, "user.email_domain = user.email.split");
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void EnrichUser_through_Invoke_and_the_host_document_is_not_changed()
    {
        var doc = new Dictionary<string, object?>
        {
            ["first_name"] = "John", ["last_name"] = "Doe", ["email"] = "john@example.com", ["age"] = 30, ["country"] = "USA",
        };
        var result = Dict(Script.Invoke("enrichUser", doc));
        Assert.Equal(["first_name", "last_name", "email", "age", "country", "full_name", "email_domain", "age_group"], HostKeys(result));
        Assert.Equal("John Doe", result["full_name"]);
        Assert.Equal("example.com", result["email_domain"]);
        Assert.Equal("adult", result["age_group"]);
        Assert.Equal(30L, result["age"]);
        Assert.Equal(5, doc.Count);

        var e = Scripts.Fails(() => Script.Invoke("enrichUser", V.Row(("first_name", "X"), ("last_name", "Y"), ("email", "nomail"), ("age", 61))));
        Assert.Equal("Invalid email address", e.Message);
    }

    [Fact]
    public void AnalyzeAggregation_sums_totals_treating_missing_ones_as_zero()
    {
        var results = A(O(("_id", "US"), ("total", 150)), O(("_id", "DE"), ("total", 20.5)), O(("_id", "FR")), O(("_id", "IT"), ("total", MlValue.Null)));
        var summary = Script.Call("analyzeAggregation", O(("results", results)));
        AssertKeys(summary, "total_records", "data", "total_value");
        AssertInt(4, summary.Get("total_records"));
        Assert.Same(results.AsArray, summary.Get("data").AsArray);
        AssertDouble(170.5, summary.Get("total_value"));
        AssertJson("""{"total_records":4,"data":[{"_id":"US","total":150},{"_id":"DE","total":20.5},{"_id":"FR"},{"_id":"IT","total":null}],"total_value":170.5}""", summary);

        var ints = Script.Call("analyzeAggregation", O(("results", A(O(("_id", 1), ("total", 7)), O(("_id", 2), ("total", 8))))));
        AssertInt(15, ints.Get("total_value"));
    }

    [Fact]
    public void AnalyzeAggregation_of_no_results_has_no_total_value()
    {
        var summary = Script.Call("analyzeAggregation", O(("results", A())));
        AssertJson("""{"total_records":0,"data":[]}""", summary);

        var host = Dict(Script.Invoke("analyzeAggregation", V.Row(("results", Array.Empty<object>()))));
        Assert.Equal(["total_records", "data"], HostKeys(host));
        Assert.Equal(0L, host["total_records"]);
        Assert.Empty(Assert.IsType<object?[]>(host["data"]));
    }

    [Fact]
    public void AnalyzeAggregation_through_Invoke()
    {
        var results = new List<object?> { V.Row(("_id", "a"), ("total", 2.25m)), V.Row(("_id", "b"), ("total", 1)) };
        var host = Dict(Script.Invoke("analyzeAggregation", V.Row(("results", results))));
        Assert.Equal(["total_records", "data", "total_value"], HostKeys(host));
        Assert.Equal(2L, host["total_records"]);
        Assert.Equal(2, Assert.IsType<object?[]>(host["data"]).Length);
        Assert.Equal(3.25m, Assert.IsType<decimal>(host["total_value"]));
    }
}
