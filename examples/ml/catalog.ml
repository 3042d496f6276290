# Products scenario (ORM-style): screen products, report on the catalog, advise prices.

function screenProduct(product) {
    let issues = [];

    if (!product.name || product.name.length < 3) {
        issues.push("name needs at least 3 characters");
    }
    if (!product.price || product.price <= 0) {
        issues.push("price must be above zero");
    }
    if (product.stock && product.stock < 0) {
        issues.push("stock cannot be negative");
    }

    if (issues.length > 0) {
        throw "Product rejected: " + issues.join(", ");
    }

    if (!product.stock) {
        product.stock = 0;
    }
    return product;
}

function catalogReport(data) {
    let items = data.items;

    let stockValue = items.reduce(function(sum, p) {
        return sum + p.price * p.stock;
    }, 0);

    let reorder = items.filter(function(p) {
        return p.stock < 10;
    }).map(function(p) {
        return p.name;
    });

    let tiers = {"cheap": 0, "standard": 0, "luxury": 0};
    for (p in items) {
        if (p.price < 20) {
            tiers.cheap = tiers.cheap + 1;
        } elif (p.price < 50) {
            tiers.standard = tiers.standard + 1;
        } else {
            tiers.luxury = tiers.luxury + 1;
        }
    }

    return {
        "product_count": data.count,
        "stock_value": stockValue,
        "reorder": reorder,
        "tiers": tiers
    };
}

# Called once per row: suggests a price from the stock level.
function priceAdvice(row) {
    let factor = 1.0;
    if (row.stock > 100) {
        factor = 0.85;
    } elif (row.stock < 10) {
        factor = 1.15;
    }
    return {
        "name": row.name,
        "price": row.price,
        "suggested": Math.round(row.price * factor * 100) / 100
    };
}

# Batch function: {records: [...]} in, {records: [...]} out.
function stampBatch(batch) {
    return {
        "records": batch.records.map(function(r) {
            r.imported_at = new Date().toISOString();
            r.name = r.name.trim();
            return r;
        })
    };
}
