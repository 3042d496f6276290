using System.Net;
using MlDb.Data.Postgres;
using MlDb.Data.Redis;
using MlDb.Data.Sqlite;
using Xunit;

namespace MlDb.Data.Tests;

/// <summary>
/// Which provider a connection string is for, the URI form of every provider, and that no
/// password survives into a message, a display string or a file name.
/// </summary>
public sealed class ConnectionStringTests
{
    private const string Secret = "hunter2-Secret";

    [Theory]
    [InlineData("postgresql://ops@db/shop", MlProvider.Postgres)]
    [InlineData("POSTGRES://db", MlProvider.Postgres)]
    [InlineData("Host=db;Database=shop", MlProvider.Postgres)]
    [InlineData("server = db ; Port=5433", MlProvider.Postgres)]
    [InlineData("mongodb://localhost:27017/app", MlProvider.Mongo)]
    [InlineData("mongodb+srv://cluster0.example.net/app", MlProvider.Mongo)]
    [InlineData("redis://localhost:6379/2", MlProvider.Redis)]
    [InlineData("rediss://cache.example.net", MlProvider.Redis)]
    [InlineData("localhost:6379", MlProvider.Redis)]
    [InlineData("10.0.0.5:6379,10.0.0.6:6380,password=x,ssl=true", MlProvider.Redis)]
    [InlineData("[::1]:6379", MlProvider.Redis)]
    [InlineData("Data Source=users.db", MlProvider.Sqlite)]
    [InlineData("DataSource=users.db;Mode=ReadOnly", MlProvider.Sqlite)]
    [InlineData("Filename=users.db", MlProvider.Sqlite)]
    [InlineData("users.db", MlProvider.Sqlite)]
    [InlineData("./data/users.db", MlProvider.Sqlite)]
    [InlineData("/data/a=b.db", MlProvider.Sqlite)]
    [InlineData(@"C:\data\users.db", MlProvider.Sqlite)]
    [InlineData(":memory:", MlProvider.Sqlite)]
    [InlineData("file:users.db?mode=ro", MlProvider.Sqlite)]
    [InlineData("file:///data/users.db", MlProvider.Sqlite)]
    public void Detects_the_provider(string text, MlProvider expected)
    {
        Assert.Equal(expected, MlProviderDetection.Detect(text).Provider);
    }

