# Nightly customer sync (PostgreSQL): each row of a CSV feed is checked and normalised before it is
# upserted on its e-mail address. Import-Csv hands over every field as text. The messages of a
# rejected row say what is wrong, never the row's values: they end up in logs.

function syncCustomer(row) {
    let issues = [];

    let email = (row.email || "").trim().toLowerCase();
    if (email.indexOf("@") < 1 || email.indexOf(" ") >= 0) {
        issues.push("email is not an address");
    }
    let name = (row.name || "").trim();
    if (name.length < 2) {
        issues.push("name needs at least 2 characters");
    }
    let country = (row.country || "").trim().toUpperCase();
    if (country.length != 2) {
        issues.push("country must be a 2-letter code");
    }
    let limit = null;
    try {
        limit = decimal((row.credit_limit || "").trim());
    } catch (e) {
        issues.push("credit limit is not a number");
    }
    if (limit != null && limit < 0) {
        issues.push("credit limit cannot be negative");
    }
    if (issues.length > 0) {
        throw "Customer rejected: " + issues.join(", ");
    }

    return {
        email: email,
        name: name,
        country: country,
        credit_limit: limit,
        changed_at: new Date(row.changed_at)
    };
}

# The same rule for the batch form (large feeds): {records: [...]} in and out. One bad row rejects
# its whole batch there, so a feed that may hold bad rows goes through syncCustomer record by record.
function syncBatch(batch) {
    return {records: batch.records.map(syncCustomer)};
}
