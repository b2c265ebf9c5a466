"""What each supplier was paid through Relay, per currency: paid, taken back for refunds, still
owed back (the ledger entries not settled), and paid out (its money released for good)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from domain.models.orders import SupplierOrder
from domain.models.payments import SupplierPayment, SupplierPaymentItem
from domain.models.refunds import SupplierLedgerEntry
from domain.models.shop import Shop
from extensions import db

ZERO = Decimal("0")
OWED = ("pending", "automatic", "taking_back")


@dataclass
class Figures:
    paid: Decimal = ZERO
    taken_back: Decimal = ZERO
    owed: Decimal = ZERO
    paid_out: Decimal = ZERO


def by_supplier(shop: Shop) -> dict[int, dict[str, Figures]]:
    """{supplier id: {currency: Figures}} in four grouped queries."""
    figures: dict[int, dict[str, Figures]] = defaultdict(lambda: defaultdict(Figures))
    paid = db.session.execute(
        select(
            SupplierPayment.supplier_id,
            SupplierPayment.currency,
            func.sum(SupplierPayment.amount),
            func.sum(SupplierPayment.taken_back),
        )
        .where(SupplierPayment.shop_id == shop.id, SupplierPayment.status == "succeeded")
        .group_by(SupplierPayment.supplier_id, SupplierPayment.currency)
    )
    for supplier_id, currency, amount, taken_back in paid:
        figures[supplier_id][currency].paid = amount or ZERO
        figures[supplier_id][currency].taken_back = taken_back or ZERO
    owed = db.session.execute(
        select(
            SupplierLedgerEntry.supplier_id,
            SupplierLedgerEntry.currency,
            func.sum(SupplierLedgerEntry.amount),
        )
        .where(SupplierLedgerEntry.shop_id == shop.id, SupplierLedgerEntry.status.in_(OWED))
        .group_by(SupplierLedgerEntry.supplier_id, SupplierLedgerEntry.currency)
    )
    for supplier_id, currency, amount in owed:
        figures[supplier_id][currency].owed = amount or ZERO
    paid_out = db.session.execute(
        select(
            SupplierPayment.supplier_id,
            SupplierPayment.currency,
            func.sum(SupplierPaymentItem.total),
        )
        .join(SupplierPaymentItem, SupplierPaymentItem.payment_id == SupplierPayment.id)
        .join(SupplierOrder, SupplierOrder.id == SupplierPaymentItem.supplier_order_id)
        .where(
            SupplierPayment.shop_id == shop.id,
            SupplierPayment.status == "succeeded",
            SupplierOrder.supplier_paid_out_at.is_not(None),
        )
        .group_by(SupplierPayment.supplier_id, SupplierPayment.currency)
    )
    for supplier_id, currency, amount in paid_out:
        figures[supplier_id][currency].paid_out = amount or ZERO
    return {sid: dict(by_currency) for sid, by_currency in figures.items()}
