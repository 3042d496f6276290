namespace MlDb.Bench;

// The typed source rows, as a database reader would hand them over. Every workload generates
// its rows from a fixed seed, so every run (and every engine) sees the same data.

internal sealed record Order(long Id, string Status, double Total);

internal sealed record User(long Id, string Name, string Email, long Age);

internal sealed record Product(long Id, string Name, double Price, long Stock);

internal sealed record ScoreRow(long Id, double Score);

internal static class Data
{
    public const int Seed = 20261127;

    public static readonly string[] Statuses = ["pending", "paid", "shipped", "delivered", "cancelled"];

    private static readonly string[] FirstNames =
        ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Margaret", "Linus", "Guido", "Anders"];

    private static readonly string[] LastNames =
        ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Ritchie", "Hamilton", "Torvalds"];

    private static readonly string[] Domains =
        ["example.com", "mail.example.org", "corp.test", "users.invalid", "db.example.net", "mldb.dev"];

    /// <summary>
    /// A new string instance with the text of <paramref name="text"/>: a database reader hands
    /// over one string object per row and column, so equal keys are rarely the same instance.
    /// </summary>
    private static string Fresh(string text) => new(text.AsSpan());

    public static Order[] Orders(int count)
    {
        var rng = new Random(Seed);
        var rows = new Order[count];
        for (int i = 0; i < count; i++)
            rows[i] = new Order(i + 1, Fresh(Statuses[rng.Next(Statuses.Length)]), Math.Round(rng.NextDouble() * 500.0, 2));
        return rows;
    }

    /// <summary>Users that all pass validateUser (name ≥ 2 characters, an '@' in the email, 1 ≤ age ≤ 99).</summary>
    public static User[] Users(int count)
    {
        var rng = new Random(Seed + 1);
        var rows = new User[count];
        for (int i = 0; i < count; i++)
        {
            string first = FirstNames[rng.Next(FirstNames.Length)];
            string last = LastNames[rng.Next(LastNames.Length)];
            string domain = Domains[rng.Next(Domains.Length)];
            rows[i] = new User(i + 1, first + " " + last, first.ToLowerInvariant() + "." + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "@" + domain, rng.Next(1, 100));
        }
        return rows;
    }

    /// <summary>Products with prices 1..100 (all three price ranges) and stock 0..199 (5 % below 10).</summary>
    public static Product[] Products(int count)
    {
        var rng = new Random(Seed + 2);
        var rows = new Product[count];
        for (int i = 0; i < count; i++)
            rows[i] = new Product(i + 1, "Product " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Math.Round(1.0 + rng.NextDouble() * 99.0, 2), rng.Next(0, 200));
        return rows;
    }

    /// <summary>Rows with distinct double scores in random order (so stable and unstable sorts agree).</summary>
    public static ScoreRow[] Scores(int count)
    {
        var rng = new Random(Seed + 3);
        // A shuffled permutation of 0..count-1 plus a fraction below 1: random order, no ties.
        var rank = new int[count];
        for (int i = 0; i < count; i++) rank[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (rank[i], rank[j]) = (rank[j], rank[i]);
        }
        var rows = new ScoreRow[count];
        for (int i = 0; i < count; i++)
            rows[i] = new ScoreRow(i + 1, rank[i] + rng.NextDouble() * 0.5);
        return rows;
    }
}
