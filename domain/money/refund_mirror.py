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
from domain.money.amounts import round_to_currency
from domain.money.refunds import _mark_recorded
from domain.shop import installation
from domain.webhooks.topics import handles
from extensions import db

ZERO = Decimal("0")


def _money(value) -> Decimal:
    if isinstance(value, dict):  # a *_set: {"shop_money": {"amount": ...}}
        value = (value.get("shop_money") or {}).get("amount")
    return Decimal(str(value or "0"))


@handles("refunds/create")
def refund_created(shop_domain: str, payload: dict, receipt) -> None:
    shop = installation.shop_by_domain(shop_domain)
    if shop is None:
        return
    gid = payload.get("admin_graphql_api_id") or f"gid://shopify/Refund/{payload['id']}"
    order = db.session.scalar(
        select(Order)
        .where(
            Order.shop_id == shop.id,
            Order.shopify_gid == f"gid://shopify/Order/{payload['order_id']}",
        )
        .with_for_update()
    )
    if order is None:
        return  # not mirrored yet; the order's sync reads the store's refunded total
    if db.session.scalar(
        select(Refund.id).where(Refund.shop_id == shop.id, Refund.shopify_gid == gid)
    ):
        db.session.commit()
        return
    total = sum(
        (
            _money(t.get("amount"))
            for t in payload.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") == "success"
        ),
        ZERO,
    )
    items = _refunded_items(order, payload)
    pending = _pending_match(order, total, items.quantities)
    if pending is not None:
        _mark_recorded(pending, gid)
        db.session.commit()
        return
    refund = _mirrored(shop, order, payload, gid, total, items)
    db.session.add(refund)
    db.session.flush()
    _mark_recorded(refund, gid)
    db.session.commit()


@dataclass
class _RefundedItems:
    """What a refund took back, per line item id."""

    quantities: dict[int, int] = field(default_factory=dict)
    restocked: dict[int, int] = field(default_factory=dict)
    subtotals: dict[int, Decimal] = field(default_factory=dict)


def _refunded_items(order: Order, payload: dict) -> _RefundedItems:
    items = _RefundedItems()
    quantities, restocked, subtotals = items.quantities, items.restocked, items.subtotals
    lines = {li.shopify_gid: li for li in order.line_items}
    for rli in payload.get("refund_line_items") or []:
        line = lines.get(f"gid://shopify/LineItem/{rli['line_item_id']}")
        if line is None:
            continue
        quantities[line.id] = quantities.get(line.id, 0) + int(rli.get("quantity") or 0)
        if (rli.get("restock_type") or "no_restock").lower() != "no_restock":
            restocked[line.id] = restocked.get(line.id, 0) + int(rli.get("quantity") or 0)
        subtotals[line.id] = subtotals.get(line.id, ZERO) + _money(
            rli.get("subtotal_set") or rli.get("subtotal")
        )
    return items


def _mirrored(
    shop, order: Order, payload: dict, gid: str, total: Decimal, items: _RefundedItems
) -> Refund:
    """The refund made in the Shopify admin, as Relay records it."""
    shipping = sum(
        (
            _money(s.get("subtotal_amount_set") or s.get("amount"))
            for s in payload.get("refund_shipping_lines") or []
        ),
        ZERO,
    )
    return Refund(
        shop_id=shop.id,
        order_id=order.id,
        idempotency_key=f"shopify:{payload['id']}",
        shopify_gid=gid,
        source="shopify",
        status="pending",
        amount=total,
        shipping_amount=min(shipping, total),
        currency=order.currency,
        reason=(payload.get("note") or "").strip() or None,
        notify=False,
        restock=bool(items.restocked),
        created_by=None,
        lines=_lines(order, items, total - min(shipping, total)),
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
        amount = min(left, round_to_currency(subtotals.get(line_id, ZERO) * scale, order.currency))
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
