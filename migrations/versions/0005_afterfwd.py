"""Changes made in Shopify after forwarding: an order deleted there, a customer's data erased,
and what the supplier of a part was told (the merchant fulfilled it or cancelled the order).

Revision ID: 0005
Revises: 0004
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW_COLUMNS = {
    "orders": (
        sa.Column("customer_gid", sa.String(length=255), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_redacted_at", sa.DateTime(timezone=True), nullable=True),
    ),
    "supplier_orders": (
        sa.Column("store_change", sa.String(length=32), nullable=True),
        sa.Column("merchant_fulfilled", sa.JSON(), nullable=True),
    ),
}


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models has them already.
    inspector = sa.inspect(op.get_bind())
    for table, columns in NEW_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        missing = [column for column in columns if column.name not in present]
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)


def downgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
