"""Scheduled deliveries and Shopify's holds (issue 14): a supplier order's `scheduled_for`
(its next delivery's fulfillAt while it waits) and `store_holds` (Shopify's holds with reason
and notes), and `supplier_deliveries`, what was sent to the supplier per fulfillment order.

Revision ID: 0007
Revises: 0006
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


NEW_COLUMNS = (
    sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
    sa.Column("store_holds", sa.JSON(), nullable=True),
)


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models has it already.
    inspector = sa.inspect(op.get_bind())
    present = {c["name"] for c in inspector.get_columns("supplier_orders")}
    missing = [column for column in NEW_COLUMNS if column.name not in present]
    if missing:
        with op.batch_alter_table("supplier_orders") as batch:
            for column in missing:
                batch.add_column(column)
    if "supplier_deliveries" in inspector.get_table_names():
        return
    op.create_table(
        "supplier_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "supplier_order_id",
            sa.Integer(),
            sa.ForeignKey("supplier_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "shop_id", sa.Integer(), sa.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("fulfillment_order_gid", sa.String(255), nullable=False),
        sa.Column("quantities", sa.JSON(), nullable=False),
        sa.Column("supplier_reference", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint(
            "supplier_order_id", "fulfillment_order_gid", name="uq_supplier_deliveries_fo"
        ),
    )
    op.create_index(
        "ix_supplier_deliveries_supplier_order_id", "supplier_deliveries", ["supplier_order_id"]
    )
    op.create_index(
        "ix_supplier_deliveries_reference", "supplier_deliveries", ["supplier_reference"]
    )


def downgrade() -> None:
    op.drop_table("supplier_deliveries")
    with op.batch_alter_table("supplier_orders") as batch:
        batch.drop_column("store_holds")
        batch.drop_column("scheduled_for")
