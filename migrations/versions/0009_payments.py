"""Paying suppliers (issue 15): payments and their items, money taken back, saved payment
methods, suppliers' shipping prices, exchange rates, payment providers' events; and on
suppliers how they take payment, their VAT and whether refunds may be taken back.

Revision ID: 0009
Revises: 0008
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FALSE = sa.text("false")
NEW_COLUMNS = {
    "supplier_orders": (sa.Column("payment_failure", sa.Text(), nullable=True),),
    "suppliers": (
        sa.Column("accepts_card", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("accepts_paypal", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("stripe_account_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_charges_enabled", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("paypal_email", sa.String(length=255), nullable=True),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("vat_applies", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("refunds_taken_back", sa.Boolean(), server_default=FALSE, nullable=False),
    ),
}


def upgrade() -> None:
    # Only what is missing: a database made by create_all from newer models has them already.
    inspector = sa.inspect(op.get_bind())
    if "supplier_payments" not in inspector.get_table_names():
        _create_tables()
    indexes = {i["name"] for i in inspector.get_indexes("supplier_orders")}
    if "ix_supplier_orders_shop_unpaid" not in indexes:
        op.create_index(
            "ix_supplier_orders_shop_unpaid",
            "supplier_orders",
            ["shop_id", "supplier_id", "status", "order_id"],
            postgresql_where=sa.text("supplier_paid_at IS NULL"),
            sqlite_where=sa.text("supplier_paid_at IS NULL"),
        )
    for table, columns in NEW_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        missing = [column for column in columns if column.name not in present]
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)


def _create_tables() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rate_date", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("per_euro", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rate_date", "currency", name="uq_exchange_rates_day"),
    )
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_events_event"),
    )
    op.create_table(
        "saved_payment_methods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("setup_reference", sa.String(length=128), nullable=True),
        sa.Column("stripe_customer_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_payment_method_id", sa.String(length=64), nullable=True),
        sa.Column("paypal_vault_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_saved_payment_methods_shop",
        "saved_payment_methods",
        ["shop_id", "kind", "status"],
        unique=False,
    )
    op.create_table(
        "shipping_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("per_order", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("per_extra_item", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("delivery_days", sa.String(length=32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_shipping_rates_supplier", "shipping_rates", ["supplier_id", "position"], unique=False
    )
    op.create_table(
        "supplier_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("supplier_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("goods", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("shipping", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("vat", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("shop_currency", sa.String(length=3), nullable=False),
        sa.Column("shop_amount", sa.Numeric(precision=15, scale=3), nullable=True),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=True),
        sa.Column("rate_date", sa.String(length=10), nullable=True),
        sa.Column("rate_source", sa.String(length=64), nullable=True),
        sa.Column("provider_account", sa.String(length=255), nullable=True),
        sa.Column("provider_reference", sa.String(length=128), nullable=True),
        sa.Column("capture_reference", sa.String(length=128), nullable=True),
        sa.Column("card_label", sa.String(length=128), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("taken_back", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_supplier_payments_idempotency_key"),
    )
    op.create_index(
        "ix_supplier_payments_reference",
        "supplier_payments",
        ["provider", "provider_reference"],
        unique=False,
    )
    op.create_index(
        "ix_supplier_payments_shop_supplier",
        "supplier_payments",
        ["shop_id", "supplier_id", "status"],
        unique=False,
    )
    op.create_table(
        "supplier_payment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("supplier_order_id", sa.Integer(), nullable=True),
        sa.Column("order_name", sa.String(length=64), nullable=False),
        sa.Column("goods", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("shipping", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("shipping_method", sa.String(length=64), nullable=True),
        sa.Column("vat", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["supplier_payments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_order_id"], ["supplier_orders.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payment_id", "supplier_order_id", name="uq_payment_items_order"),
    )
    op.create_index(
        "ix_supplier_payment_items_order",
        "supplier_payment_items",
        ["supplier_order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_supplier_payment_items_payment_id"),
        "supplier_payment_items",
        ["payment_id"],
        unique=False,
    )
    op.create_table(
        "supplier_take_backs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=15, scale=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_reference", sa.String(length=128), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"], ["supplier_ledger_entries.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["payment_id"], ["supplier_payments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_take_backs_idempotency_key"),
        sa.UniqueConstraint("ledger_entry_id", name="uq_take_backs_ledger_entry"),
    )
    op.create_index(
        op.f("ix_supplier_take_backs_payment_id"),
        "supplier_take_backs",
        ["payment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_supplier_orders_shop_unpaid", table_name="supplier_orders")
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
    op.drop_index(op.f("ix_supplier_take_backs_payment_id"), table_name="supplier_take_backs")
    op.drop_table("supplier_take_backs")
    op.drop_index(op.f("ix_supplier_payment_items_payment_id"), table_name="supplier_payment_items")
    op.drop_index("ix_supplier_payment_items_order", table_name="supplier_payment_items")
    op.drop_table("supplier_payment_items")
    op.drop_index("ix_supplier_payments_shop_supplier", table_name="supplier_payments")
    op.drop_index("ix_supplier_payments_reference", table_name="supplier_payments")
    op.drop_table("supplier_payments")
    op.drop_index("ix_shipping_rates_supplier", table_name="shipping_rates")
    op.drop_table("shipping_rates")
    op.drop_index("ix_saved_payment_methods_shop", table_name="saved_payment_methods")
    op.drop_table("saved_payment_methods")
    op.drop_table("payment_events")
    op.drop_table("exchange_rates")
