# The validation of the write-path benchmark: the e-mail must have a local part and a domain; the
# domain is added as a column. Records that fail are rejected (none do in the benchmark's feed).
function check(u) {
    if (!u.email || u.email.indexOf("@") < 1) {
        throw "invalid email";
    }
    u.domain = u.email.split("@")[1];
    return u;
}

# The same rule over a batch: {records: [...]} in, {records: [...]} out.
function checkBatch(batch) {
    return {records: batch.records.map(check)};
}
