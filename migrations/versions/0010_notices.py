"""Talking to suppliers and customers (issue 16): the mail outbox, notification boards,
messages and notes to customers; suppliers' mail language and daily digest; the shop's
contact email and language.

Revision ID: 0010
Revises: 0009
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FALSE = sa.text("false")
NEW_COLUMNS = {
    "suppliers": (
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("daily_digest", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("digest_sent_on", sa.String(length=10), nullable=True),
    ),
    "shops": (
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
    ),
}
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models has them already.
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "outbound_mails" not in tables:
        _create_outbox()
    if "notifications" not in tables:
        _create_notifications()
    if "order_messages" not in tables:
        _create_conversation()
    for table, columns in NEW_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        missing = [column for column in columns if column.name not in present]
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)


def _create_outbox() -> None:
    op.create_table(
        "outbound_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=255), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("sender_name", sa.String(length=255), nullable=False),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key", "recipient", name="uq_outbound_mails_event_recipient"),
    )
    op.create_index(
        "ix_outbound_mails_unsent",
        "outbound_mails",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_outbound_mails_shop_created", "outbound_mails", ["shop_id", "created_at"])
    op.create_index("ix_outbound_mails_supplier_id", "outbound_mails", ["supplier_id"])


def _create_notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("supplier_order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("read_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_order_id"], ["supplier_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "recipient", "event_key", name="uq_notifications_event"),
    )
    op.create_index("ix_notifications_board", "notifications", ["shop_id", "recipient", "id"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["shop_id", "recipient"],
        postgresql_where=sa.text("read_at IS NULL"),
        sqlite_where=sa.text("read_at IS NULL"),
    )


def _create_conversation() -> None:
    op.create_table(
        "order_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("supplier_order_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_order_id"], ["supplier_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_messages_shop_id", "order_messages", ["shop_id"])
    op.create_index(
        "ix_order_messages_thread", "order_messages", ["supplier_id", "supplier_order_id", "id"]
    )
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("store_note_status", sa.String(length=16), nullable=False),
        sa.Column("store_note_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_notes_shop_id", "customer_notes", ["shop_id"])
    op.create_index("ix_customer_notes_order_id", "customer_notes", ["order_id"])


def downgrade() -> None:
    for table in ("customer_notes", "order_messages", "notifications", "outbound_mails"):
        op.drop_table(table)
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
