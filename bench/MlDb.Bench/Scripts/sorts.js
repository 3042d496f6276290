// The JavaScript twins of sorts.ml (S5 has none: JavaScript has no collections.sortBy).
function topScores(rows) {
    return rows.sort(function(a, b) { return b.score - a.score; }).slice(0, 100);
}

function sortScores(rows) {
    return rows.sort(function(a, b) { return b.score - a.score; });
}

function sortNames(rows) {
    return rows.sort(function(a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
}

function sortScoresGeneral(rows) {
    return rows.sort(function(a, b) { let d = b.score - a.score; return d; });
}
