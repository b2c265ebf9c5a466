"""Money back: when a customer is refunded for items a supplier was paid for through Relay, and
the supplier allows it, Relay takes that share back from the supplier's payment (a Stripe
refund on the supplier's own account, a PayPal capture refund). Otherwise the ledger entry
stays "to settle" by hand, as before.

One take-back per ledger entry (a unique key), its idempotency key made with it: a retried job
or a replayed webhook never takes money back twice, and never more than the payment left."""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import PUSH, background
from domain.clock import utcnow
from domain.errors import DomainError
from domain.models.payments import SupplierPayment, SupplierPaymentItem, SupplierTakeBack
from domain.models.refunds import SupplierLedgerEntry
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.payments import providers
from domain.transaction import atomic
from extensions import db

ZERO = Decimal("0")


def paid_through_relay(supplier_order_id: int) -> SupplierPayment | None:
    """The payment that paid this supplier order through Relay, if one did."""
    return db.session.scalars(
        select(SupplierPayment)
        .join(SupplierPaymentItem)
        .where(
            SupplierPaymentItem.supplier_order_id == supplier_order_id,
            SupplierPayment.status == "succeeded",
        )
        .order_by(SupplierPayment.id.desc())
    ).first()


def plan(entry: SupplierLedgerEntry) -> SupplierTakeBack | None:
    """Called when a ledger entry is written: take it back from the payment when allowed."""
    payment = paid_through_relay(entry.supplier_order_id)
    supplier = entry.supplier
    if payment is None or supplier is None or not supplier.refunds_taken_back:
        return None
    if payment.currency != entry.currency:
        return None  # owed in another currency than paid: settled by hand
    left = payment.amount - (payment.taken_back or ZERO) - _planned(payment.id)
    amount = min(entry.amount, left)
    if amount <= 0:
        return None
    take = SupplierTakeBack(
        shop_id=entry.shop_id,
        payment_id=payment.id,
        ledger_entry_id=entry.id,
        amount=amount,
        currency=entry.currency,
        idempotency_key=f"relay-back-{secrets.token_hex(12)}",
    )
    entry.status = "taking_back"
    db.session.add(take)
    db.session.flush()
    run.after_commit(take.id, shop_id=entry.shop_id)
    return take


def _planned(payment_id: int) -> Decimal:
    """Take-backs of the payment not done yet: they count against what is left."""
    pending = db.session.scalars(
        select(SupplierTakeBack.amount).where(
            SupplierTakeBack.payment_id == payment_id, SupplierTakeBack.status == "pending"
        )
    ).all()
    return sum(pending, ZERO)


@background(queue=PUSH, job_id="take-back-{0}", label=_l("Take a refund back from a supplier"))
def run(take_back_id: int) -> str:
    take = db.session.get(SupplierTakeBack, take_back_id)
    if take is None or take.status != "pending":
        return take.status if take else "gone"
    payment = take.payment
    try:
        done = providers.refund(payment, take.amount, idempotency_key=take.idempotency_key)
    except providers.ProviderDown:
        raise  # an outage: the job retries with the same key
    except DomainError as exc:
        return _record_failure(take_back_id, exc.message)
    with atomic():
        return _record_done(take_back_id, done)


def _record_done(take_back_id: int, done: providers.Returned) -> str:
    take = db.session.get(SupplierTakeBack, take_back_id, with_for_update=True)
    if take.status != "pending":
        return take.status
    payment = db.session.get(SupplierPayment, take.payment_id, with_for_update=True)
    take.status = "succeeded"
    take.provider_reference = done.reference
    take.done_at = utcnow()
    payment.taken_back = (payment.taken_back or ZERO) + take.amount
    entry = db.session.get(SupplierLedgerEntry, take.ledger_entry_id)
    entry.status = "settled"
    entry.settled_at = take.done_at
    entry.settled_by = "Stripe" if payment.provider == "stripe" else "PayPal"
    if entry.supplier_order is not None:
        timeline.record(
            entry.supplier_order.order,
            EventKind.MONEY_TAKEN_BACK,
            N_("%(amount)s taken back from %(supplier)s's payment (%(receipt)s)"),
            amount=timeline.money(take.amount, take.currency),
            supplier=payment.supplier_name,
            receipt=payment.receipt_number,
        )
    return "succeeded"


def _record_failure(take_back_id: int, message: str) -> str:
    with atomic():
        take = db.session.get(SupplierTakeBack, take_back_id, with_for_update=True)
        take.status = "failed"
        take.failure_message = message[:500]
        entry = db.session.get(SupplierLedgerEntry, take.ledger_entry_id)
        entry.status = "pending"  # to settle by hand, as when taking back is not allowed
    return "failed"


def confirm_from_provider(provider: str, refund_reference: str | None) -> str:
    """A refund event from the provider: Relay's own take-back (known), or one made elsewhere
    (shown on the reconciliation page, where it does not match Relay's ledger)."""
    if not refund_reference:
        return "ignored"
    known = db.session.scalar(
        select(SupplierTakeBack.id).where(SupplierTakeBack.provider_reference == refund_reference)
    )
    return "known take-back" if known else "refund made outside Relay"
