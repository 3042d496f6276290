# Rules for examples/postgres-orders.ps1, written for MlDb in the spirit of the seed's
# PostgreSQL scenario: a weekly revenue report by status, and stamping new rows before a batch load.

# Called once with {rows, count} after the query. NUMERIC columns arrive as decimals, so the
# revenue sums stay exact (19.99 + 0.01 is 20.00, never 20.000000000000004).
function summarizeOrders(data) {
    let byStatus = {};
    let revenue = 0;
    for (let order in data.rows) {
        revenue = revenue + order.total;
        let bucket = byStatus[order.status] || {"count": 0, "revenue": 0};
        bucket.count = bucket.count + 1;
        bucket.revenue = bucket.revenue + order.total;
        byStatus[order.status] = bucket;
    }
    return {
        "total_orders": data.count,
        "total_revenue": revenue,
        "average_order": data.count > 0 ? revenue / data.count : 0,
        "by_status": byStatus
    };
}

# Called once per batch with {records: [...]}; returns the records to insert.
function stampProducts(batch) {
    let stamp = new Date().toISOString();
    let stamped = batch.records.map(function (record) {
        if (record.quantity < 0) {
            throw "Negative quantity for " + record.product;
        }
        record.created_at = stamp;
        record.processed = true;
        return record;
    });
    return {"records": stamped};
}
