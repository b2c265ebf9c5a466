"""Fulfillments: items of fulfillment orders shipped (fulfillmentCreate), and their tracking."""

from __future__ import annotations

from datetime import UTC, datetime

from devstore import events, payloads
from devstore.commerce.common import NotFound, UserError, gid, now_iso, parse_gid
from devstore.commerce.fulfillment_orders import (
    fulfillment_orders_of,
    get_fulfillment_order,
    save_fo,
    service_of_location,
)
from devstore.commerce.orders import get_order, touch_order
from devstore.store import Store


def create_fulfillment(
    store: Store,
    shop: str,
    *,
    by_fulfillment_order: list[dict],
    tracking: dict | None = None,
    notify_customer: bool = False,
    client_id: str | None = None,
) -> dict:
    """by_fulfillment_order: [{"fulfillment_order_id", "line_items": [{id, quantity}] | None}]."""
    with store.transaction():
        if not by_fulfillment_order:
            raise UserError(
                "Line items by fulfillment order must not be empty.",
                field=["fulfillment", "lineItemsByFulfillmentOrder"],
            )
        order_id = None
        fulfilled_lines = []
        touched = []
        for group in by_fulfillment_order:
            fo = get_fulfillment_order(store, shop, group["fulfillment_order_id"])
            if order_id is not None and fo["order_id"] != order_id:
                raise UserError(
                    "All fulfillment orders must belong to the same order.", field=["fulfillment"]
                )
            order_id = fo["order_id"]
            fulfilled_lines += _take_lines(store, shop, fo, group, client_id)
            touched.append(fo)
        if not fulfilled_lines:
            raise UserError("Nothing to fulfill.", field=["fulfillment"])
        for fo in touched:
            save_fo(store, shop, fo)
        return _record(
            store,
            shop,
            order_id,
            fulfilled_lines,
            location_id=touched[0]["location_id"],
            tracking=tracking,
            notify_customer=notify_customer,
        )


def fulfill_fulfillment_order(
    store: Store,
    shop: str,
    fo_id: int,
    *,
    quantities: dict[int, int] | None = None,
    tracking: dict | None = None,
    notify_customer: bool = False,
) -> dict:
    """One fulfillment order shipped by the shop (the admin's "Fulfill items", the control
    API's `fulfill`): `quantities` per fulfillment order line id, None for all that remains.
    One fulfillment (a parcel) each time, so some lines now and the rest later is two."""
    group: dict = {"fulfillment_order_id": fo_id}
    if quantities is not None:
        fo = get_fulfillment_order(store, shop, fo_id)
        known = {line["id"] for line in fo["line_items"]}
        if set(quantities) - known:
            raise UserError(
                "Invalid fulfillment order line item id requested.", field=["fulfillment"]
            )
        if not any(q > 0 for q in quantities.values()):
            raise UserError("Nothing to fulfill.", field=["fulfillment"])
        group["line_items"] = [
            {"id": gid("FulfillmentOrderLineItem", line_id), "quantity": quantity}
            for line_id, quantity in quantities.items()
        ]
    return create_fulfillment(
        store,
        shop,
        by_fulfillment_order=[group],
        tracking=tracking,
        notify_customer=notify_customer,
    )


