"""Reconciliation, per supplier: Relay's ledger (its payments and the money it took back)
against what Stripe and PayPal report for the supplier's account, to the cent. A payment Relay
records that the provider does not show (or shows with another amount), money moved at the
provider that Relay has no row for, a refund made outside Relay: each is a line that does not
match, and the page says the supplier is not balanced."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from domain.errors import NotFound
from domain.models.orders import Supplier
from domain.models.payments import SupplierPayment, SupplierTakeBack
from domain.models.shop import Shop
from domain.payments import providers
from extensions import db
from integrations import paypal_api, stripe_api

ZERO = Decimal("0")


@dataclass
class Line:
    reference: str
    receipt: str | None
    currency: str
    relay_paid: Decimal = ZERO
    provider_paid: Decimal = ZERO
    relay_taken_back: Decimal = ZERO
    provider_refunded: Decimal = ZERO
    payment_id: int | None = None

    @property
    def matches(self) -> bool:
        return (
            self.relay_paid == self.provider_paid
            and self.relay_taken_back == self.provider_refunded
        )


@dataclass
class Reconciliation:
    supplier: Supplier
    lines: list[Line] = field(default_factory=list)
    problem: str | None = None

    @property
    def balanced(self) -> bool:
        return self.problem is None and all(line.matches for line in self.lines)

    def totals(self) -> dict[str, dict[str, Decimal]]:
        sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for line in self.lines:
            for key in ("relay_paid", "provider_paid", "relay_taken_back", "provider_refunded"):
                sums[line.currency][key] += getattr(line, key)
        return {currency: dict(values) for currency, values in sums.items()}


def reconcile(shop: Shop, supplier_id: int) -> Reconciliation:
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or supplier.shop_id != shop.id:
        raise NotFound(_("No such supplier."))
    result = Reconciliation(supplier)
    payments = _succeeded(shop, supplier_id)
    lines = {p.provider_reference: _relay_line(p) for p in payments}
    try:
        if supplier.stripe_account_id:
            _stripe_side(shop, supplier, lines)
        for payment in payments:
            if payment.provider == "paypal" and payment.capture_reference:
                _paypal_side(payment, lines[payment.provider_reference])
    except providers.ProviderDown as exc:
        result.problem = exc.message
    result.lines = sorted(lines.values(), key=lambda line: line.receipt or "~")
    return result


def _succeeded(shop: Shop, supplier_id: int) -> list[SupplierPayment]:
    return list(
        db.session.scalars(
            select(SupplierPayment)
            .where(
                SupplierPayment.shop_id == shop.id,
                SupplierPayment.supplier_id == supplier_id,
                SupplierPayment.status == "succeeded",
            )
            .order_by(SupplierPayment.id)
        )
    )


def _relay_line(payment: SupplierPayment) -> Line:
    taken = db.session.scalars(
        select(SupplierTakeBack.amount).where(
            SupplierTakeBack.payment_id == payment.id, SupplierTakeBack.status == "succeeded"
        )
    ).all()
    return Line(
        reference=payment.provider_reference,
        receipt=payment.receipt_number,
        currency=payment.currency,
        relay_paid=payment.amount,
        relay_taken_back=sum(taken, ZERO),
        payment_id=payment.id,
    )


def _stripe_side(shop: Shop, supplier: Supplier, lines: dict[str, Line]) -> None:
    try:
        intents = stripe_api.list_intents(supplier.stripe_account_id)
        refunds = stripe_api.list_refunds(supplier.stripe_account_id)
    except stripe_api.StripeUnavailable as exc:
        raise providers.ProviderDown(_("Stripe could not be reached.")) from exc
    ours = {
        i.id: i
        for i in intents
        if i.status == "succeeded" and i.metadata.get("relay_shop_id") == str(shop.id)
    }
    for intent in ours.values():
        line = lines.setdefault(intent.id, Line(intent.id, None, intent.currency))
        line.provider_paid += stripe_api.from_minor(intent.amount_minor, intent.currency)
    for refund in refunds:
        if refund.payment_intent_id in ours and refund.status in ("succeeded", "pending"):
            line = lines[refund.payment_intent_id]
            line.provider_refunded += stripe_api.from_minor(refund.amount_minor, refund.currency)


def _paypal_side(payment: SupplierPayment, line: Line) -> None:
    try:
        capture = paypal_api.get_capture(payment.capture_reference)
    except paypal_api.PayPalUnavailable as exc:
        raise providers.ProviderDown(_("PayPal could not be reached.")) from exc
    if capture.status in ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"):
        line.provider_paid += capture.amount
    line.provider_refunded += capture.refunded
