# Rules for examples/redis-cache.ps1, written for MlDb in the spirit of the seed's Redis
# scenario: stamp a value before it is cached, count reads of a cached user, and size up
# everything cached under a key pattern.

# Before Set-MlCache stores the value as JSON.
function stampEntry(entry) {
    entry.cached_at = new Date().toISOString();
    entry.ttl = 3600;
    return entry;
}

# After Get-MlCache -Key reads a cached user.
function touchUser(user) {
    user.last_accessed = new Date().toISOString();
    user.access_count = (user.access_count || 0) + 1;
    return user;
}

# After Get-MlCache -Pattern: called once with {items, count}.
function cacheReport(data) {
    let bytes = 0;
    for (let item in data.items) {
        bytes = bytes + len(JSON.stringify(item));
    }
    return {"total_items": data.count, "estimated_size_bytes": bytes, "items": data.items};
}
