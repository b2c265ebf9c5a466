"""Order edits and which orders move: a line's current quantity apart from what was ordered,
follow-up supplier parts (lines added after a part was sent), test orders, and the webhook
topics a shop was subscribed to.

- line_items.quantity now holds Shopify's currentQuantity; ordered_quantity keeps
  LineItem.quantity (refunds count against it). Existing rows had the ordered quantity in
  `quantity`, so it is copied over; the next sync of each order brings the current one.
- supplier_orders.part / line_items.part: 1 for every existing row; the unique key
  (order_id, supplier_id) becomes (order_id, supplier_id, part).
- orders.test: false for existing rows (they were all treated as real orders).
- shops.webhook_topics: null, so every installed shop gets the new topics at its next sweep.

Revision ID: 0006
Revises: 0005
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models (then stamped at
    # the baseline) has these already. Plain ADD COLUMNs: no table rebuild on SQLite, where
    # orders carries the search triggers.
    inspector = sa.inspect(op.get_bind())

    def add(table: str, column: sa.Column) -> bool:
        if any(c["name"] == column.name for c in inspector.get_columns(table)):
            return False
        op.add_column(table, column)
        return True

    if add("line_items", sa.Column("ordered_quantity", sa.Integer(), nullable=True)):
        op.execute("UPDATE line_items SET ordered_quantity = quantity")
    add("line_items", sa.Column("part", sa.Integer(), server_default="1", nullable=False))
    add("orders", sa.Column("test", sa.Boolean(), server_default=sa.false(), nullable=False))
    add("shops", sa.Column("webhook_topics", sa.String(length=64), nullable=True))
    add("supplier_orders", sa.Column("part", sa.Integer(), server_default="1", nullable=False))
    uniques = {u["name"] for u in inspector.get_unique_constraints("supplier_orders")}
    if "uq_supplier_orders_order_supplier" in uniques:
        with op.batch_alter_table("supplier_orders") as batch:
            batch.drop_constraint("uq_supplier_orders_order_supplier", type_="unique")
            batch.create_unique_constraint(
                "uq_supplier_orders_order_supplier_part", ["order_id", "supplier_id", "part"]
            )


def downgrade() -> None:
    with op.batch_alter_table("supplier_orders") as batch:
        batch.drop_constraint("uq_supplier_orders_order_supplier_part", type_="unique")
        batch.create_unique_constraint(
            "uq_supplier_orders_order_supplier", ["order_id", "supplier_id"]
        )
        batch.drop_column("part")
    op.drop_column("shops", "webhook_topics")
    op.drop_column("orders", "test")
    op.execute(
        "UPDATE line_items SET quantity = ordered_quantity WHERE ordered_quantity IS NOT NULL"
    )
    op.drop_column("line_items", "part")
    op.drop_column("line_items", "ordered_quantity")
