"""Recording what a payment provider said about a payment: the one place a payment's status and
its supplier orders' "paid" change. Idempotent: a succeeded payment stays succeeded, and
recording the same outcome twice (the browser's return and the webhook) changes nothing more.

Returns the supplier orders a success released, for the caller to send (it knows the job)."""

from __future__ import annotations

from sqlalchemy import select

from domain.clock import utcnow
from domain.models.orders import SupplierOrder
from domain.models.payments import SupplierPayment, SupplierPaymentItem
from domain.money import cancelled_parts
from domain.notices import to_merchant
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.payments import providers
from extensions import db

LIVE = ("open", "requires_action", "processing")
FINAL = ("succeeded", "failed", "cancelled")


def lock(payment_id: int) -> SupplierPayment | None:
    return db.session.get(SupplierPayment, payment_id, with_for_update=True, populate_existing=True)


def supplier_orders_of(payment: SupplierPayment) -> list[SupplierOrder]:
    ids = [item.supplier_order_id for item in payment.items if item.supplier_order_id]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(SupplierOrder)
            .where(SupplierOrder.id.in_(ids))
            .order_by(SupplierOrder.id)
            .with_for_update()
        )
    )


def record(payment: SupplierPayment, outcome: providers.Outcome) -> list[SupplierOrder]:
    """Apply the provider's outcome to a locked payment; the supplier orders now paid."""
    if payment.status in FINAL:
        return []  # decided once: a late or replayed event changes nothing
    payment.updated_at = utcnow()
    payment.provider_reference = outcome.reference or payment.provider_reference
    payment.capture_reference = outcome.capture_reference or payment.capture_reference
    payment.card_label = outcome.card_label or payment.card_label
    if outcome.status == providers.SUCCEEDED:
        return _succeeded(payment)
    if outcome.status == providers.FAILED:
        _failed(payment, outcome)
        return []
    payment.status = "requires_action" if outcome.status == providers.NEEDS_PAYER else "processing"
    if outcome.failure_message:  # a card declined in the checkout: the payer may try another
        payment.failure_code = outcome.failure_code
        payment.failure_message = outcome.failure_message
    return []


def _succeeded(payment: SupplierPayment) -> list[SupplierOrder]:
    now = utcnow()
    payment.status = "succeeded"
    payment.paid_at = now
    payment.failure_code = payment.failure_message = None
    how = N_("by card") if payment.method == "card" else N_("by PayPal")
    released = []
    for supplier_order in supplier_orders_of(payment):
        supplier_order.payment_failure = None
        if supplier_order.supplier_paid_at is not None:
            continue
        supplier_order.supplier_paid_at = now
        item = _item(payment, supplier_order)
        timeline.record(
            supplier_order.order,
            EventKind.SUPPLIER_PAID,
            N_("%(supplier)s paid %(amount)s %(how)s (receipt %(receipt)s)")
            if not payment.automatic
            else N_("%(supplier)s paid %(amount)s automatically %(how)s (receipt %(receipt)s)"),
            supplier=payment.supplier_name,
            amount=timeline.money(item.total, payment.currency),
            how=how,
            receipt=payment.receipt_number,
        )
        # Cancelled while its checkout was still open: the money moved all the same, so
        # the supplier owes it back, as for a part cancelled after it was paid.
        cancelled_parts.record_cancellation(supplier_order)
        released.append(supplier_order)
    return released


def _failed(payment: SupplierPayment, outcome: providers.Outcome) -> None:
    payment.status = "failed"
    payment.failure_code = outcome.failure_code
    payment.failure_message = outcome.failure_message or outcome.failure_code
    reason = payment.failure_message or "?"
    for supplier_order in supplier_orders_of(payment):
        if supplier_order.supplier_paid_at is not None:
            continue
        supplier_order.payment_failure = reason[:500]
        timeline.record(
            supplier_order.order,
            EventKind.SUPPLIER_PAYMENT_FAILED,
            N_("Payment to %(supplier)s failed: %(reason)s. Not sent until it is paid."),
            supplier=payment.supplier_name,
            reason=reason,
        )
        if payment.automatic:
            to_merchant.payment_failed(supplier_order, reason, payment.id)


def _item(payment: SupplierPayment, supplier_order: SupplierOrder) -> SupplierPaymentItem:
    return next(i for i in payment.items if i.supplier_order_id == supplier_order.id)


def cancel(payment: SupplierPayment) -> None:
    """The payer gave up (PayPal approval abandoned, checkout cancelled): nothing was paid."""
    if payment.status in FINAL:
        return
    payment.status = "cancelled"
    payment.updated_at = utcnow()
