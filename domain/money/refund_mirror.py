"""Refunds made in the Shopify admin, mirrored from the refunds/create webhook, so Relay's
ledger of refunds and Shopify's never disagree. Idempotent by Shopify's refund id.

The webhook for a refund Relay itself sent can arrive before Relay recorded Shopify's answer
(or after a crash in between): a pending Relay refund with the same amount and item
quantities is that refund, and is recorded rather than mirrored a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from domain.models.orders import Order
from domain.models.refunds import Refund, RefundLine
from domain.money import line_money
from domain.money.amounts import round_to_currency
from domain.money.refunds import _mark_recorded
from domain.shop import shops
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin import webhook_payloads

ZERO = Decimal("0")


@unit_of_work
def refund_created(shop_domain: str, refund: webhook_payloads.ShopifyRefund, receipt) -> None:
    shop = shops.shop_by_domain(shop_domain)
    if shop is None:
        return
    order = db.session.scalar(
        select(Order)
        .where(Order.shop_id == shop.id, Order.shopify_gid == refund.order_gid)
        .with_for_update()
    )
    if order is None:
        return  # not mirrored yet; the order's sync reads the store's refunded total
    if db.session.scalar(
        select(Refund.id).where(Refund.shop_id == shop.id, Refund.shopify_gid == refund.gid)
    ):
        return
    items = _refunded_items(order, refund)
    pending = _pending_match(order, refund.amount, items.quantities)
    if pending is not None:
        _mark_recorded(pending, refund.gid)
        return
    mirrored = _mirrored(shop, order, refund, items)
    db.session.add(mirrored)
    db.session.flush()
    _mark_recorded(mirrored, refund.gid)


@dataclass
class _RefundedItems:
    """What a refund took back, per line item id."""

    quantities: dict[int, int] = field(default_factory=dict)
    restocked: dict[int, int] = field(default_factory=dict)
    subtotals: dict[int, Decimal] = field(default_factory=dict)


def _refunded_items(order: Order, refund: webhook_payloads.ShopifyRefund) -> _RefundedItems:
    items = _RefundedItems()
    lines = {li.shopify_gid: li for li in order.line_items}
    for refunded in refund.lines:
        line = lines.get(refunded.line_item_gid)
        if line is None:
            continue
        items.quantities[line.id] = items.quantities.get(line.id, 0) + refunded.quantity
        if refunded.restocked:
            items.restocked[line.id] = items.restocked.get(line.id, 0) + refunded.quantity
        # What the customer got back for the units: their tax too unless prices include it.
        worth = refunded.subtotal + (ZERO if order.taxes_included else refunded.tax)
        items.subtotals[line.id] = items.subtotals.get(line.id, ZERO) + worth
    return items


def _mirrored(
    shop, order: Order, refund: webhook_payloads.ShopifyRefund, items: _RefundedItems
) -> Refund:
    """The refund made in the Shopify admin, as Relay records it."""
    total = refund.amount
    shipping_money = refund.shipping + (ZERO if order.taxes_included else refund.shipping_tax)
    shipping = min(shipping_money, total)
    duties = min(refund.duties, total - shipping)
    return Refund(
        shop_id=shop.id,
        order_id=order.id,
        idempotency_key=f"shopify:{refund.legacy_id}",
        shopify_gid=refund.gid,
        source="shopify",
        status="pending",
        amount=total,
        shipping_amount=shipping,
        duties_amount=duties,
        currency=line_money.refund_currency(order),
        reason=refund.note,
        notify=False,
        restock=bool(items.restocked),
        created_by=None,
        lines=_lines(order, items, total - shipping - duties),
    )


def _lines(order: Order, items: _RefundedItems, money_for_lines: Decimal):
    """Item values as Shopify reports them, scaled down when less money went back than the
    items were worth (a refund that kept a fee), so the lines never claim more than was paid."""
    quantities, restocked, subtotals = items.quantities, items.restocked, items.subtotals
    worth = sum(subtotals.values(), ZERO)
    scale = min(Decimal(1), money_for_lines / worth) if worth > 0 else ZERO
    by_id = {li.id: li for li in order.line_items}
    result, left = [], money_for_lines
    for line_id in sorted(set(quantities) | set(subtotals)):
        currency = line_money.refund_currency(order)
        amount = min(left, round_to_currency(subtotals.get(line_id, ZERO) * scale, currency))
        left -= amount
        result.append(
            RefundLine(
                line_item=by_id[line_id],
                quantity=quantities.get(line_id, 0),
                amount=amount,
                restock_quantity=restocked.get(line_id, 0),
            )
        )
    return result


def _pending_match(order: Order, total: Decimal, quantities: dict[int, int]) -> Refund | None:
    for refund in db.session.scalars(
        select(Refund).where(
            Refund.order_id == order.id, Refund.status == "pending", Refund.source == "relay"
        )
    ):
        mine = {rl.line_item_id: rl.quantity for rl in refund.lines if rl.quantity}
        if refund.amount == total and mine == {k: v for k, v in quantities.items() if v}:
            return refund
    return None
