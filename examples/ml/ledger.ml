# Transactions scenario: review a set of operations before any of them runs.

function reviewOperations(data) {
    let problems = [];
    let i = 0;

    while (i < data.operations.length) {
        let op = data.operations[i];
        let label = "operation " + str(i + 1);

        if (op.type != "insert" && op.type != "update" && op.type != "delete") {
            problems.push(label + ": unknown type " + op.type);
        }
        if ((op.type == "update" || op.type == "delete") && !op.id) {
            problems.push(label + ": " + op.type + " needs an id");
        }
        if (op.values && op.values.balance != null && op.values.balance < 0) {
            problems.push(label + ": balance cannot go below zero");
        }
        i = i + 1;
    }

    return {
        "valid": problems.length == 0,
        "errors": problems,
        "checked": data.operations.length
    };
}
