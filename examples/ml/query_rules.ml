# Query optimisation scenario: the parameters a query is allowed to run with.

function boundParameters(params) {
    # Never read more than 500 rows at once
    if (!params.limit || params.limit > 500) {
        params.limit = 500;
    }
    # Default to the last 30 days
    if (!params.since) {
        params.since = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    }
    return params;
}

function eventSummary(data) {
    let kinds = {};
    for (row in data.rows) {
        kinds[row.kind] = (kinds[row.kind] || 0) + 1;
    }
    return {"events": data.count, "kinds": kinds};
}
