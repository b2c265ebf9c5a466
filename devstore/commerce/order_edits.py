"""Order edits as Shopify runs them: orderEditBegin opens a session (a CalculatedOrder), the
orderEdit* mutations stage changes on it, orderEditCommit applies them to the order.

What a commit does, as Shopify documents it:
- `LineItem.quantity` keeps what was ordered; removed units are counted apart
  (`removed_quantity`), so `currentQuantity` = quantity - removed - refunded. An added unit of an
  existing line raises its quantity; a variant added is a new line.
- A removed unit leaves the fulfillment order holding it (its total and remaining quantity drop);
  a fulfillment order left with nothing is closed. Units can be removed only while they are on a
  fulfillment order the merchant still controls (OPEN, SCHEDULED or ON_HOLD, no request submitted
  or accepted): fulfilled units, or units a fulfillment service was asked for, are not editable
  (devstore's reading of `CalculatedLineItem.editableQuantity`; on Shopify the merchant first
  cancels the request).
- An added unit joins an open, unsubmitted fulfillment order at the location that stocks it, or
  gets a new fulfillment order there.
- The order's totals follow; a paid order whose total rose is PARTIALLY_PAID until paid.
- `orders/edited` (order_edit: line_items additions/removals by line item id and delta), then
  `orders/updated`.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

from devstore import events, payloads
from devstore.commerce import pricing
from devstore.commerce.common import NotFound, UserError, gid, money, now_iso, parse_gid
from devstore.commerce.fulfillment_orders import (
    fulfillment_orders_of,
    new_fulfillment_order,
    save_fo,
)
from devstore.commerce.orders import get_order, new_line_item, received_amount, touch_order
from devstore.store import Store

EDITABLE_STATUSES = ("OPEN", "SCHEDULED", "ON_HOLD")
EDITABLE_REQUESTS = ("UNSUBMITTED", "REJECTED")


def _editable_fos(fos: list[dict]) -> list[dict]:
    return [
        f
        for f in fos
        if f["status"] in EDITABLE_STATUSES and f["request_status"] in EDITABLE_REQUESTS
    ]


def current_quantity(line: dict) -> int:
    return line["quantity"] - line.get("removed_quantity", 0) - line.get("refunded_quantity", 0)


def editable_quantity(store: Store, shop: str, order: dict, line: dict) -> int:
    """Units of the line still on a fulfillment order the merchant controls (not refunded)."""
    held = sum(
        li["remaining_quantity"]
        for f in _editable_fos(fulfillment_orders_of(store, shop, order["id"]))
        for li in f["line_items"]
        if li["line_item_id"] == line["id"]
    )
    return max(0, min(held, current_quantity(line)))


def _session_id(value: str | int) -> int:
    if isinstance(value, int):
        return value
    kind = "OrderEditSession" if "/OrderEditSession/" in str(value) else "CalculatedOrder"
    return parse_gid(value, kind)


def get_session(store: Store, shop: str, session_id: str | int) -> dict:
    number = _session_id(session_id)
    session = store.get("order_edit", number)
    if session is None or session["shop"] != shop:
        raise NotFound(gid("CalculatedOrder", number))
    if session["committed_at"]:
        raise UserError("The order edit has already been committed.", field=["id"])
    return session


def begin_edit(store: Store, shop: str, order_id: int, *, app_client_id: str | None = None):
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["cancelled_at"]:
            raise UserError("Cannot edit a cancelled order.", field=["id"])
        session_id = store.next_id("order_edit", start=4_000_001)
        session = {
            "id": session_id,
            "shop": shop,
            "order_id": order_id,
            "app_client_id": app_client_id,
            "quantities": {},
            "restock": {},
            "additions": [],
            "created_at": now_iso(),
            "committed_at": None,
        }
        return store.put("order_edit", session_id, session, shop=shop)


def _set_added_quantity(session: dict, line_id: int, quantity: int) -> bool:
    for added in session["additions"]:
        if added["id"] == line_id:
            added["quantity"] = quantity
            session["additions"] = [a for a in session["additions"] if a["quantity"] > 0]
            return True
    return False


def set_quantity(
    store: Store, shop: str, session_id, line_id: int, quantity: int, *, restock: bool = False
) -> dict:
    """orderEditSetQuantity: the line's new current quantity (0 removes it)."""
    with store.transaction():
        session = get_session(store, shop, session_id)
        if quantity < 0:
            raise UserError("Quantity must be greater than or equal to 0.", field=["quantity"])
        if not _set_added_quantity(session, line_id, quantity):
            order = get_order(store, shop, session["order_id"])
            line = next((li for li in order["line_items"] if li["id"] == line_id), None)
            if line is None:
                raise NotFound(gid("CalculatedLineItem", line_id))
            fixed = current_quantity(line) - editable_quantity(store, shop, order, line)
            if quantity < fixed:
                raise UserError(
                    f"Quantity cannot be less than the {fixed} units that are no longer "
                    "editable (fulfilled or requested from a fulfillment service).",
                    field=["quantity"],
                )
            session["quantities"][str(line_id)] = quantity
            session["restock"][str(line_id)] = bool(restock)
        return store.put("order_edit", session["id"], session, shop=shop)