def _take_lines(store: Store, shop: str, fo: dict, group: dict, client_id: str | None) -> list:
    """Take the group's quantities (all that remains when it names none) off `fo`'s lines and
    move its status on; returns the fulfillment's lines."""
    if fo["status"] in ("CLOSED", "CANCELLED", "INCOMPLETE", "ON_HOLD", "SCHEDULED"):
        raise UserError(
            f"Fulfillment order {gid('FulfillmentOrder', fo['id'])} has an "
            f"unfulfillable status= {fo['status'].lower()}.",
            field=["fulfillment"],
        )
    service = service_of_location(store, shop, fo["location_id"])
    if service and client_id and service["client_id"] != client_id:
        raise UserError(
            "Fulfillment orders assigned to a fulfillment service can only be "
            "fulfilled by that service's app.",
            field=["fulfillment"],
        )
    wanted = {
        parse_gid(li["id"], "FulfillmentOrderLineItem"): int(li["quantity"])
        for li in (group.get("line_items") or [])
    }
    taken = []
    for line in fo["line_items"]:
        qty = wanted.get(line["id"], 0) if wanted else line["remaining_quantity"]
        if qty > line["remaining_quantity"] or qty < 0:
            raise UserError(
                "Invalid fulfillment order line item quantity requested.",
                field=["fulfillment"],
            )
        if qty:
            line["remaining_quantity"] -= qty
            taken.append(
                {
                    "fulfillment_order_line_item_id": line["id"],
                    "line_item_id": line["line_item_id"],
                    "quantity": qty,
                }
            )
    if all(line["remaining_quantity"] == 0 for line in fo["line_items"]):
        fo["status"] = "CLOSED"
    elif fo["status"] == "OPEN":
        fo["status"] = "IN_PROGRESS"
    return taken


def _record(
    store: Store,
    shop: str,
    order_id: int,
    lines: list[dict],
    *,
    location_id: int,
    tracking: dict | None,
    notify_customer: bool,
) -> dict:
    """Store the fulfillment and tell the apps: fulfillments/create, then the order's update."""
    fulfillment_id = store.next_id("fulfillment", start=4_000_001)
    order = get_order(store, shop, order_id)
    fulfillment = {
        "id": fulfillment_id,
        "order_id": order_id,
        "name": f"{order['name']}.{len(fulfillments_of(store, shop, order_id)) + 1}",
        "status": "SUCCESS",
        "tracking": _clean_tracking(tracking),
        "line_items": lines,
        "location_id": location_id,
        "notify_customer": bool(notify_customer),
        "created_at": now_iso(),
        "updated_at": now_iso(),
        # Shopify's created_at has whole seconds; benches need devstore's own clock finer.
        # Only the control API shows it.
        "created_at_ms": round(datetime.now(UTC).timestamp() * 1000),
    }
    store.put("fulfillment", fulfillment_id, fulfillment, shop=shop)
    events.emit(store, shop, "fulfillments/create", payloads.fulfillment(store, shop, fulfillment))
    remaining = sum(
        li["remaining_quantity"]
        for f in fulfillment_orders_of(store, shop, order_id)
        for li in f["line_items"]
    )
    topic = "orders/fulfilled" if remaining == 0 else "orders/partially_fulfilled"
    touch_order(store, shop, order, topic)
    events.emit(store, shop, "orders/updated", payloads.order(store, shop, order_id))
    return fulfillment


def _clean_tracking(tracking: dict | None) -> dict:
    tracking = tracking or {}
    return {
        "company": tracking.get("company"),
        "number": tracking.get("number"),
        "url": tracking.get("url"),
    }


def fulfillments_of(store: Store, shop: str, order_id: int) -> list[dict]:
    return store.find_by("fulfillment", "order_id", order_id, shop=shop)


def update_tracking(
    store: Store, shop: str, fulfillment_id: int, *, tracking: dict, notify_customer: bool = False
) -> dict:
    with store.transaction():
        fulfillment = store.get("fulfillment", fulfillment_id)
        if fulfillment is None or store._shop_of.get(("fulfillment", str(fulfillment_id))) != shop:
            raise NotFound(gid("Fulfillment", fulfillment_id))
        fulfillment["tracking"] = _clean_tracking(tracking)
        fulfillment["updated_at"] = now_iso()
        fulfillment["notify_customer"] = bool(notify_customer)
        store.put("fulfillment", fulfillment_id, fulfillment, shop=shop)
        events.emit(
            store, shop, "fulfillments/update", payloads.fulfillment(store, shop, fulfillment)
        )
        return fulfillment
