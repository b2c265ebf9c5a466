"""Supplier page costs at the grid's scale: 100,000 orders of one shop among 1,000,000 rows.

Two queries a supplier page and a mapping change send, each against the naive version it
replaced, in the same run on the same data:

- the "SKUs without a supplier" list: the latest 1,000 orders waiting for a supplier
  (domain.suppliers.sku_mappings.unmapped_skus) vs every line item of the shop;
- the orders a mapping change re-routes: driven by the open supplier orders' index
  (domain.orders.rerouting) vs an EXISTS over every order of the shop.

Needs the database bench/grid.py fills (`python bench/grid.py --keep`, then reuse it):

    python bench/supplier_pages.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import exists, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.grid import BENCH_SHOP, catch_up_schema, make_app, pg_urls  # noqa: E402

NAIVE_UNMAPPED = text(
    """
    SELECT li.sku, count(DISTINCT li.order_id) AS n, max(li.title)
    FROM line_items li JOIN orders o ON o.id = li.order_id
    WHERE o.shop_id = :shop AND li.sku IS NOT NULL AND li.sku <> ''
      AND NOT EXISTS (SELECT 1 FROM variant_mappings vm
                      WHERE vm.shop_id = :shop AND vm.sku = li.sku)
    GROUP BY li.sku ORDER BY n DESC, li.sku
    """
)


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _, url = pg_urls()
    catch_up_schema(url)
    app = make_app(url)
    with app.app_context():
        from domain.models.orders import LineItem, Order, SupplierOrder
        from domain.models.shop import Shop
        from domain.orders import rerouting
        from domain.suppliers import sku_mappings
        from extensions import db

        shop = db.session.get(Shop, BENCH_SHOP)
        orders = db.session.scalar(select(func.count()).where(Order.shop_id == shop.id))
        print(f"shop {shop.id}: {orders:,} orders")

        naive_ms, naive = timed(
            lambda: db.session.execute(NAIVE_UNMAPPED, {"shop": shop.id}).all(), args.runs
        )
        new_ms, new = timed(lambda: sku_mappings.unmapped_skus(shop), args.runs)
        print(
            f"unmapped SKUs list: {new_ms:.1f} ms (latest 1,000 waiting orders, {new.total} SKUs)"
            f" vs {naive_ms:.1f} ms scanning every line item ({len(naive)} SKUs):"
            f" ratio {new_ms / naive_ms:.2f}"
        )

        skus = {row.sku for row in new.rows[:2]} or {"GIFT-CRD-000"}
        has_sku = exists().where(LineItem.order_id == Order.id, LineItem.sku.in_(skus))
        naive_q = select(func.count()).where(
            Order.shop_id == shop.id,
            has_sku,
            exists().where(
                SupplierOrder.order_id == Order.id,
                SupplierOrder.status.in_(rerouting.REROUTABLE),
            ),
        )
        new_q = select(func.count()).where(
            Order.shop_id == shop.id,
            Order.id.in_(
                select(SupplierOrder.order_id).where(
                    SupplierOrder.shop_id == shop.id,
                    SupplierOrder.status.in_(rerouting.REROUTABLE),
                )
            ),
            has_sku,
        )
        naive_ms, naive_n = timed(lambda: db.session.scalar(naive_q), args.runs)
        new_ms, new_n = timed(lambda: db.session.scalar(new_q), args.runs)
        assert naive_n == new_n
        print(
            f"orders to re-route for {len(skus)} SKUs ({new_n:,} orders): {new_ms:.1f} ms"
            f" vs {naive_ms:.1f} ms: ratio {new_ms / naive_ms:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
