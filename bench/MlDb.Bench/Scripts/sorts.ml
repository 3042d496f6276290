# The sort suite (bench/README.md, "Sorts"). Rows {id, score, name}: distinct scores, distinct names.
import collections;

# S1: the 100 best rows by score — W4's line: a sort whose result goes straight into a slice.
function topScores(rows) {
    return rows.sort(function(a, b) { return b.score - a.score; }).slice(0, 100);
}

# S2: the whole array by score, descending.
function sortScores(rows) {
    return rows.sort(function(a, b) { return b.score - a.score; });
}

# S3: the whole array by a string key, with a comparison chain.
function sortNames(rows) {
    return rows.sort(function(a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
}

# S4: S2 with a comparator the fast path does not take (its body declares a variable): every
# comparison calls it — the general path, for reference.
function sortScoresGeneral(rows) {
    return rows.sort(function(a, b) { let d = b.score - a.score; return d; });
}

# S5: collections.sortBy with a key function, best first, then the first 100.
function topScoresBy(rows) {
    return collections.sortBy(rows, fn(r) => r.score, true).slice(0, 100);
}
