# Bench addition to the seed's db_processors.ml (W2). The bench appends this text to the seed
# text and compiles both as one script, so one host call per user row runs the seed's
# validateUser and then this enrichment.
function enrichUser(user) {
    let valid = validateUser(user);
    let domain = valid.email.split("@")[1];
    let age = valid.age;
    let ageGroup = age < 18 ? "minor" : age < 30 ? "young" : age < 50 ? "adult" : age < 65 ? "middle" : "senior";
    return {
        "id": valid.id,
        "name": valid.name,
        "email": valid.email,
        "domain": domain,
        "age_group": ageGroup
    };
}
