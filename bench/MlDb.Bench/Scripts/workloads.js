// JavaScript twins of the ML workloads, run by Jint. Each function is a line-by-line
// translation of the ML text (seed scripts: '#' comments, 'elif'), so both engines run the
// same algorithm.

// W1: postgres_processors.ml processOrders
function processOrders(data) {
    let rows = data.rows;

    // Calculate totals
    let totalRevenue = rows.reduce(function(sum, order) {
        return sum + order.total;
    }, 0);

    // Group by status
    let byStatus = {};
    let i = 0;
    while (i < rows.length) {
        let order = rows[i];
        let status = order.status;

        if (!byStatus[status]) {
            byStatus[status] = {
                "count": 0,
                "revenue": 0
            };
        }

        byStatus[status].count = byStatus[status].count + 1;
        byStatus[status].revenue = byStatus[status].revenue + order.total;

        i = i + 1;
    }

    return {
        "total_orders": rows.length,
        "total_revenue": totalRevenue,
        "average_order": totalRevenue / rows.length,
        "by_status": byStatus
    };
}

// W2: db_processors.ml validateUser + the bench's enrichUser (enrich_user.ml)
function validateUser(user) {
    let errors = [];

    // Validate name
    if (!user.name || user.name.length < 2) {
        errors.push("Name must be at least 2 characters");
    }

    // Validate email
    if (!user.email || user.email.indexOf("@") < 0) {
        errors.push("Invalid email address");
    }

    // Validate age
    if (!user.age || user.age < 0 || user.age > 150) {
        errors.push("Age must be between 0 and 150");
    }

    if (errors.length > 0) {
        throw "Validation failed: " + errors.join(", ");
    }

    return user;
}

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

// W3: orm_processors.ml analyzeProducts
function analyzeProducts(data) {
    let items = data.items;

    // Calculate statistics
    let totalValue = items.reduce(function(sum, product) {
        return sum + (product.price * product.stock);
    }, 0);

    let avgPrice = items.reduce(function(sum, p) {
        return sum + p.price;
    }, 0) / items.length;

    // Find low stock items
    let lowStock = items.filter(function(p) {
        return p.stock < 10;
    });

    // Group by price range
    let priceRanges = {
        "budget": 0,      // < $20
        "mid": 0,         // $20-$50
        "premium": 0      // > $50
    };

    let i = 0;
    while (i < items.length) {
        let price = items[i].price;
        if (price < 20) {
            priceRanges.budget = priceRanges.budget + 1;
        } else if (price < 50) {
            priceRanges.mid = priceRanges.mid + 1;
        } else {
            priceRanges.premium = priceRanges.premium + 1;
        }
        i = i + 1;
    }

    return {
        "total_products": items.length,
        "total_inventory_value": totalValue,
        "average_price": avgPrice,
        "low_stock_count": lowStock.length,
        "low_stock_items": lowStock,
        "price_distribution": priceRanges
    };
}

// W4: top_scores.ml
function topScores(rows) {
    return rows.sort(function(a, b) { return b.score - a.score; }).slice(0, 100);
}