def _stage_addition(store: Store, shop: str, session: dict, quantity: int, **line) -> dict:
    """Stage a new line (a variant's or a custom item) on the session; returns it."""
    if quantity < 1:
        raise UserError("Quantity must be greater than 0.", field=["quantity"])
    added = {"id": store.next_id("line_item", start=9_000_001), "quantity": quantity, **line}
    session["additions"].append(added)
    store.put("order_edit", session["id"], session, shop=shop)
    return added


def add_variant(
    store: Store,
    shop: str,
    session_id,
    variant_id: int,
    quantity: int,
    *,
    allow_duplicates: bool = False,
) -> dict:
    """orderEditAddVariant: a new line for a variant the store sells. Returns the added line."""
    with store.transaction():
        session = get_session(store, shop, session_id)
        variant = store.get("variant", variant_id)
        if variant is None or store._shop_of.get(("variant", str(variant_id))) != shop:
            raise UserError("Variant does not exist.", field=["variantId"])
        order = get_order(store, shop, session["order_id"])
        on_order = [li["variant_id"] for li in order["line_items"]] + [
            a["variant_id"] for a in session["additions"]
        ]
        if variant_id in on_order and not allow_duplicates:
            raise UserError("Variant is already on the order.", field=["variantId"])
        return _stage_addition(store, shop, session, quantity, variant_id=variant_id)


def add_custom_item(
    store: Store,
    shop: str,
    session_id,
    *,
    title: str,
    price: str,
    quantity: int,
    requires_shipping: bool = False,
) -> dict:
    """orderEditAddCustomItem: a line with no variant (requiresShipping defaults to false)."""
    with store.transaction():
        session = get_session(store, shop, session_id)
        if Decimal(price) < 0:
            raise UserError("Price can't be negative.", field=["price"])
        return _stage_addition(
            store,
            shop,
            session,
            quantity,
            variant_id=None,
            title=title,
            price=money(price),
            requires_shipping=bool(requires_shipping),
        )


def _place_units(store: Store, shop: str, order: dict, line: dict, units: int) -> None:
    """Added units join an open, unsubmitted fulfillment order at the line's location with the
    line's delivery method, else a new one there."""
    method = "SHIPPING" if line["requires_shipping"] else "NONE"
    fos = fulfillment_orders_of(store, shop, order["id"])
    joinable = [
        f
        for f in fos
        if f["location_id"] == line["location_id"]
        and f.get("delivery_method", "SHIPPING") == method
        and f["status"] == "OPEN"
        and f["request_status"] == "UNSUBMITTED"
        and not f["holds"]
    ]
    if not joinable:
        new_fulfillment_order(
            store,
            shop,
            order["id"],
            line["location_id"],
            [(line["id"], units)],
            delivery_method=None if method == "SHIPPING" else method,
        )
        return
    fo = joinable[0]
    entry = next((li for li in fo["line_items"] if li["line_item_id"] == line["id"]), None)
    if entry is None:
        entry = {
            "id": store.next_id("fulfillment_order_line_item", start=8_000_001),
            "line_item_id": line["id"],
            "total_quantity": 0,
            "remaining_quantity": 0,
        }
        fo["line_items"].append(entry)
    entry["total_quantity"] += units
    entry["remaining_quantity"] += units
    save_fo(store, shop, fo)


def take_units(store: Store, shop: str, order: dict, line: dict, units: int) -> None:
    """Removed units leave the fulfillment orders holding them; an emptied one closes."""
    for fo in reversed(_editable_fos(fulfillment_orders_of(store, shop, order["id"]))):
        held = [li for li in fo["line_items"] if li["line_item_id"] == line["id"]]
        if not held or not units:
            continue
        for entry in held:
            taken = min(units, entry["remaining_quantity"])
            entry["remaining_quantity"] -= taken
            entry["total_quantity"] -= taken
            units -= taken
        fo["line_items"] = [li for li in fo["line_items"] if li["total_quantity"] > 0]
        if not fo["line_items"]:
            fo["status"] = "CLOSED"
        save_fo(store, shop, fo)


