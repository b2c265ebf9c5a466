"""The grid's sort indexes cover its order filters (issue 18): a search or filter walks the
sort's index alone and stops once the page has its rows (domain/orders/grid.py).

ix_orders_shop_created/name/total (shop_id, sort column, id) become ix_orders_shop_*_q, the
same keys carrying created_at, store_status and search_text (INCLUDE on PostgreSQL, trailing
key columns on SQLite). Building them reads the orders table once per index (about 10 s per
million orders on PostgreSQL; writes to orders wait meanwhile).

Revision ID: 0011
Revises: 0010
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FILTER_COLUMNS = ("created_at", "store_status", "search_text")
SORTS = {"created": "created_at", "name": "name", "total": "total"}


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models has them already.
    bind = op.get_bind()
    indexes = {i["name"] for i in sa.inspect(bind).get_indexes("orders")}
    for short, sort in SORTS.items():
        carried = [c for c in FILTER_COLUMNS if c != sort]
        if f"ix_orders_shop_{short}_q" not in indexes:
            if bind.dialect.name == "postgresql":
                op.create_index(
                    f"ix_orders_shop_{short}_q",
                    "orders",
                    ["shop_id", sort, "id"],
                    postgresql_include=carried,
                )
            else:
                op.create_index(
                    f"ix_orders_shop_{short}_q", "orders", ["shop_id", sort, "id", *carried]
                )
        if f"ix_orders_shop_{short}" in indexes:
            op.drop_index(f"ix_orders_shop_{short}", table_name="orders")


def downgrade() -> None:
    for short, sort in SORTS.items():
        op.create_index(f"ix_orders_shop_{short}", "orders", ["shop_id", sort, "id"])
        op.drop_index(f"ix_orders_shop_{short}_q", table_name="orders")
