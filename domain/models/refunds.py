"""Refunds recorded in Shopify (made in Relay or mirrored from the Shopify admin) and what each
supplier owes back because of them.

A Refund made in Relay is written `pending` before Shopify is asked (the order row is locked
meanwhile, so the refundable amount cannot be spent twice), then `recorded` with Shopify's
refund id, or `failed` with Shopify's reason. Pending and recorded refunds both count as spent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.models.orders import MONEY, LineItem, Order, Supplier, SupplierOrder
from extensions import db


class Refund(db.Model):
    __tablename__ = "refunds"
    __table_args__ = (
        # A form's key is spent once: a double submit (two tabs, a double click) finds it.
        UniqueConstraint("shop_id", "idempotency_key", name="uq_refunds_shop_key"),
        # A Shopify refund is mirrored once, whichever of Relay or the webhook sees it first.
        UniqueConstraint("shop_id", "shopify_gid", name="uq_refunds_shop_gid"),
        Index("ix_refunds_order", "order_id", "status"),
    )
    STATUSES = ("pending", "recorded", "failed")
    SOURCES = ("relay", "shopify")  # made in Relay's form | made in the Shopify admin

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    shopify_gid: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16), default="relay")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Money returned to the customer (lines + shipping + duties), in the currency the customer
    # paid in (the order's presentment currency; the shop's for a one-currency order).
    amount: Mapped[Decimal] = mapped_column(MONEY)
    shipping_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    # Import duties given back (part of `amount`); None on refunds made before 0004.
    duties_amount: Mapped[Decimal | None] = mapped_column(MONEY, default=Decimal("0"))
    # The same refund in the shop's currency, as Shopify booked it (None until it answered, or
    # when the two currencies are one).
    shop_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    # The customer sees it (Shopify's refund note, in the refund notification).
    reason: Mapped[str | None] = mapped_column(Text)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[Order] = relationship()
    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", cascade="all, delete-orphan", order_by="RefundLine.id"
    )


class RefundLine(db.Model):
    __tablename__ = "refund_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    line_item_id: Mapped[int] = mapped_column(
        ForeignKey("line_items.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # How many of the refunded items went back to stock (came back sellable, or never left).
    restock_quantity: Mapped[int] = mapped_column(Integer, default=0)

    refund: Mapped[Refund] = relationship(back_populates="lines")
    line_item: Mapped[LineItem] = relationship()


class SupplierLedgerEntry(db.Model):
    """Money between the merchant and a supplier outside an order's payment. kind `refund`:
    the supplier owes back its share of a refund. automatic: deducted from the supplier's next
    payout (both sides pay through Relay); pending: the merchant settles it by hand. kind
    `cancellation` (no refund): a paid supplier order was cancelled, the supplier owes back
    what it was paid for the cancelled items (domain.money.cancelled_parts)."""

    __tablename__ = "supplier_ledger_entries"
    __table_args__ = (
        # One entry per supplier (and currency) per refund: recording a refund twice adds none.
        UniqueConstraint(
            "refund_id", "supplier_order_id", "currency", name="uq_ledger_refund_supplier"
        ),
        Index("ix_ledger_shop_supplier", "shop_id", "supplier_id", "status"),
    )
    KINDS = ("refund", "cancellation")
    STATUSES = ("automatic", "pending", "taking_back", "settled")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    supplier_order_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="CASCADE")
    )
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="refund")
    # What the supplier owes the merchant, in the currency the supplier was paid in.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    # How the amount was reached (e.g. "at cost" / "at the refunded amount"): shown as is.
    basis: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_by: Mapped[str | None] = mapped_column(String(255))

    supplier: Mapped[Supplier] = relationship()
    supplier_order: Mapped[SupplierOrder] = relationship()
    refund: Mapped[Refund | None] = relationship()