def _apply_quantities(store: Store, shop: str, order: dict, session: dict) -> tuple[list, list]:
    additions, removals = [], []
    for line in order["line_items"]:
        wanted = session["quantities"].get(str(line["id"]))
        if wanted is None or wanted == current_quantity(line):
            continue
        delta = wanted - current_quantity(line)
        if delta > 0:
            line["quantity"] += delta
            _place_units(store, shop, order, line, delta)
            additions.append({"id": line["id"], "delta": delta})
        else:
            line["removed_quantity"] = line.get("removed_quantity", 0) - delta
            take_units(store, shop, order, line, -delta)
            removals.append({"id": line["id"], "delta": -delta})
    return additions, removals


def _apply_additions(store: Store, shop: str, order: dict, session: dict) -> list[dict]:
    shop_doc = store.get("shop", shop)
    out = []
    for added in session["additions"]:
        spec = {"variant_id": added["variant_id"], "quantity": added["quantity"]}
        if not added["variant_id"]:  # a custom item
            spec.update(
                title=added["title"],
                price=added["price"],
                requires_shipping=added["requires_shipping"],
            )
        line = new_line_item(store, shop, shop_doc, spec, line_id=added["id"])
        if order.get("priced"):
            pricing.price_added_line(order, line)
        order["line_items"].append(line)
        _place_units(store, shop, order, line, line["quantity"])
        out.append({"id": line["id"], "delta": line["quantity"]})
    return out


def recompute_totals(store: Store, order: dict) -> None:
    """Totals from the lines' current quantities; the payment status follows the new total."""
    if order.get("priced"):
        pricing.reprice_after_edit(order, current_quantity)
    else:
        subtotal = sum(
            Decimal(li["price"]) * (li["quantity"] - li.get("removed_quantity", 0))
            for li in order["line_items"]
        )
        order["subtotal_price"] = money(subtotal)
        order["total_price"] = money(subtotal + Decimal(order["shipping_price"]))
    received = received_amount(order)
    if order["financial_status"] in ("paid", "partially_paid"):
        short = Decimal(order["total_price"]) > received
        order["financial_status"] = "partially_paid" if short else "paid"


def commit_edit(
    store: Store, shop: str, session_id, *, notify_customer: bool = False, staff_note: str = ""
) -> dict:
    """orderEditCommit: apply the staged changes, then orders/edited and orders/updated."""
    with store.transaction():
        session = get_session(store, shop, session_id)
        order = get_order(store, shop, session["order_id"])
        additions, removals = _apply_quantities(store, shop, order, session)
        additions += _apply_additions(store, shop, order, session)
        order["edited"] = True
        recompute_totals(store, order)
        session["committed_at"] = now_iso()
        session["notify_customer"] = bool(notify_customer)
        session["staff_note"] = staff_note or ""
        store.put("order_edit", session["id"], session, shop=shop)
        store.put("order", order["id"], order, shop=shop)
        events.emit(
            store, shop, "orders/edited", order_edited_payload(session, additions, removals)
        )
        touch_order(store, shop, order)
        return order


def _app_number(client_id: str) -> int:
    """A stable numeric app id (devstore keys apps by client id; Shopify sends a number)."""
    return zlib.crc32(client_id.encode())


def order_edited_payload(session: dict, additions: list[dict], removals: list[dict]) -> dict:
    """orders/edited: the committed edit's line item deltas (by line item id)."""
    payload = payloads.example("orders/edited")
    edit = payload["order_edit"]
    client_id = session.get("app_client_id")
    edit.update(
        {
            "id": session["id"],
            "app_id": _app_number(client_id) if client_id else None,
            "user_id": None if client_id else 1,  # the store's staff user, as in ID tokens
            "created_at": session["created_at"],
            "committed_at": session["committed_at"],
            "notify_customer": session["notify_customer"],
            "order_id": session["order_id"],
            "staff_note": session["staff_note"],
            "line_items": {"additions": additions, "removals": removals},
            "discounts": {"line_item": {"additions": [], "removals": []}},
            "shipping_lines": {"additions": [], "removals": []},
        }
    )
    return payload
