"""Webhook receipts can be set aside (parked) with a reason, instead of re-run forever.

Revision ID: 0002
Revises: 0001
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


NEW_COLUMNS = (
    sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("park_reason", sa.String(length=32), nullable=True),
)


def upgrade() -> None:
    # Only what is missing: init-db stamps a pre-Alembic database at the baseline, and one made
    # by create_all from newer models already has these columns.
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("webhook_receipts")}
    missing = [column for column in NEW_COLUMNS if column.name not in present]
    if missing:
        with op.batch_alter_table("webhook_receipts") as batch:
            for column in missing:
                batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("webhook_receipts") as batch:
        batch.drop_column("park_reason")
        batch.drop_column("parked_at")
