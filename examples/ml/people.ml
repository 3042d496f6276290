# Rules for examples/mongo-users.ps1, written for MlDb in the spirit of the seed's MongoDB
# scenario: check and enrich a user document before it is inserted, report on the users found,
# and total the groups an aggregation pipeline returns.

# Called once per document before the insert: a bad address rejects the document (nothing is
# written), a good one gains computed fields.
function prepareUser(user) {
    let at = user.email ? user.email.indexOf("@") : -1;
    if (at < 1) {
        throw "Invalid email address";
    }
    user.full_name = user.first_name + " " + user.last_name;
    user.email_domain = user.email.slice(at + 1);
    if (user.age < 30) {
        user.age_group = "young";
    } elif (user.age < 60) {
        user.age_group = "adult";
    } else {
        user.age_group = "senior";
    }
    return user;
}

# Called once with {documents, count} after a find.
function userReport(data) {
    let active = 0;
    let byCountry = {};
    for (let user in data.documents) {
        if (user.last_login != null) {
            active = active + 1;
        }
        let country = user.country || "Unknown";
        byCountry[country] = (byCountry[country] || 0) + 1;
    }
    return {
        "total_users": data.count,
        "active_users": active,
        "by_country": byCountry,
        "activity_rate": data.count > 0 ? active * 100.0 / data.count : 0.0
    };
}

# Called once with {results, count} after an aggregation pipeline.
function totalGroups(data) {
    let report = {"total_records": data.count, "data": data.results};
    if (data.count > 0) {
        report.total_value = sum(data.results.map(fn(group) => group.total || 0));
    }
    return report;
}
