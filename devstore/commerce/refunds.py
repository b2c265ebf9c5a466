"""Refunds (refundCreate): line items and shipping back to the customer, never more than was
paid."""

from __future__ import annotations

from decimal import Decimal

from devstore import events, payloads
from devstore.commerce import refund_money
from devstore.commerce.common import NotFound, UserError, gid, money, now_iso
from devstore.commerce.fulfillment_orders import fulfillment_orders_of, save_fo
from devstore.commerce.order_edits import current_quantity, take_units
from devstore.commerce.orders import get_order, new_transaction, received_amount, touch_order
from devstore.commerce.pricing import SIDES
from devstore.commerce.refund_money import check_currency
from devstore.store import Store

# A payment was captured: a partially paid order (an edit raised its total after the customer
# paid) refunds what was received, as on Shopify.
CAPTURED = ("paid", "partially_refunded", "partially_paid")


def left_to_refund(order: dict, suffix: str = "") -> Decimal:
    """What is left to refund: what the order costs or what the customer paid, whichever is
    less, less what was refunded (in presentment money with suffix "_presentment")."""
    if order["financial_status"] not in CAPTURED:
        return Decimal("0")
    refunded = Decimal(order.get("total_refunded" + suffix, order["total_refunded"]))
    paid = min(Decimal(order["total_price" + suffix]), received_amount(order, suffix))
    return max(Decimal("0"), paid - refunded)


def refundable_amount(order: dict) -> Decimal:
    return left_to_refund(order)


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


def _priced(order: dict, refund_lines: list[dict], options: dict) -> tuple[dict, dict]:
    """A priced order's refund: its lines, duties and shipping on both sides (refund_money),
    and the totals {suffix: amount} they come to."""
    lines = {li["id"]: li for li in order["line_items"]}
    totals = dict.fromkeys(SIDES, Decimal(0))
    for refund_line in refund_lines:
        line = lines[refund_line["line_item_id"]]
        refund_line.update(refund_money.line_refund(order, line, refund_line["quantity"]))
        for suffix in SIDES:
            totals[suffix] += refund_money.money_back(order, refund_line, suffix)
    counts = {r["line_item_id"]: r["quantity"] for r in refund_lines}
    duties = refund_money.duties_refund(order, options.get("refund_duties") or [], counts)
    shipping = refund_money.shipping_refund(
        order, options.get("full_shipping", False), options.get("shipping_amount")
    )
    for suffix in SIDES:
        totals[suffix] += sum((Decimal(d["amount" + suffix]) for d in duties), Decimal(0))
        totals[suffix] += refund_money.money_back(order, shipping, suffix, "tax")
    return {"duties": duties, "shipping": shipping}, totals


def _priced_total(order: dict, totals: dict, amount: str | None) -> dict:
    """The money refunded {suffix: amount}: what the refund computes, or the transactions'
    amount (presentment money), converted to shop money at the order's rate."""
    if amount is None or Decimal(amount) == totals["_presentment"]:
        chosen = dict(totals)
    else:
        presentment = Decimal(amount)
        left = {
            s: Decimal(order["total_price" + s]) - Decimal(order["total_refunded" + s])
            for s in SIDES
        }
        shop = (
            left[""]
            if presentment == left["_presentment"]
            else presentment / Decimal(order["rate"])
        )
        chosen = {"": shop, "_presentment": presentment}
    if chosen["_presentment"] < 0:
        raise UserError("Amount must be greater than or equal to 0", field=["transactions"])
    left = left_to_refund(order, "_presentment")
    if order["financial_status"] not in CAPTURED or chosen["_presentment"] > left:
        raise UserError(
            f"Refund amount {money(chosen['_presentment'])} is greater than the refundable amount "
            f"{money(left)}.",
            field=["transactions", "amount"],
        )
    return {s: Decimal(money(v)) for s, v in chosen.items()}


def _add(doc: dict, key: str, amount) -> None:
    doc[key] = money(Decimal(doc.get(key, "0")) + Decimal(amount))


def _book_priced(order: dict, refund: dict, parts: dict, totals: dict) -> None:
    """Record a priced refund's presentment money and what it took back: duties, shipping,
    and the lines' subtotal and tax (the order's current_* amounts go down by them)."""
    refund.update(parts)
    refund["total_presentment"] = money(totals["_presentment"])
    for transaction in refund["transactions"]:
        transaction["amount_presentment"] = refund["total_presentment"]
    duties = {d["id"]: d for line in order["line_items"] for d in line.get("duties") or []}
    lines = refund["refund_line_items"]
    for suffix in SIDES:
        for part in parts["duties"]:
            _add(duties[part["duty_id"]], "refunded" + suffix, part["amount" + suffix])
            _add(order, "refunded_duties" + suffix, part["amount" + suffix])
        shipping = parts["shipping"]
        _add(order, "refunded_shipping" + suffix, shipping["subtotal" + suffix])
        _add(
            order, "refunded_subtotal" + suffix, sum(Decimal(r["subtotal" + suffix]) for r in lines)
        )
        tax = sum(Decimal(r["total_tax" + suffix]) for r in lines) + Decimal(
            shipping["tax" + suffix]
        )
        _add(order, "refunded_tax" + suffix, tax)
    _add(order, "total_refunded_presentment", totals["_presentment"])


