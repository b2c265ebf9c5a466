"""A supplier order paid for and then cancelled keeps its money trail: the supplier owes back
what it was paid for the cancelled (unshipped) items, at cost, as one SupplierLedgerEntry of
kind `cancellation`, settled like a refund's (supplier_ledger: automatic when both sides pay
through Relay, else by hand). Whichever comes first, the cancellation or the refund Shopify
makes with it, the supplier never owes more for the part than it cost: `still_owed_cap`
bounds the other. A supplier already paid out is settled outside Relay; an unpaid one owes
nothing."""

from __future__ import annotations

from decimal import Decimal

from domain.models.orders import SupplierOrder
from domain.models.refunds import SupplierLedgerEntry
from domain.money.amounts import round_to_currency
from domain.money.part_costs import (
    CANCELLATION,
    bought_cost,
    has_cancellation_entry,
    owed_so_far,
    unit_cost,
)
from domain.money.supplier_ledger import settles_automatically
from domain.notices import to_suppliers
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.payments import take_back
from extensions import db

ZERO = Decimal("0")


def _shipped(part: SupplierOrder) -> dict[int, int]:
    shipped: dict[int, int] = {}
    for parcel in part.parcels:
        for line in parcel.lines:
            shipped[line.line_item_id] = shipped.get(line.line_item_id, 0) + line.quantity
    return shipped


def _cancelled_cost(part: SupplierOrder) -> tuple[dict[str, Decimal], dict[str, str]]:
    """{currency: cost of the units cancelled (held now, not shipped)} and the basis of each."""
    shipped, cost, basis = _shipped(part), {}, {}
    for line in part.line_items:
        units = max(0, line.quantity - shipped.get(line.id, 0))
        if not units:
            continue
        unit, currency, how = unit_cost(part, line)
        cost[currency] = cost.get(currency, ZERO) + unit * units
        basis[currency] = how if basis.get(currency, how) == how else "mixed"
    return cost, basis


def record_cancellation(part: SupplierOrder) -> list[SupplierLedgerEntry]:
    """The part was cancelled: write what its supplier owes back, if it was paid and not paid
    out, and tell the supplier (a part already sent). Call in the unit of work that cancelled
    it; a second call adds nothing."""
    entries = _owed_back(part)
    to_suppliers.part_cancelled(part, entries)
    return entries


def _owed_back(part: SupplierOrder) -> list[SupplierLedgerEntry]:
    if (
        part.status != "cancelled"
        or part.supplier is None
        or part.supplier_paid_at is None
        or part.supplier_paid_out_at is not None
        or has_cancellation_entry(part)
    ):
        return []
    automatic = settles_automatically(part.supplier)
    costs, basis = _cancelled_cost(part)
    entries = []
    for currency, cost in sorted(costs.items()):
        ceiling = bought_cost(part).get(currency, ZERO) - owed_so_far(part, currency)
        amount = round_to_currency(min(cost, ceiling), currency)
        if amount <= 0:
            continue
        entry = SupplierLedgerEntry(
            shop_id=part.shop_id,
            supplier_id=part.supplier_id,
            supplier_order_id=part.id,
            refund_id=None,
            kind=CANCELLATION,
            amount=amount,
            currency=currency,
            status="automatic" if automatic else "pending",
            basis=basis[currency],
        )
        db.session.add(entry)
        db.session.flush()
        take_back.plan(entry)  # paid through Relay and allowed: taken back from the payment
        entries.append(entry)
        timeline.record(
            part.order,
            EventKind.SUPPLIER_OWES,
            N_(
                "%(supplier)s owes %(amount)s back: it was paid for this order, then it was "
                "cancelled; deducted from its next payout"
            )
            if automatic
            else N_(
                "%(supplier)s owes %(amount)s back: it was paid for this order, then it was "
                "cancelled; to settle by hand"
            ),
            supplier=part.supplier.name,
            amount=timeline.money(amount, currency),
        )
    db.session.flush()
    return entries
