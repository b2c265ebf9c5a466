"""Stripe's and PayPal's webhook events, verified by the view, each processed once: the event's
id is recorded in the same unit of work as what it changed, so a replayed event changes
nothing, and one that failed half-way is retried whole by the provider.

Events only say *that* something happened: Relay reads the payment's state from the provider
again and records that, so events arriving out of order (succeeded before requires_action, a
capture denied after it completed) never move a payment backwards."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.clock import utcnow
from domain.models.orders import Supplier
from domain.models.payments import PaymentEvent, SupplierPayment
from domain.payments import checkout, providers, settle, take_back
from domain.transaction import atomic
from extensions import db

STRIPE_PAYMENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.processing",
    "payment_intent.canceled",
)
PAYPAL_PAYMENT_EVENTS = (
    "PAYMENT.CAPTURE.COMPLETED",
    "PAYMENT.CAPTURE.DENIED",
    "PAYMENT.CAPTURE.PENDING",
)


def _first_time(provider: str, event_id: str, event_type: str, reference: str | None) -> bool:
    """Record the event id in this unit of work; False when it was recorded before (a replay,
    or the same event delivered twice at once: the other delivery holds the row)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(PaymentEvent.__table__)
        .values(
            provider=provider,
            event_id=event_id[:255],
            event_type=event_type[:64],
            reference=(reference or "")[:128] or None,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(PaymentEvent.__table__.c.id)
    )
    return db.session.execute(statement).scalar() is not None


def _payment(provider: str, reference: str | None) -> SupplierPayment | None:
    if not reference:
        return None
    return db.session.scalars(
        select(SupplierPayment)
        .where(
            SupplierPayment.provider == provider, SupplierPayment.provider_reference == reference
        )
        .with_for_update()
    ).first()


def _stripe_relevant(kind: str) -> bool:
    return (
        kind in STRIPE_PAYMENT_EVENTS
        or kind == "account.updated"
        or kind.startswith(("charge.refund", "refund."))
    )


def stripe_event(event) -> str:
    """A verified Stripe event: what Relay did with it. Events Relay does not act on are
    acknowledged and not kept (Stripe sends every event of the account)."""
    if not _stripe_relevant(event.type):
        return "ignored"
    with atomic():
        if not _first_time("stripe", event.id, event.type, event.object_id):
            return "duplicate"
        if event.type in STRIPE_PAYMENT_EVENTS:
            return _refresh(_payment("stripe", event.object_id))
        if event.type == "account.updated" and event.object is not None:
            return _account_updated(event.object)
        if event.type.startswith("charge.refund") or event.type.startswith("refund."):
            return take_back.confirm_from_provider("stripe", event.object_id)
        return "ignored"


PAYPAL_RELEVANT = (
    "CHECKOUT.ORDER.APPROVED",
    *PAYPAL_PAYMENT_EVENTS,
    "PAYMENT.CAPTURE.REFUNDED",
)


def paypal_event(event) -> str:
    if event.event_type not in PAYPAL_RELEVANT:
        return "ignored"
    with atomic():
        if not _first_time("paypal", event.id, event.event_type, event.resource_id):
            return "duplicate"
        if event.event_type == "CHECKOUT.ORDER.APPROVED":
            # The payer approved but may never come back to Relay's return page: capture now.
            payment = _payment("paypal", event.order_id or event.resource_id)
            if payment is None or payment.status not in settle.LIVE:
                return "nothing to capture"
            checkout.send_paid(settle.record(payment, providers.capture_paypal(payment)))
            return payment.status
        if event.event_type in PAYPAL_PAYMENT_EVENTS:
            return _refresh(_payment("paypal", event.order_id))
        if event.event_type == "PAYMENT.CAPTURE.REFUNDED":
            return take_back.confirm_from_provider("paypal", event.resource_id)
        return "ignored"


def _refresh(payment: SupplierPayment | None) -> str:
    if payment is None:
        return "not Relay's payment"
    if payment.status == "succeeded":
        return "already paid"
    checkout.send_paid(settle.record(payment, providers.current(payment)))
    return payment.status


def _account_updated(account) -> str:
    suppliers = db.session.scalars(
        select(Supplier).where(Supplier.stripe_account_id == account.id)
    ).all()
    for supplier in suppliers:
        supplier.stripe_charges_enabled = bool(account.charges_enabled)
    return f"{len(suppliers)} supplier(s) updated"