def suggest_refund(
    order: dict,
    *,
    refund_line_items: list[dict],
    refund_duties: list[dict] | None = None,
    refund_shipping: bool = False,
    shipping_amount: str | None = None,
    suggest_full: bool = False,
) -> dict:
    """Order.suggestedRefund: what refundCreate would give back for these lines, duties and
    shipping (nothing is recorded). suggest_full: every unit, duty and shipping left."""
    order = refund_money.as_priced(order)
    if suggest_full:
        refund_line_items = [
            {"line_item_id": li["id"], "quantity": current_quantity(li)}
            for li in order["line_items"]
            if current_quantity(li) > 0
        ]
        refund_duties = [
            {"duty_id": d["id"], "refund_type": "FULL"}
            for li in order["line_items"]
            for d in li.get("duties") or []
        ]
        refund_shipping = True
    refund_lines, _ = _refund_lines(order, refund_line_items)
    options = {
        "refund_duties": refund_duties,
        "full_shipping": refund_shipping,
        "shipping_amount": shipping_amount,
    }
    parts, totals = _priced(order, refund_lines, options)
    left = {s: left_to_refund(order, s) for s in SIDES}
    return {
        "order": order,
        "refund_lines": refund_lines,
        **parts,
        "amount": {s: money(min(totals[s], left[s])) for s in SIDES},
        "maximum": {s: money(left[s]) for s in SIDES},
    }


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
    currency: str | None = None,
    refund_duties: list[dict] | None = None,
) -> dict:
    """refund_line_items: [{"line_item_id", "quantity", "restock_type"}]. Never over-refunds.
    Orders placed with pricing options (pricing.py) refund as refund_money computes; amounts
    given are in `currency`, the order's presentment currency."""
    with store.transaction():
        order = get_order(store, shop, order_id)
        check_currency(order, currency)
        if order["financial_status"] not in CAPTURED:
            raise UserError("Order has no captured payment to refund.", field=["orderId"])
        refund_lines, computed = _refund_lines(order, refund_line_items)
        priced = None
        if order.get("priced"):
            options = {
                "refund_duties": refund_duties,
                "full_shipping": full_shipping,
                "shipping_amount": shipping_amount,
            }
            parts, totals = _priced(order, refund_lines, options)
            totals = _priced_total(order, totals, amount)
            total, priced = totals[""], (parts, totals)
        else:
            computed += _shipping(order, full_shipping, shipping_amount)
            total = Decimal(amount) if amount is not None else computed
            _check_total(order, total)
        return _record(store, shop, order, refund_lines, total, note, notify, priced)


# Fulfillment orders whose unfulfilled units a refund can still cancel: any not over, whether
# or not a fulfillment service was asked for them or accepted them.
LIVE_STATUSES = ("OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD", "INCOMPLETE")


def cancel_unfulfilled(store: Store, shop: str, order: dict, line: dict, units: int) -> None:
    """A refund cancels unfulfilled units: first from fulfillment orders the merchant still
    controls (as an edit removes them), then from those requested from or accepted by a
    fulfillment service: on Shopify a refund is not refused because a service holds the
    units; the fulfillment order's quantities drop and the service sees the smaller order
    (no fulfillment_orders/* topic is sent for it; orders/updated and refunds/create are).
    Units already fulfilled are never taken; a fulfillment order left with nothing to do
    closes."""
    held_before = _unfulfilled_on_fos(store, shop, order, line)
    take_units(store, shop, order, line, units)
    units -= held_before - _unfulfilled_on_fos(store, shop, order, line)
    for fo in fulfillment_orders_of(store, shop, order["id"]):
        held = [li for li in fo["line_items"] if li["line_item_id"] == line["id"]]
        if units <= 0 or fo["status"] not in LIVE_STATUSES or not held:
            continue
        for entry in held:
            taken = min(units, entry["remaining_quantity"])
            entry["remaining_quantity"] -= taken
            entry["total_quantity"] -= taken
            units -= taken
        fo["line_items"] = [li for li in fo["line_items"] if li["total_quantity"] > 0]
        if all(li["remaining_quantity"] == 0 for li in fo["line_items"]):
            fo["status"] = "CLOSED"
        save_fo(store, shop, fo)


def _unfulfilled_on_fos(store: Store, shop: str, order: dict, line: dict) -> int:
    return sum(
        entry["remaining_quantity"]
        for fo in fulfillment_orders_of(store, shop, order["id"])
        if fo["status"] in LIVE_STATUSES
        for entry in fo["line_items"]
        if entry["line_item_id"] == line["id"]
    )


def _record(store, shop, order, refund_lines, total, note, notify, priced) -> dict:
    """Book the refund on the order: quantities, transaction, totals, webhooks."""
    order_id = order["id"]
    lines = {li["id"]: li for li in order["line_items"]}
    for spec in refund_lines:
        lines[spec["line_item_id"]]["refunded_quantity"] += spec["quantity"]
        if spec["restock_type"] != "RETURN":
            # Units refunded before they shipped can no longer be fulfilled (restocked or not:
            # CANCEL or NO_RESTOCK): they leave the fulfillment orders holding them. RETURN is
            # for units that shipped and came back.
            cancel_unfulfilled(store, shop, order, lines[spec["line_item_id"]], spec["quantity"])
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
    if priced:
        _book_priced(order, refund, *priced)
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
