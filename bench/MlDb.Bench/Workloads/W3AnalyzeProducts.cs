using Jint;
using Jint.Native;
using MlDb.Language;

namespace MlDb.Bench.Workloads;

/// <summary>W3: orm_processors.ml analyzeProducts over {items, count} of products {id, name, price, stock}.</summary>
internal sealed class W3AnalyzeProducts : Workload
{
    private readonly Product[] _products;
    private Dictionary<string, object?> _hostInput;
    private readonly MlScript _script;
    private MlValue _mlInput;
    private JsValue _jsInput = JsValue.Undefined;

    public W3AnalyzeProducts(int rows) : base(rows)
    {
        _products = Data.Products(rows);
        var hostRows = new List<Dictionary<string, object?>>(rows);
        foreach (var p in _products)
            hostRows.Add(new Dictionary<string, object?> { ["id"] = p.Id, ["name"] = p.Name, ["price"] = p.Price, ["stock"] = p.Stock });
        _hostInput = new Dictionary<string, object?> { ["items"] = hostRows, ["count"] = rows };
        _script = CompileSeed("orm_processors.ml");
    }

    public override string Id => "W3";

    protected override string JsFunctionName => "analyzeProducts";

    public override string Title => "analyzeProducts";

    public override IReadOnlyList<Case> Conversions() =>
    [
        new(MlDbLayout, ToMlByLayout, Accept: (r, _) => _mlInput = (MlValue)r!),
        new(MlDbHostConverter, () => MlHostConverter.Default.ToMl(_hostInput), Accept: KeepGenericInput, Generic: true),
        new(JintInput, ToJint, Accept: (r, _) => _jsInput = (JsValue)r!),
    ];

    public override void DropHostInput() => _hostInput = new();

    public override IReadOnlyList<Case> Executions() =>
    [
        new(MlDb, () => _script.Call("analyzeProducts", _mlInput),
            Accept: (r, round) => Record(MlDb, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))),
        .. (RunOnGenericInput
            ? new Case[] { new(MlDbOnGenericInput, () => _script.Call("analyzeProducts", (MlValue)GenericInput!),
                Accept: (r, round) => Record(MlDbOnGenericInput, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))) }
            : []),
        new(Jint, () => JintEngine.Call(JintFunction, _jsInput),
            Accept: (r, round) => Record(Jint, round, () => Canon.Format(((JsValue)r!).ToObject()))),
        new(CSharp, RunCSharp,
            Accept: (r, round) => Record(CSharp, round, () => Canon.Format(((Result)r!).ToHost()))),
        .. (WithLimits
            ? new Case[]
            {
                new(MlDbLimited, () => _script.Call("analyzeProducts", _mlInput, Limited),
                    Accept: (r, round) => Record(MlDbLimited, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))),
                new(JintConstrained, () => CallConstrained(_jsInput),
                    Accept: (r, round) => Record(JintConstrained, round, () => Canon.Format(((JsValue)r!).ToObject()))),
            }
            : []),
    ];

    private object ToMlByLayout()
    {
        var layout = MlObjectLayout.For(["id", "name", "price", "stock"]);
        var items = new MlArray(_products.Length);
        var values = new MlValue[4];
        foreach (var p in _products)
        {
            values[0] = MlValue.FromInt(p.Id);
            values[1] = MlValue.FromString(p.Name);
            values[2] = MlValue.FromDouble(p.Price);
            values[3] = MlValue.FromInt(p.Stock);
            items.Add(layout.Create(values));
        }
        var data = MlObjectLayout.For(["items", "count"]).Create([MlValue.FromArray(items), MlValue.FromInt(_products.Length)]);
        return MlValue.FromObject(data);
    }

    private object ToJint()
    {
        var items = new JsValue[_products.Length];
        for (int i = 0; i < items.Length; i++)
        {
            var p = _products[i];
            var row = new JsObject(JintEngine);
            row.FastSetDataProperty("id", JsNumber.Create(p.Id));
            row.FastSetDataProperty("name", JsString.Create(p.Name));
            row.FastSetDataProperty("price", JsNumber.Create(p.Price));
            row.FastSetDataProperty("stock", JsNumber.Create(p.Stock));
            items[i] = row;
        }
        var data = new JsObject(JintEngine);
        data.FastSetDataProperty("items", new JsArray(JintEngine, items));
        data.FastSetDataProperty("count", JsNumber.Create(items.Length));
        return data;
    }

    /// <summary>The same computation in C#: two folds, a filter, then the price-range loop.</summary>
    private object RunCSharp()
    {
        var items = _products;
        double totalValue = 0;
        foreach (var p in items) totalValue += p.Price * p.Stock;
        double priceSum = 0;
        foreach (var p in items) priceSum += p.Price;
        double avgPrice = priceSum / items.Length;
        var lowStock = new List<Product>();
        foreach (var p in items)
            if (p.Stock < 10) lowStock.Add(p);

        long budget = 0, mid = 0, premium = 0;
        for (int i = 0; i < items.Length; i++)
        {
            double price = items[i].Price;
            if (price < 20) budget++;
            else if (price < 50) mid++;
            else premium++;
        }

        return new Result(items.Length, totalValue, avgPrice, lowStock, budget, mid, premium);
    }

    private sealed record Result(int TotalProducts, double TotalValue, double AveragePrice, List<Product> LowStock, long Budget, long Mid, long Premium)
    {
        /// <summary>The result as the host tree the other engines' results are converted to (untimed).</summary>
        public Dictionary<string, object?> ToHost() => new()
        {
            ["total_products"] = TotalProducts,
            ["total_inventory_value"] = TotalValue,
            ["average_price"] = AveragePrice,
            ["low_stock_count"] = LowStock.Count,
            ["low_stock_items"] = LowStock.Select(p => new Dictionary<string, object?> { ["id"] = p.Id, ["name"] = p.Name, ["price"] = p.Price, ["stock"] = p.Stock }).ToList(),
            ["price_distribution"] = new Dictionary<string, object?> { ["budget"] = Budget, ["mid"] = Mid, ["premium"] = Premium },
        };
    }
}
