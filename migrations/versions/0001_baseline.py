"""Baseline: the schema as `db.create_all()` made it before Relay used Alembic.

A new database gets every table from the models (create_all) and is stamped at the newest
revision; a database made before this revision is stamped here by init-db. Later revisions
change what came before them, so write them with `alembic revision --autogenerate`.

Revision ID: 0001
Revises:
Created: 2026-11-25
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # made by create_all


def downgrade() -> None:
    pass
