# Users scenario (SQLite): screen users before they are stored, digest them after a query.

function screenUser(user) {
    let issues = [];

    if (!user.name || user.name.length < 2) {
        issues.push("name needs at least 2 characters");
    }
    if (!user.email || user.email.indexOf("@") < 1) {
        issues.push("email is not an address");
    }
    if (!user.age || user.age < 0 || user.age > 120) {
        issues.push("age must be between 0 and 120");
    }

    if (issues.length > 0) {
        throw "User rejected: " + issues.join(", ");
    }

    user.email = user.email.toLowerCase();
    return user;
}

function userDigest(data) {
    let rows = data.rows;

    let ageSum = rows.reduce(function(sum, user) {
        return sum + user.age;
    }, 0);

    # Count users per mail domain
    let domains = {};
    let i = 0;
    while (i < rows.length) {
        let domain = rows[i].email.split("@")[1];
        domains[domain] = (domains[domain] || 0) + 1;
        i = i + 1;
    }

    return {
        "user_count": data.count,
        "mean_age": rows.length > 0 ? ageSum / rows.length : null,
        "by_domain": domains,
        "names": rows.map(function(u) { return u.name; })
    };
}
