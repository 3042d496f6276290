# Rules reviewed like data, run under the sandbox limits of examples/sandbox-limits.ps1.

# A sound rule: a few dozen steps per row (the lines column holds JSON text).
function scoreOrder(row) {
    let score = 0;
    for (let line in JSON.parse(row.lines)) {
        score = score + line.qty * line.price;
    }
    return {customer: row.customer, score: round(score, 2)};
}

# A rule with a bug: for a negative quantity it never ends.
function countUnits(order) {
    let units = 0;
    for (let line in order.lines) {
        let left = line.qty;
        while (left != 0) {
            units = units + 1;
            left = left - 1;
        }
    }
    order.units = units;
    return order;
}

# A report that grows its text without bound: the memory limit stops it before the process grows.
function runawayReport(data) {
    let text = "orders: " + str(data.count);
    while (true) {
        text = text + "\n" + text;
    }
}

# A slow one: fine with time to spare, stopped by -TimeoutSeconds otherwise.
function slowSummary(data) {
    let checks = 0;
    let i = 0;
    while (i < 200000000) {
        checks = checks + 1;
        i = i + 1;
    }
    return {orders: data.count, checks: checks};
}
