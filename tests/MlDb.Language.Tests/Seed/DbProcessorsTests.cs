using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed db_processors.ml (the SQLite section): processUsers and validateUser.</summary>
public sealed class DbProcessorsTests
{
    private const string File = "db_processors.ml";
    private static readonly MlScript Script = Scripts.Seed(File);

    private static MlValue User(long id, string name, string email, long age) =>
        O(("id", id), ("name", name), ("email", email), ("age", age));

    [Fact]
    public void ProcessUsers_averages_ages_and_counts_domains_in_first_seen_order()
    {
        var rows = A(
            User(1, "Alice", "alice@example.com", 30),
            User(2, "Bob", "bob@corp.org", 25),
            User(3, "Carol", "carol@example.com", 42),
            User(4, "Dan", "dan@mail.net", 19));
        var result = Script.Call("processUsers", O(("rows", rows), ("count", 4)));

        AssertKeys(result, "total_users", "average_age", "domains", "users");
        AssertInt(4, result.Get("total_users"));
        AssertDouble(29.0, result.Get("average_age")); // 116 / 4: '/' always gives a double
        AssertJson("""{"example.com":2,"corp.org":1,"mail.net":1}""", result.Get("domains"));
        // "users" is the input array itself, untouched.
        Assert.Same(rows.AsArray, result.Get("users").AsArray);
        AssertJson("""[{"id":1,"name":"Alice","email":"alice@example.com","age":30},{"id":2,"name":"Bob","email":"bob@corp.org","age":25},{"id":3,"name":"Carol","email":"carol@example.com","age":42},{"id":4,"name":"Dan","email":"dan@mail.net","age":19}]""",
            result.Get("users"));
    }

    [Fact]
    public void ProcessUsers_average_is_an_exact_double()
    {
        var rows = A(User(1, "A", "a@x.io", 30), User(2, "B", "b@x.io", 25), User(3, "C", "c@y.io", 42));
        var result = Script.Call("processUsers", O(("rows", rows)));
        AssertDouble(97.0 / 3, result.Get("average_age"));
        AssertJson("""{"total_users":3,"average_age":32.333333333333336,"domains":{"x.io":2,"y.io":1},"users":[{"id":1,"name":"A","email":"a@x.io","age":30},{"id":2,"name":"B","email":"b@x.io","age":25},{"id":3,"name":"C","email":"c@y.io","age":42}]}""",
            result);
    }

    [Fact]
    public void ProcessUsers_through_Invoke_with_host_rows()
    {
        var rows = new object?[]
        {
            new Dictionary<string, object?> { ["id"] = 1, ["name"] = "Alice", ["email"] = "alice@example.com", ["age"] = 31 },
            new Dictionary<string, object?> { ["id"] = 2L, ["name"] = "Bob", ["email"] = "bob@example.com", ["age"] = (short)28 },
        };
        var data = new Dictionary<string, object?> { ["rows"] = rows, ["count"] = 2 };

        var result = Dict(Script.Invoke("processUsers", data));

        Assert.Equal(["total_users", "average_age", "domains", "users"], HostKeys(result));
        Assert.Equal(2L, result["total_users"]);
        Assert.Equal(29.5, Assert.IsType<double>(result["average_age"]));
        var domains = Dict(result["domains"]);
        Assert.Equal(["example.com"], HostKeys(domains));
        Assert.Equal(2L, domains["example.com"]);
        var users = Assert.IsType<object?[]>(result["users"]);
        Assert.Equal(2, users.Length);
        var first = Dict(users[0]);
        Assert.Equal(["id", "name", "email", "age"], HostKeys(first));
        Assert.Equal(1L, first["id"]);
        Assert.Equal("Alice", first["name"]);
        Assert.Equal("alice@example.com", first["email"]);
        Assert.Equal(31L, first["age"]);
        Assert.Equal(28L, Dict(users[1])["age"]);
    }

