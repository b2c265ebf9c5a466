"""An index on supplier_orders.supplier_reference (issue 18): every webhook from a supplier's
store looks up the order Relay placed there by that store's order gid
(channels.placed_in_supplier_store, orders.webhooks, orders.from_retailers); without it each
one was a sequential scan of supplier_orders.

Revision ID: 0012
Revises: 0011
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEX = "ix_supplier_orders_supplier_reference"


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models has it already.
    indexes = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("supplier_orders")}
    if INDEX not in indexes:
        op.create_index(INDEX, "supplier_orders", ["supplier_reference"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="supplier_orders")
