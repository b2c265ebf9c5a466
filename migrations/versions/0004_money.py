"""Presentment money, discounts and taxes per line, duties refunded: what Relay needs to refund
and cap in the customer's currency at what was really paid (issue 14, money).

All columns nullable: rows synced before this revision get them on their next sync, and
domain.money.line_money falls back to the shop-money price x quantity meanwhile.

Revision ID: 0004
Revises: 0003
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(15, 3)

NEW_COLUMNS = {
    "orders": (
        sa.Column("presentment_currency", sa.String(length=3), nullable=True),
        sa.Column("presentment_total", MONEY, nullable=True),
        sa.Column("taxes_included", sa.Boolean(), nullable=True),
        sa.Column("shipping_total", MONEY, nullable=True),
        sa.Column("presentment_shipping_total", MONEY, nullable=True),
    ),
    "line_items": (
        sa.Column("presentment_unit_price", MONEY, nullable=True),
        sa.Column("discounted_total", MONEY, nullable=True),
        sa.Column("presentment_discounted_total", MONEY, nullable=True),
        sa.Column("tax", MONEY, nullable=True),
        sa.Column("presentment_tax", MONEY, nullable=True),
    ),
    "refunds": (
        sa.Column("duties_amount", MONEY, nullable=True),
        sa.Column("shop_amount", MONEY, nullable=True),
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
            for column in reversed(columns):
                batch.drop_column(column.name)
