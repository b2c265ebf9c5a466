"""Refunds (refundCreate): line items and shipping back to the customer, never more than was
paid."""

from __future__ import annotations

from decimal import Decimal

from devstore import events, payloads
from devstore.commerce.common import NotFound, UserError, gid, money, now_iso
from devstore.commerce.order_edits import current_quantity
from devstore.commerce.orders import get_order, new_transaction, touch_order
from devstore.store import Store


def refundable_amount(order: dict) -> Decimal:
    if order["financial_status"] not in ("paid", "partially_refunded"):
        return Decimal("0")
    return Decimal(order["total_price"]) - Decimal(order["total_refunded"])


def _refund_lines(order: dict, refund_line_items: list[dict]) -> tuple[list[dict], Decimal]:
    """The refund's lines, checked against what was bought, and what they come to."""
    lines = {li["id"]: li for li in order["line_items"]}
    computed = Decimal("0")
    refund_lines = []
    for spec in refund_line_items:
        line = lines.get(spec["line_item_id"])
        if line is None:
            raise NotFound(gid("LineItem", spec["line_item_id"]))
        qty = int(spec["quantity"])
        if qty < 0 or qty > current_quantity(line):
            raise UserError(
                "Quantity cannot refund more items than were purchased.",
                field=["refundLineItems", "quantity"],
            )
        restock = spec.get("restock_type", "NO_RESTOCK")
        if restock not in ("CANCEL", "RETURN", "NO_RESTOCK"):
            raise UserError(
                f"Restock type {restock} is not supported.",
                field=["refundLineItems", "restockType"],
            )
        computed += Decimal(line["price"]) * qty
        refund_lines.append(
            {
                "line_item_id": line["id"],
                "quantity": qty,
                "restock_type": restock,
                "subtotal": money(Decimal(line["price"]) * qty),
            }
        )
    return refund_lines, computed


def _shipping(order: dict, full_shipping: bool, shipping_amount: str | None) -> Decimal:
    """The shipping refunded: all of it, the amount asked (at most what was paid), or none."""
    if full_shipping:
        return Decimal(order["shipping_price"])
    if shipping_amount:
        if Decimal(shipping_amount) > Decimal(order["shipping_price"]):
            raise UserError(
                "Shipping refund amount exceeds the shipping paid.",
                field=["shipping", "amount"],
            )
        return Decimal(shipping_amount)
    return Decimal("0")


def _check_total(order: dict, total: Decimal) -> None:
    if total < 0:
        raise UserError("Amount must be greater than or equal to 0", field=["transactions"])
    if total > refundable_amount(order):
        raise UserError(
            f"Refund amount {money(total)} is greater than the refundable amount "
            f"{money(refundable_amount(order))}.",
            field=["transactions", "amount"],
        )


def create_refund(
    store: Store,
    shop: str,
    order_id: int,
    *,
    refund_line_items: list[dict],
    shipping_amount: str | None = None,
    full_shipping: bool = False,
    amount: str | None = None,
    note: str | None = None,
    notify: bool = False,
) -> dict:
    """refund_line_items: [{"line_item_id", "quantity", "restock_type"}]. Never over-refunds."""
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["financial_status"] not in ("paid", "partially_refunded"):
            raise UserError("Order has no captured payment to refund.", field=["orderId"])
        refund_lines, computed = _refund_lines(order, refund_line_items)
        computed += _shipping(order, full_shipping, shipping_amount)
        total = Decimal(amount) if amount is not None else computed
        _check_total(order, total)
        lines = {li["id"]: li for li in order["line_items"]}
        for spec in refund_lines:
            lines[spec["line_item_id"]]["refunded_quantity"] += spec["quantity"]
        refund_id = store.next_id("refund", start=11_000_001)
        transaction = new_transaction(store, total, "refund") if total > 0 else None
        refund = {
            "id": refund_id,
            "order_id": order_id,
            "note": note,
            "notify": notify,
            "refund_line_items": refund_lines,
            "total": money(total),
            "transactions": [transaction] if transaction else [],
            "created_at": now_iso(),
        }
        order["refunds"].append(refund)
        if transaction:
            order["transactions"].append(transaction)
        order["total_refunded"] = money(Decimal(order["total_refunded"]) + total)
        order["financial_status"] = (
            "refunded"
            if Decimal(order["total_refunded"]) >= Decimal(order["total_price"])
            else "partially_refunded"
        )
        store.put("order", order_id, order, shop=shop)
        events.emit(store, shop, "refunds/create", payloads.refund(store, shop, order, refund))
        touch_order(store, shop, order)
        return refund
