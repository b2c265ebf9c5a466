"""Views of an order edit session: the CalculatedOrder (the order with the staged changes
applied, not saved) and its CalculatedLineItems."""

from __future__ import annotations

from decimal import Decimal

from devstore import commerce
from devstore.commerce import gid
from devstore.commerce.order_edits import current_quantity, editable_quantity
from devstore.commerce.orders import received_amount
from devstore.resolvers.common import Context, connection, money_bag
from devstore.resolvers.views.orders import order_view, variant_view


def _calculated_line(ctx: Context, order: dict, session: dict, line: dict, added: bool) -> dict:
    currency = order["currency"]
    if added:
        quantity = editable = line["quantity"]
        before = 0
    else:
        before = editable_quantity(ctx.store, ctx.shop, order, line)
        fixed = current_quantity(line) - before
        quantity = session["quantities"].get(str(line["id"]), current_quantity(line))
        editable = quantity - fixed
    unit = Decimal(line["price"])
    return {
        "__typename": "CalculatedLineItem",
        "id": gid("CalculatedLineItem", line["id"]),
        "quantity": quantity,
        "editableQuantity": editable,
        "editableQuantityBeforeChanges": before,
        "restockable": not added,
        "restocking": bool(session["restock"].get(str(line["id"]))),
        "hasStagedLineItemDiscount": False,
        "sku": line.get("sku") or None,
        "title": line["title"],
        "variantTitle": line.get("variant_title"),
        "variant": variant_view(ctx.store.get("variant", line["variant_id"]))
        if line.get("variant_id")
        else None,
        "originalUnitPriceSet": money_bag(line["price"], currency),
        "discountedUnitPriceSet": money_bag(line["price"], currency),
        "editableSubtotalSet": money_bag(str(unit * editable), currency),
        "uneditableSubtotalSet": money_bag(str(unit * (quantity - editable)), currency),
        "calculatedDiscountAllocations": [],
        "customAttributes": [],
    }


def _added_lines(ctx: Context, session: dict) -> list[dict]:
    """Staged additions as line items (price and titles from the variant)."""
    out = []
    for added in session["additions"]:
        variant = ctx.store.get("variant", added["variant_id"]) if added["variant_id"] else None
        if variant is None:  # a custom item
            out.append({**added, "sku": None, "variant_title": None})
            continue
        out.append(
            {
                "id": added["id"],
                "variant_id": variant["id"],
                "sku": variant["sku"],
                "title": variant["product_title"],
                "variant_title": variant["title"],
                "price": variant["price"],
                "quantity": added["quantity"],
            }
        )
    return out


def calculated_order_view(ctx: Context, session: dict) -> dict:
    order = commerce.get_order(ctx.store, ctx.shop, session["order_id"])
    currency = order["currency"]
    existing = [_calculated_line(ctx, order, session, li, False) for li in order["line_items"]]
    added = [_calculated_line(ctx, order, session, li, True) for li in _added_lines(ctx, session)]
    subtotal = sum(
        (Decimal(c["originalUnitPriceSet"]["shopMoney"]["amount"]) * c["quantity"])
        for c in existing + added
    )
    total = subtotal + Decimal(order["shipping_price"])
    outstanding = total - received_amount(order)
    return {
        "__typename": "CalculatedOrder",
        "id": gid("CalculatedOrder", session["id"]),
        "committed": bool(session["committed_at"]),
        "originalOrder": order_view(ctx, order),
        "lineItems": lambda info, query=None, **args: connection(
            existing + added, lambda c: c, key=_line_number, **args
        ),
        "addedLineItems": lambda info, **args: connection(
            added, lambda c: c, key=_line_number, **args
        ),
        "subtotalLineItemsQuantity": sum(c["quantity"] for c in existing + added),
        "subtotalPriceSet": money_bag(str(subtotal), currency),
        "totalPriceSet": money_bag(str(total), currency),
        "totalOutstandingSet": money_bag(str(outstanding), currency),
        "shippingLines": [],
        "taxLines": [],
    }


def _line_number(calculated: dict) -> int:
    return int(calculated["id"].rsplit("/", 1)[1])


def session_view(session: dict) -> dict:
    return {"__typename": "OrderEditSession", "id": gid("OrderEditSession", session["id"])}


def calculated_line_view(ctx: Context, session: dict, line_id: int) -> dict | None:
    order = commerce.get_order(ctx.store, ctx.shop, session["order_id"])
    for line in order["line_items"]:
        if line["id"] == line_id:
            return _calculated_line(ctx, order, session, line, False)
    for line in _added_lines(ctx, session):
        if line["id"] == line_id:
            return _calculated_line(ctx, order, session, line, True)
    return None
