#Requires -Version 7.4
# Seed scenario "ORM integration": products validated on create, the catalog read with -Table and
# -Filter ({items, count} to ML), a per-row price advice, and a batch import in transactions.
. (Join-Path $PSScriptRoot '_common.ps1')
try {
    Connect-MlDatabase -ConnectionString (Join-Path $WorkFolder 'products.db') -Name shop
    Invoke-MlQuery -Connection shop -Query 'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, stock INTEGER DEFAULT 0, imported_at DATETIME)'
    $catalog = Import-MlScript (Join-Path $MlFolder 'catalog.ml')

    $created = @(
        @{ name = 'Super Widget'; price = 39.99; stock = 100 }
        @{ name = 'Gizmo'; price = 12.5 }
        @{ name = 'X'; price = 0 }
        @{ name = 'Deluxe Lamp'; price = 120.0; stock = 4 }
    ) | Add-MlRecord -Connection shop -Table products -Script $catalog -Function screenProduct -ErrorVariable rejected -ErrorAction SilentlyContinue
    Show 'Created product ids' ($created -join ', ')
    Show 'Rejected' ($rejected | ForEach-Object { $_.Exception.Message })

    $import = 1..250 | ForEach-Object { @{ name = " Part $_ "; price = 1.0 + ($_ % 40); stock = $_ % 150 } } |
        Add-MlRecord -Connection shop -Table products -Script $catalog -BatchFunction stampBatch -BatchSize 100
    Show 'Batch import (one transaction per batch)' $import

    $report = Invoke-MlQuery -Connection shop -Table products -Script $catalog -Function catalogReport
    Show 'catalogReport of every product' ($report | Format-List product_count, stock_value)
    Show 'Price tiers' $report.tiers

    $lowStock = Invoke-MlQuery -Connection shop -Table products -Filter @{ stock = 4 } -Script $catalog -Function catalogReport
    Show 'catalogReport with -Filter @{ stock = 4 }' $lowStock.reorder

    Show 'priceAdvice per row (first 5)' (Invoke-MlQuery -Connection shop -Query 'SELECT name, price, stock FROM products ORDER BY id LIMIT 5' -Script $catalog -Function priceAdvice -PerRow)
}
finally {
    Disconnect-MlDatabase -All
    Remove-Item -LiteralPath $WorkFolder -Recurse -Force
}