    [Theory]
    [InlineData("Username=ops;Password=" + Secret, "Username, Password")]
    [InlineData("Host=db;Data Source=x.db;Password=" + Secret, "both Host= (PostgreSQL) and Data Source= (SQLite)")]
    [InlineData("mysql://ops:" + Secret + "@db/shop", "'mysql://'")]
    [InlineData("Port=5432;Pwd=" + Secret, "Port, Pwd")]
    [InlineData("  ", "empty")]
    public void A_string_that_fits_no_provider_is_refused_without_its_values(string text, string expected)
    {
        var ex = Assert.Throws<MlDbException>(() => MlProviderDetection.Detect(text));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public void Uri_parser_reads_users_hosts_ports_database_and_options()
    {
        var uri = ConnectionUri.Parse("postgresql://ops%40corp:p%40ss%3Aword@db1:5432,[::1]:5433,db3/shop%20eu?sslmode=require&application_name=a%20b", "PostgreSQL");
        Assert.Equal("postgresql", uri.Scheme);
        Assert.Equal("ops@corp", uri.UserName);
        Assert.Equal("p@ss:word", uri.Password);
        Assert.Equal([("db1", (int?)5432), ("[::1]", 5433), ("db3", null)], uri.Hosts);
        Assert.Equal("shop eu", uri.Path);
        Assert.Equal([new("sslmode", "require"), new KeyValuePair<string, string>("application_name", "a b")], uri.Options);
    }

    [Theory]
    [InlineData("postgresql://ops:" + Secret + "@db:99999/shop", "port")]
    [InlineData("postgresql://ops:" + Secret + "@[::1/shop", "IPv6")]
    [InlineData("postgresql://ops:" + Secret + "@db:/shop", "port")]
    public void A_bad_uri_is_refused_without_repeating_it(string text, string expected)
    {
        var ex = Assert.Throws<MlDbException>(() => ConnectionUri.Parse(text, "PostgreSQL"));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
        Assert.DoesNotContain("db", ex.Message.Replace("PostgreSQL", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_uri_becomes_an_npgsql_connection_string()
    {
        var builder = PostgresConnectionFactory.Parse(
            "postgresql://ops:" + Uri.EscapeDataString("p@ss;word") + "@db.example.org:5433/shop?sslmode=verify-full&connect_timeout=7&application_name=etl&target_session_attrs=read-write&Maximum%20Pool%20Size=20&minpoolsize=2&search_path=sales",
            null);
        Assert.Equal("db.example.org", builder.Host);
        Assert.Equal(5433, builder.Port);
        Assert.Equal("shop", builder.Database);
        Assert.Equal("ops", builder.Username);
        Assert.Equal("p@ss;word", builder.Password);
        Assert.Equal(Npgsql.SslMode.VerifyFull, builder.SslMode);
        Assert.Equal(7, builder.Timeout);
        Assert.Equal("etl", builder.ApplicationName);
        Assert.Equal("read-write", builder.TargetSessionAttributes);
        Assert.Equal(20, builder.MaxPoolSize);
        Assert.Equal(2, builder.MinPoolSize);
        Assert.Equal("sales", builder.SearchPath);
        string display = PostgresConnectionFactory.Display(builder);
        Assert.DoesNotContain("p@ss", display);
        Assert.Contains("Username=ops", display);
    }

    [Fact]
    public void Postgres_uri_with_several_hosts_keeps_each_port()
    {
        var builder = PostgresConnectionFactory.Parse("postgres://db1:5432,db2:5433/shop", null);
        Assert.Equal("db1:5432,db2:5433", builder.Host);
        Assert.Equal("shop", builder.Database);
    }

    [Fact]
    public void Postgres_uri_option_that_no_one_knows_is_named_and_its_value_is_not()
    {
        var ex = Assert.Throws<MlDbException>(() => PostgresConnectionFactory.Parse("postgresql://db/shop?colour=" + Secret, null));
        Assert.Contains("'colour'", ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
        var bad = Assert.Throws<MlDbException>(() => PostgresConnectionFactory.Parse("postgresql://db/shop?sslmode=" + Secret, null));
        Assert.Contains("'sslmode'", bad.Message);
        Assert.DoesNotContain(Secret, bad.Message);
    }

    [Fact]
    public void Postgres_display_drops_the_ssl_key_password_too()
    {
        var builder = PostgresConnectionFactory.Parse($"Host=db;Password={Secret};SSL Password={Secret}x", null);
        Assert.DoesNotContain(Secret, PostgresConnectionFactory.Display(builder));
    }

    [Fact]
    public void Postgres_refuses_another_providers_uri()
    {
        var ex = Assert.Throws<MlDbException>(() => PostgresConnectionFactory.Parse($"mongodb://ops:{Secret}@db/app", null));
        Assert.Contains("mongodb://", ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
    }

    [Fact]
    public void Redis_uri_becomes_driver_options_with_the_password_set_and_never_shown()
    {
        var settings = RedisSettings.Parse($"rediss://app:{Uri.EscapeDataString(Secret + ",=")}@cache1:6380,cache2/3?connectTimeout=1500&abortConnect=false", null);
        var options = settings.Options;
        Assert.Equal(["cache1:6380", "cache2:6379"], options.EndPoints.Select(RedisMlConnection.Format));
        Assert.Equal(3, options.DefaultDatabase);
        Assert.True(options.Ssl);
        Assert.Equal(1500, options.ConnectTimeout);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal("app", options.User);
        Assert.Equal(Secret + ",=", options.Password);
        Assert.DoesNotContain(Secret, settings.DisplayText);
        Assert.DoesNotContain(Secret, settings.EndPointText);
        Assert.Equal("***", settings.Scrub(Secret + ",="));
    }

    [Fact]
    public void Redis_uri_credential_wins_and_default_user_is_left_out()
    {
        var settings = RedisSettings.Parse("redis://default:old@cache", new NetworkCredential("default", Secret));
        Assert.Null(settings.Options.User);
        Assert.Equal(Secret, settings.Options.Password);
    }

    [Theory]
    [InlineData("redis://cache/notanumber", "database index")]
    [InlineData("redis://cache?password=" + Secret, "user information")]
    [InlineData("redis:///0", "names no host")]
    [InlineData("memcached://cache", "memcached://")]
    public void Redis_bad_uris_are_refused_without_their_secrets(string text, string expected)
    {
        var ex = Assert.Throws<MlDbException>(() => RedisSettings.Parse(text, null));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
    }

    [Theory]
    [InlineData("Host=db;Username=ops;Password=" + Secret, "Host, Username, Password")]
    [InlineData("Data Source=\"Server=db;Pwd=" + Secret + "\"", "Server, Pwd")]
    [InlineData("postgresql://ops:" + Secret + "@db/shop", "postgresql://")]
    [InlineData("localhost:6379", "Redis")]
    [InlineData("report=final.db", "report")]
    public void Sqlite_refuses_a_data_source_that_is_another_connection_string(string text, string expected)
    {
        var resolved = new List<string>();
        var ex = Assert.Throws<MlDbException>(() => SqliteConnectionFactory.ParseConnectionString(text, p => { resolved.Add(p); return p; }));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Contains("not a file path", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
        Assert.Empty(resolved);
    }

    [Fact]
    public void Sqlite_password_is_an_mldb_error_and_no_file_is_created()
    {
        using var dir = new TestSupport.TempDir();
        foreach (var request in new[]
        {
            new MlConnectRequest("x", MlProvider.Sqlite, $"Data Source=locked.db;Password={Secret}", ResolvePath: p => Path.Combine(dir.Path, p)),
            new MlConnectRequest("x", MlProvider.Sqlite, "locked.db", new NetworkCredential("u", Secret), ResolvePath: p => Path.Combine(dir.Path, p)),
        })
        {
            var ex = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(request));
            Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
            Assert.Contains("no encryption", ex.Message);
            Assert.DoesNotContain(Secret, ex.Message);
        }
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Sqlite_file_uri_is_resolved_like_a_path_and_keeps_its_options()
    {
        using var dir = new TestSupport.TempDir();
        var builder = SqliteConnectionFactory.ParseConnectionString("file:sub%20dir/x.db?mode=rwc", p => Path.Combine(dir.Path, p));
        Assert.Equal("file://" + Path.Combine(dir.Path, "sub dir/x.db") + "?mode=rwc", builder.DataSource);
        Assert.False(SqliteConnectionFactory.IsMemory(builder));
        Assert.True(SqliteConnectionFactory.IsMemory(SqliteConnectionFactory.ParseConnectionString("file::memory:?cache=shared", p => p)));
        Assert.True(SqliteConnectionFactory.IsMemory(SqliteConnectionFactory.ParseConnectionString("file:mem1?mode=memory&cache=shared", p => p)));

        Directory.CreateDirectory(Path.Combine(dir.Path, "sub dir"));
        using var db = (SqliteMlConnection)MlConnectionFactory.Connect(new MlConnectRequest("u", MlProvider.Sqlite, "file:sub%20dir/x.db?mode=rwc", ResolvePath: p => Path.Combine(dir.Path, p)));
        TestSupport.Exec(db, "CREATE TABLE t (x INTEGER)");
        Assert.True(File.Exists(Path.Combine(dir.Path, "sub dir", "x.db")));
    }

    [Theory]
    [InlineData("Host=db;Password=" + Secret)]
    [InlineData("Host=db;PWD='" + Secret + "'")]
    [InlineData("postgresql://ops:" + Secret + "@db/shop")]
    [InlineData("mongodb://ops:" + Secret + "@db/?authSource=admin")]
    [InlineData("localhost:6379,password=" + Secret)]
    [InlineData("redis://:" + Secret + "@cache")]
    public void Scrub_masks_every_password_form(string connectionString)
    {
        string message = $"driver says: could not log in with '{Secret}' to db";
        string scrubbed = ConnectionSecrets.Scrub(message, connectionString);
        Assert.DoesNotContain(Secret, scrubbed);
        Assert.Contains("could not log in", scrubbed);
    }

    [Fact]
    public void Scrub_masks_the_percent_encoded_and_the_decoded_uri_password()
    {
        string encoded = Uri.EscapeDataString("p@ss word!");
        string scrubbed = ConnectionSecrets.Scrub($"a p@ss word! b {encoded} c", $"postgresql://ops:{encoded}@db/shop");
        Assert.Equal("a ******** b ******** c", scrubbed);
    }
}