    [Fact]
    public void ProcessUsers_of_no_rows_is_a_division_by_zero_at_the_average()
    {
        var e = Scripts.Fails(() => Script.Call("processUsers", O(("rows", A()))));
        Assert.Equal("ArithmeticError", e.ErrorType);
        Assert.Equal("division by zero", e.Message);
        var (line, column) = Scripts.SeedPosition(File, "totalAge / rows.length");
        Assert.Equal(line, e.Line);
        Assert.Equal(column + "totalAge ".Length, e.Column); // the '/' operator
        Assert.Null(e.ThrownData);
    }

    [Fact]
    public void ValidateUser_returns_a_valid_user_unchanged()
    {
        var user = User(9, "John Doe", "john@example.com", 30);
        var result = Script.Call("validateUser", user);
        Assert.Same(user.AsObject, result.AsObject);
        AssertJson("""{"id":9,"name":"John Doe","email":"john@example.com","age":30}""", result);

        // Boundaries that pass: a two-letter name, age 150, age 1.
        foreach (var ok in new[] { User(1, "Jo", "j@x.io", 150), User(2, "Al", "a@b", 1) })
            Assert.Same(ok.AsObject, Script.Call("validateUser", ok).AsObject);
    }

    public static TheoryData<string, string> SingleProblems() => new()
    {
        // input JSON → the exact message
        { """{"name":"J","email":"j@example.com","age":30}""", "Validation failed: Name must be at least 2 characters" },
        { """{"email":"j@example.com","age":30}""", "Validation failed: Name must be at least 2 characters" },
        { """{"name":"","email":"j@example.com","age":30}""", "Validation failed: Name must be at least 2 characters" },
        { """{"name":"John","email":"john.example.com","age":30}""", "Validation failed: Invalid email address" },
        { """{"name":"John","email":null,"age":30}""", "Validation failed: Invalid email address" },
        { """{"name":"John","email":"john@example.com","age":151}""", "Validation failed: Age must be between 0 and 150" },
        { """{"name":"John","email":"john@example.com","age":-1}""", "Validation failed: Age must be between 0 and 150" },
        // 0 is falsy, so the seed's "!user.age" rejects it too.
        { """{"name":"John","email":"john@example.com","age":0}""", "Validation failed: Age must be between 0 and 150" },
        { """{"name":"John","email":"john@example.com"}""", "Validation failed: Age must be between 0 and 150" },
    };

    [Theory]
    [MemberData(nameof(SingleProblems))]
    public void ValidateUser_reports_each_problem_alone(string userJson, string message)
    {
        var e = Scripts.Fails(() => Script.Call("validateUser", MlJson.Parse(userJson)));
        Assert.Equal("Error", e.ErrorType);
        Assert.Equal(message, e.Message);
        Assert.Equal(message, e.ThrownData);
        Assert.False(e.IsLimitError);
        var (line, column) = Scripts.SeedPosition(File, "throw \"Validation failed: \"");
        Assert.Equal((File, line, column), (e.File, e.Line, e.Column));
        Assert.Equal($"Error: {message}\n  at validateUser ({File}, line {line}, column {column})", e.Report);
    }

    [Fact]
    public void ValidateUser_joins_all_three_problems_in_order()
    {
        var e = Scripts.Fails(() => Script.Invoke("validateUser", V.Row(("name", "J"), ("email", "nope"), ("age", 200))));
        const string expected = "Validation failed: Name must be at least 2 characters, Invalid email address, Age must be between 0 and 150";
        Assert.Equal(expected, e.Message);
        Assert.Equal(expected, e.ThrownData);
        Assert.Equal("Error", e.ErrorType);
    }

    [Fact]
    public void ValidateUser_through_Invoke_returns_the_host_row_as_an_ordered_dictionary()
    {
        var input = V.Row(("name", "John Doe"), ("email", "john@example.com"), ("age", 30));
        var result = Dict(Script.Invoke("validateUser", input));
        Assert.NotSame(input, result);
        Assert.Equal(["name", "email", "age"], HostKeys(result));
        Assert.Equal("John Doe", result["name"]);
        Assert.Equal("john@example.com", result["email"]);
        Assert.Equal(30L, result["age"]);
    }
}
