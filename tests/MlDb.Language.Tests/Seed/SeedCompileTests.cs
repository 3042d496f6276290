namespace MlDb.Language.Tests.Seed;

/// <summary>Every seed script compiles unchanged and exposes exactly the functions the chapter documents.</summary>
public sealed class SeedCompileTests
{
    /// <summary>File → its top-level functions (name, parameters), in source order.</summary>
    private static readonly Dictionary<string, (string Name, string Parameter)[]> Expected = new(StringComparer.Ordinal)
    {
        ["db_processors.ml"] = [("processUsers", "data"), ("validateUser", "user")],
        ["mongo_processors.ml"] = [("processUsers", "data"), ("enrichUser", "user"), ("analyzeAggregation", "data")],
        ["orm_processors.ml"] = [("analyzeProducts", "data"), ("validateProduct", "product")],
        ["postgres_processors.ml"] = [("processOrders", "data"), ("processRecords", "data")],
        ["product_processors.ml"] = [("analyzeInventory", "data"), ("calculateOptimalPrice", "data")],
        ["query_optimization.ml"] = [("optimizeQuery", "params")],
        ["redis_processors.ml"] = [("processCachedUser", "user"), ("enrichCache", "data"), ("analyzeCache", "data")],
        ["transaction_validators.ml"] = [("validateTransaction", "data")],
    };

    public static TheoryData<string> SeedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.SeedMl, "*.ml").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void The_seed_folder_holds_exactly_the_known_scripts()
    {
        var present = Directory.GetFiles(TestPaths.SeedMl, "*.ml").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal);
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), present);
    }

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public void Compiles_and_lists_its_functions(string file)
    {
        var script = Scripts.Seed(file);
        Assert.Equal(file, script.FileName);
        var expected = Expected[file];
        Assert.Equal(expected.Select(e => e.Name), script.Functions.Select(f => f.Name));
        string[] lines = File.ReadAllLines(Path.Combine(TestPaths.SeedMl, file));
        foreach (var (info, (name, parameter)) in script.Functions.Zip(expected))
        {
            Assert.Equal([parameter], info.Parameters);
            Assert.True(script.HasFunction(name));
            // The reported position is the 'function' keyword of the declaration.
            Assert.Equal("function " + name + "(", lines[info.Line - 1].Substring(info.Column - 1, 10 + name.Length));
        }
        Assert.False(script.HasFunction("main"));
        Assert.False(script.HasFunction("processusers"));
    }

    [Fact]
    public void Calling_an_unknown_function_names_the_known_ones()
    {
        var script = Scripts.Seed("db_processors.ml");
        var e = Assert.Throws<ArgumentException>(() => script.Call("processUser", MlValue.Null));
        Assert.Contains("processUser", e.Message);
        Assert.Contains("processUsers, validateUser", e.Message);
    }
}
