"""line_items.handled_by: who ships a line, from the Shopify fulfillment order holding it
(Relay's location: a supplier; any other location, pickup, local delivery, no shipping or a
gift card: the store). NULL for lines read before Relay knew, routed by SKU as before.

Revision ID: 0008
Revises: 0007
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only when missing: init-db stamps a pre-Alembic database at the baseline, and one made by
    # create_all from newer models already has it.
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("line_items")}
    if "handled_by" not in present:
        with op.batch_alter_table("line_items") as batch:
            batch.add_column(sa.Column("handled_by", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("line_items") as batch:
        batch.drop_column("handled_by")
