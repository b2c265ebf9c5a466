"""Automatic payment (pay_mode auto): the merchant saved a card or a PayPal agreement once; when
an order is due to go to the supplier, Relay charges it off-session first. The forward job asks
`payment_due` (its own unit of work: the payment row is committed before any money moves), then
`charge`, then sends the order only if the supplier is paid.

A worker killed between the charge and recording it leaves the row `processing`: the next run
charges again with the row's idempotency key, and the provider answers with the first charge.
A decline or a request for authentication is recorded as a failure (nobody is there to answer
it): the order is not sent, and the merchant sees "Payment failed" with a Pay now link."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from domain.models.orders import SupplierOrder
from domain.models.payments import SavedPaymentMethod, SupplierPayment, SupplierPaymentItem
from domain.models.shop import Shop
from domain.notices import to_merchant
from domain.payments import gate, payment_rows, providers, quote, settle
from domain.transaction import atomic
from extensions import db


def saved_method(shop_id: int, methods: list[str]) -> SavedPaymentMethod | None:
    """The merchant's saved method the supplier takes: a card first, else PayPal."""
    saved = db.session.scalars(
        select(SavedPaymentMethod).where(
            SavedPaymentMethod.shop_id == shop_id,
            SavedPaymentMethod.status == "active",
            SavedPaymentMethod.kind.in_(methods),
        )
    ).all()
    by_kind = {m.kind: m for m in saved}
    return by_kind.get("card") or by_kind.get("paypal")


def _payments_of(supplier_order_id: int) -> list[SupplierPayment]:
    return list(
        db.session.scalars(
            select(SupplierPayment)
            .join(SupplierPaymentItem)
            .where(SupplierPaymentItem.supplier_order_id == supplier_order_id)
            .order_by(SupplierPayment.id)
        )
    )


def payment_due(supplier_order_id: int) -> int | None:
    """The automatic payment to charge before this order is sent: one in progress, or a new
    one. None when nothing is to be charged (paid, not automatic, or it failed once: the
    merchant pays it by hand then)."""
    with atomic():
        supplier_order = db.session.get(
            SupplierOrder, supplier_order_id, with_for_update=True, populate_existing=True
        )
        if supplier_order is None or supplier_order.status != "scheduled":
            return None
        supplier = supplier_order.supplier
        if not (gate.must_pay_first(supplier_order) and supplier.pays_automatically):
            return None
        earlier = _payments_of(supplier_order_id)
        live = [p for p in earlier if p.status in settle.LIVE and p.automatic]
        if live:
            return live[-1].id
        if any(p.status == "failed" and p.automatic for p in earlier):
            return None
        return _new_automatic(supplier_order)


def _new_automatic(supplier_order: SupplierOrder) -> int | None:
    supplier = supplier_order.supplier
    shop = db.session.get(Shop, supplier_order.shop_id)
    saved = saved_method(shop.id, payment_rows.methods_ready(supplier))
    priced = quote.quote(shop, supplier, [supplier_order], {})
    problem = _why_not(supplier, saved, priced)
    if problem:
        supplier_order.payment_failure = problem
        to_merchant.payment_failed(supplier_order, problem, None)
        return None
    payment = payment_rows.new_payment(shop, supplier, priced, method=saved.kind, automatic=True)
    return payment.id


def _why_not(supplier, saved, priced) -> str | None:
    if not payment_rows.methods_ready(supplier):
        return _(
            "%(supplier)s pays automatically but takes no payment through Relay: it must "
            "connect Stripe or PayPal first.",
            supplier=supplier.name,
        )
    if saved is None:
        return _(
            "Automatic payment needs a saved card or PayPal account (Settings → Automatic payment)."
        )
    if priced.payable:
        return None
    problems = [part.problem for part in priced.unpayable if part.problem]
    return priced.supplier_problem or " ".join(problems) or None


def charge(payment_id: int) -> str:
    """Charge the automatic payment (if still to charge) and record what the provider said."""
    payment = db.session.get(SupplierPayment, payment_id)
    if payment is None or payment.status not in settle.LIVE:
        return payment.status if payment else "gone"
    saved = saved_method(payment.shop_id, [payment.method])
    if saved is None:
        outcome = providers.Outcome(
            status=providers.FAILED,
            failure_code="no_saved_method",
            failure_message=_("The saved payment method was removed."),
        )
    else:
        outcome = providers.charge_saved(payment, saved)
    with atomic():
        locked = settle.lock(payment_id)
        settle.record(locked, outcome)
        return locked.status


def failure_of(supplier_order: SupplierOrder) -> str | None:
    return supplier_order.payment_failure
