"""Paying suppliers (issue 15): what a merchant pays a supplier through Relay, by card on the
supplier's own Stripe account (a direct charge: Relay never holds the money) or by PayPal with
the supplier as payee; the money taken back from those payments when customers are refunded;
the merchant's saved payment methods for automatic payment; the shipping prices suppliers
charge; the exchange rates a payment's shop-currency figure is locked at; and the payment
providers' webhook events, each processed once.

A payment's rows keep the order names and items they paid for as they were then: the money
trail survives the order's cancellation, deletion and redaction (supplier_order_id may go)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.models.orders import MONEY, Supplier
from extensions import db

# Units of the shop's currency per unit of the supplier's: wide enough for HUF per KWD.
RATE = Numeric(20, 10)


class ShippingRate(db.Model):
    """One shipping method of a supplier to one destination zone: a price per order plus a price
    per extra item. Empty `countries`: everywhere the supplier's other zones do not name."""

    __tablename__ = "shipping_rates"
    __table_args__ = (Index("ix_shipping_rates_supplier", "supplier_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    zone: Mapped[str] = mapped_column(String(64))
    countries: Mapped[list] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(64))
    per_order: Mapped[Decimal] = mapped_column(MONEY)
    per_extra_item: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    delivery_days: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)

    supplier: Mapped[Supplier] = relationship()


class SavedPaymentMethod(db.Model):
    """What a merchant saved once for automatic payment: a card (a Stripe customer's payment
    method on Relay's platform account, cloned onto each supplier's account per charge) or a
    PayPal billing agreement (a vault token). `pending` until the merchant finishes saving it."""

    __tablename__ = "saved_payment_methods"
    __table_args__ = (Index("ix_saved_payment_methods_shop", "shop_id", "kind", "status"),)
    KINDS = ("card", "paypal")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    label: Mapped[str | None] = mapped_column(String(128))
    # The setup step's reference (a SetupIntent, a PayPal setup token).
    setup_reference: Mapped[str | None] = mapped_column(String(128))
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    stripe_payment_method_id: Mapped[str | None] = mapped_column(String(64))
    paypal_vault_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SupplierPayment(db.Model):
    """One payment to one supplier for one or more of its orders, in the supplier's currency.
    The shop-currency figure is at a rate locked when the payment was made (rate_date/source).
    `idempotency_key` is derived from this row: every call that moves its money carries it, so
    two tabs, a double click or a retried job pay once."""

    __tablename__ = "supplier_payments"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_supplier_payments_idempotency_key"),
        Index("ix_supplier_payments_shop_supplier", "shop_id", "supplier_id", "status"),
        Index("ix_supplier_payments_reference", "provider", "provider_reference"),
    )
    STATUSES = ("open", "requires_action", "processing", "succeeded", "failed", "cancelled")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    supplier_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="open")
    # card | paypal; automatic: charged off-session with a saved method at forwarding time.
    method: Mapped[str] = mapped_column(String(8))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    provider: Mapped[str] = mapped_column(String(8))  # stripe | paypal
    currency: Mapped[str] = mapped_column(String(3))
    goods: Mapped[Decimal] = mapped_column(MONEY)
    shipping: Mapped[Decimal] = mapped_column(MONEY)
    vat: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    shop_currency: Mapped[str] = mapped_column(String(3))
    shop_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    rate: Mapped[Decimal | None] = mapped_column(RATE)
    rate_date: Mapped[str | None] = mapped_column(String(10))
    rate_source: Mapped[str | None] = mapped_column(String(64))
    # Where the money went: the supplier's Stripe account or PayPal payee.
    provider_account: Mapped[str | None] = mapped_column(String(255))
    # The PaymentIntent / PayPal order, and the charge / capture that moved the money.
    provider_reference: Mapped[str | None] = mapped_column(String(128))
    capture_reference: Mapped[str | None] = mapped_column(String(128))
    card_label: Mapped[str | None] = mapped_column(String(128))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    taken_back: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[SupplierPaymentItem]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", order_by="SupplierPaymentItem.id"
    )

    @property
    def receipt_number(self) -> str:
        return f"RP-{self.id:06d}"


class SupplierPaymentItem(db.Model):
    """One supplier order a payment pays for, with its figures and items as they were."""

    __tablename__ = "supplier_payment_items"
    __table_args__ = (
        UniqueConstraint("payment_id", "supplier_order_id", name="uq_payment_items_order"),
        Index("ix_supplier_payment_items_order", "supplier_order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_payments.id", ondelete="CASCADE"), index=True
    )
    supplier_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="SET NULL")
    )
    order_name: Mapped[str] = mapped_column(String(64))
    goods: Mapped[Decimal] = mapped_column(MONEY)
    shipping: Mapped[Decimal] = mapped_column(MONEY)
    shipping_method: Mapped[str | None] = mapped_column(String(64))
    vat: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    # [{"sku", "title", "quantity", "unit_cost"}] at the supplier's cost, as paid.
    lines: Mapped[list] = mapped_column(JSON, default=list)

    payment: Mapped[SupplierPayment] = relationship(back_populates="items")


class SupplierTakeBack(db.Model):
    """Money taken back from a supplier's payment for a customer refund (a Stripe refund on the
    supplier's account, a PayPal capture refund): one per ledger entry, keyed like a payment."""

    __tablename__ = "supplier_take_backs"
    __table_args__ = (
        UniqueConstraint("ledger_entry_id", name="uq_take_backs_ledger_entry"),
        UniqueConstraint("idempotency_key", name="uq_take_backs_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_payments.id", ondelete="CASCADE"), index=True
    )
    ledger_entry_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_ledger_entries.id", ondelete="CASCADE")
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider_reference: Mapped[str | None] = mapped_column(String(128))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    payment: Mapped[SupplierPayment] = relationship()


class ExchangeRate(db.Model):
    """The European Central Bank's daily reference rate of one currency: units per euro."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("rate_date", "currency", name="uq_exchange_rates_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rate_date: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    per_euro: Mapped[Decimal] = mapped_column(RATE)
    source: Mapped[str] = mapped_column(String(64))
    # When Relay last read this rate from the source: older than 48 h and rates are stale.
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PaymentEvent(db.Model):
    """One row per provider event id: what makes a replayed webhook change nothing."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_events_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(8))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
