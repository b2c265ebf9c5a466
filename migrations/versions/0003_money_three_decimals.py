"""Every money column is Numeric(15, 3), as the refund tables' already were: an order total, a
line's price or a SKU's cost in KWD, BHD or OMR keeps its third decimal (they were
Numeric(14, 2)). Twelve digits before the point, as before, so every stored amount fits.

PostgreSQL only: SQLite keeps any number in a NUMERIC column whatever precision it declares
(schema.compare_type does not compare it there), and rebuilding `orders` to change the
declaration would drop the search index's triggers on it.

Revision ID: 0003
Revises: 0002
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(15, 3)
TWO_DECIMALS = sa.Numeric(14, 2)
# Were Numeric(14, 2); the refund tables (refunds, refund_lines, supplier_ledger_entries) were
# made with Numeric(15, 3) already.
WIDENED = (
    ("orders", "total"),
    ("line_items", "unit_price"),
    ("variant_mappings", "cost"),
)


def upgrade() -> None:
    _retype(MONEY)


def downgrade() -> None:
    _retype(TWO_DECIMALS)  # PostgreSQL rounds a third decimal away


def _retype(money: sa.Numeric) -> None:
    # Only what differs: a database made by create_all from newer models has these already.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    inspector = sa.inspect(bind)
    for table, column in WIDENED:
        current = next(c["type"] for c in inspector.get_columns(table) if c["name"] == column)
        if (current.precision, current.scale) != (money.precision, money.scale):
            op.alter_column(table, column, type_=money, existing_type=current)
