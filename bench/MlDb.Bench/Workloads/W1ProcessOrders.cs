using Jint;
using Jint.Native;
using MlDb.Language;

namespace MlDb.Bench.Workloads;

/// <summary>W1: postgres_processors.ml processOrders over {rows, count} of orders {id, status, total}.</summary>
internal sealed class W1ProcessOrders : Workload
{
    private readonly Order[] _orders;
    private Dictionary<string, object?> _hostInput;
    private readonly MlScript _script;
    private MlValue _mlInput;
    private JsValue _jsInput = JsValue.Undefined;

    public W1ProcessOrders(int rows) : base(rows)
    {
        _orders = Data.Orders(rows);
        var hostRows = new List<Dictionary<string, object?>>(rows);
        foreach (var o in _orders)
            hostRows.Add(new Dictionary<string, object?> { ["id"] = o.Id, ["status"] = o.Status, ["total"] = o.Total });
        _hostInput = new Dictionary<string, object?> { ["rows"] = hostRows, ["count"] = rows };
        _script = CompileSeed("postgres_processors.ml");
    }

    public override string Id => "W1";

    protected override string JsFunctionName => "processOrders";

    public override string Title => "processOrders";

    public override IReadOnlyList<Case> Conversions() =>
    [
        new(MlDbLayout, ToMlByLayout, Accept: (r, _) => _mlInput = (MlValue)r!),
        new(MlDbHostConverter, () => MlHostConverter.Default.ToMl(_hostInput), Accept: KeepGenericInput, Generic: true),
        new(JintInput, ToJint, Accept: (r, _) => _jsInput = (JsValue)r!),
    ];

    public override void DropHostInput() => _hostInput = new();

    public override IReadOnlyList<Case> Executions() =>
    [
        new(MlDb, () => _script.Call("processOrders", _mlInput),
            Accept: (r, round) => Record(MlDb, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))),
        .. (RunOnGenericInput
            ? new Case[] { new(MlDbOnGenericInput, () => _script.Call("processOrders", (MlValue)GenericInput!),
                Accept: (r, round) => Record(MlDbOnGenericInput, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))) }
            : []),
        new(Jint, () => JintEngine.Call(JintFunction, _jsInput),
            Accept: (r, round) => Record(Jint, round, () => Canon.Format(((JsValue)r!).ToObject()))),
        new(CSharp, RunCSharp,
            Accept: (r, round) => Record(CSharp, round, () => Canon.Format(r))),
        .. (WithLimits
            ? new Case[]
            {
                new(MlDbLimited, () => _script.Call("processOrders", _mlInput, Limited),
                    Accept: (r, round) => Record(MlDbLimited, round, () => Canon.Format(MlHostConverter.Default.ToHost((MlValue)r!)))),
                new(JintConstrained, () => CallConstrained(_jsInput),
                    Accept: (r, round) => Record(JintConstrained, round, () => Canon.Format(((JsValue)r!).ToObject()))),
            }
            : []),
    ];

    private object ToMlByLayout()
    {
        var layout = MlObjectLayout.For(["id", "status", "total"]);
        var rows = new MlArray(_orders.Length);
        var values = new MlValue[3];
        foreach (var o in _orders)
        {
            values[0] = MlValue.FromInt(o.Id);
            values[1] = MlValue.FromString(o.Status);
            values[2] = MlValue.FromDouble(o.Total);
            rows.Add(layout.Create(values));
        }
        var data = MlObjectLayout.For(["rows", "count"]).Create([MlValue.FromArray(rows), MlValue.FromInt(_orders.Length)]);
        return MlValue.FromObject(data);
    }

    private object ToJint()
    {
        var items = new JsValue[_orders.Length];
        for (int i = 0; i < items.Length; i++)
        {
            var o = _orders[i];
            var row = new JsObject(JintEngine);
            row.FastSetDataProperty("id", JsNumber.Create(o.Id));
            row.FastSetDataProperty("status", JsString.Create(o.Status));
            row.FastSetDataProperty("total", JsNumber.Create(o.Total));
            items[i] = row;
        }
        var data = new JsObject(JintEngine);
        data.FastSetDataProperty("rows", new JsArray(JintEngine, items));
        data.FastSetDataProperty("count", JsNumber.Create(items.Length));
        return data;
    }

    /// <summary>The same computation in C#: a left fold for the revenue, then a grouping loop.</summary>
    private object RunCSharp()
    {
        var rows = _orders;
        double totalRevenue = 0;
        foreach (var o in rows) totalRevenue += o.Total;

        var byStatus = new Dictionary<string, StatusTotals>(StringComparer.Ordinal);
        for (int i = 0; i < rows.Length; i++)
        {
            var order = rows[i];
            if (!byStatus.TryGetValue(order.Status, out var group))
                byStatus[order.Status] = group = new StatusTotals();
            group.Count++;
            group.Revenue += order.Total;
        }

        return new Dictionary<string, object?>
        {
            ["total_orders"] = rows.Length,
            ["total_revenue"] = totalRevenue,
            ["average_order"] = totalRevenue / rows.Length,
            ["by_status"] = byStatus.ToDictionary(p => p.Key, p => (object?)new Dictionary<string, object?> { ["count"] = p.Value.Count, ["revenue"] = p.Value.Revenue }),
        };
    }

    private sealed class StatusTotals
    {
        public long Count;
        public double Revenue;
    }
}
