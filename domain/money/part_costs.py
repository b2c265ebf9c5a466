"""What a supplier is paid for its part of an order: each line at the supplier's cost
(VariantMapping.cost), or, with no cost mapped, at the line's discounted price in the shop's
currency (the only figure there is), as supplier_ledger counts refunds; and the most it can
still owe back for a part once it was cancelled after being paid (cancelled_parts)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from domain.models.orders import LineItem, SupplierOrder, VariantMapping
from domain.models.refunds import SupplierLedgerEntry
from domain.money import line_money
from extensions import db

ZERO = Decimal("0")
CANCELLATION = "cancellation"  # SupplierLedgerEntry.kind of a paid part cancelled


def unit_cost(part: SupplierOrder, line: LineItem) -> tuple[Decimal, str, str]:
    """(cost of one unit of the line, its currency, basis: "cost" or "refunded_amount")."""
    mapping = db.session.scalar(
        select(VariantMapping).where(
            VariantMapping.shop_id == part.shop_id, VariantMapping.sku == line.sku
        )
    )
    if mapping is not None and mapping.cost is not None:
        currency = mapping.cost_currency or part.supplier.currency or part.order.currency
        return mapping.cost, currency, "cost"
    bought = line.bought_quantity or 1
    price = line_money.discounted_total(line, shop=True) / bought
    return price, part.order.currency, "refunded_amount"


def bought_cost(part: SupplierOrder) -> dict[str, Decimal]:
    """{currency: what every unit bought of the part's lines costs the merchant}: the most the
    supplier can ever owe back for the part."""
    totals: dict[str, Decimal] = {}
    for line in part.line_items:
        cost, currency, _ = unit_cost(part, line)
        totals[currency] = totals.get(currency, ZERO) + cost * line.bought_quantity
    return totals


def owed_so_far(part: SupplierOrder, currency: str) -> Decimal:
    return db.session.scalar(
        select(func.coalesce(func.sum(SupplierLedgerEntry.amount), 0)).where(
            SupplierLedgerEntry.supplier_order_id == part.id,
            SupplierLedgerEntry.currency == currency,
        )
    )


def has_cancellation_entry(part: SupplierOrder) -> bool:
    return (
        db.session.scalar(
            select(SupplierLedgerEntry.id).where(
                SupplierLedgerEntry.supplier_order_id == part.id,
                SupplierLedgerEntry.kind == CANCELLATION,
            )
        )
        is not None
    )


def still_owed_cap(part: SupplierOrder, currency: str) -> Decimal | None:
    """What a refund may still claim from a cancelled part whose cancellation was already
    owed back (None: no cap, the part was not cancelled after being paid)."""
    if not has_cancellation_entry(part):
        return None
    return max(ZERO, bought_cost(part).get(currency, ZERO) - owed_so_far(part, currency))
