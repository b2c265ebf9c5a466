"""Fulfillment orders and the moves Shopify allows on them (reference §4.5): the merchant's
fulfillment and cancellation requests, the fulfillment service's answers, cancel (holds:
commerce.holds; move, split, merge: commerce.fo_moves)."""

from __future__ import annotations

from devstore import events, payloads
from devstore.commerce.common import NotFound, UserError, gid, now_iso, parse_gid
from devstore.store import Store


def new_fulfillment_order(
    store: Store,
    shop: str,
    order_id: int,
    location_id: int,
    lines: list[tuple[int, int]],
    status: str = "OPEN",
    request_status: str = "UNSUBMITTED",
    delivery_method: str | None = None,
) -> dict:
    """A fulfillment order; `delivery_method` "NONE" for lines that need no shipping (absent:
    SHIPPING, as every order devstore made before line kinds)."""
    fo_id = store.next_id("fulfillment_order", start=6_000_001)
    doc = {
        "id": fo_id,
        "order_id": order_id,
        "location_id": location_id,
        "status": status,
        "request_status": request_status,
        "line_items": [
            {
                "id": store.next_id("fulfillment_order_line_item", start=8_000_001),
                "line_item_id": line_id,
                "total_quantity": qty,
                "remaining_quantity": qty,
            }
            for line_id, qty in lines
        ],
        "merchant_requests": [],
        "holds": [],
        "created_at": now_iso(),
        "updated_at": now_iso(),
    }
    if delivery_method:
        doc["delivery_method"] = delivery_method
    return store.put("fulfillment_order", fo_id, doc, shop=shop)


def fulfillment_orders_of(store: Store, shop: str, order_id: int) -> list[dict]:
    return store.find_by("fulfillment_order", "order_id", order_id, shop=shop)


def get_fulfillment_order(store: Store, shop: str, fo_id: int) -> dict:
    fo = store.get("fulfillment_order", fo_id)
    if fo is None or store._shop_of.get(("fulfillment_order", str(fo_id))) != shop:
        raise NotFound(gid("FulfillmentOrder", fo_id))
    return fo


def service_of_location(store: Store, shop: str, location_id: int) -> dict | None:
    location = store.get("location", location_id) or {}
    service_id = location.get("fulfillment_service_id")
    return store.get("fulfillment_service", service_id) if service_id else None


def save_fo(store: Store, shop: str, fo: dict) -> dict:
    fo["updated_at"] = now_iso()
    return store.put("fulfillment_order", fo["id"], fo, shop=shop)


def _merchant_request(store: Store, kind: str, message: str | None, options: dict) -> dict:
    return {
        "id": store.next_id("merchant_request", start=1_000_001),
        "kind": kind,
        "message": message,
        "request_options": options,
        "sent_at": now_iso(),
    }


def _split_for_request(store: Store, shop: str, fo: dict, line_items: list[dict]) -> dict | None:
    """Keep the requested quantities on `fo`; what is left goes to a new fulfillment order (the
    unsubmitted one, returned), or None when nothing is left."""
    requested = {
        parse_gid(li["id"], "FulfillmentOrderLineItem"): int(li["quantity"]) for li in line_items
    }
    kept, rest = [], []
    for line in fo["line_items"]:
        qty = requested.get(line["id"], 0)
        if qty > line["remaining_quantity"] or qty < 0:
            raise UserError(
                "Invalid quantity for fulfillment order line item.",
                field=["fulfillmentOrderLineItems"],
            )
        if qty:
            kept.append({**line, "total_quantity": qty, "remaining_quantity": qty})
        if line["remaining_quantity"] - qty:
            rest.append((line["line_item_id"], line["remaining_quantity"] - qty))
    if not kept:
        raise UserError("Must select at least one line item.", field=["fulfillmentOrderLineItems"])
    fo["line_items"] = kept
    if not rest:
        return None
    return new_fulfillment_order(store, shop, fo["order_id"], fo["location_id"], rest)


def submit_fulfillment_request(
    store: Store,
    shop: str,
    fo_id: int,
    *,
    message: str | None = None,
    notify_customer: bool = False,
    line_items: list[dict] | None = None,
) -> dict:
    """Merchant asks the fulfillment service to fulfill. Returns original/submitted/unsubmitted."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        service = service_of_location(store, shop, fo["location_id"])
        if service is None:
            raise UserError(
                "Fulfillment order is not assigned to a fulfillment service.", field=["id"]
            )
        if fo["status"] != "OPEN" or fo["request_status"] not in ("UNSUBMITTED", "REJECTED"):
            raise UserError("Fulfillment order is not in a submittable state.", field=["id"])
        if fo["holds"]:
            raise UserError("Fulfillment order is on hold.", field=["id"])
        original = dict(fo)
        unsubmitted = _split_for_request(store, shop, fo, line_items) if line_items else None
        fo["request_status"] = "SUBMITTED"
        request = _merchant_request(
            store, "FULFILLMENT_REQUEST", message, {"notify_customer": notify_customer}
        )
        fo["merchant_requests"].append(request)
        submitted = save_fo(store, shop, fo)
        events.emit(
            store,
            shop,
            "fulfillment_orders/fulfillment_request_submitted",
            payloads.fulfillment_request_submitted(original, submitted, request),
        )
        events.notify_fulfillment_service(store, shop, service["id"], "FULFILLMENT_REQUEST")
        return {"original": original, "submitted": submitted, "unsubmitted": unsubmitted}


def _require_request(fo: dict, status: str, request_status: tuple[str, ...], what: str) -> None:
    if fo["status"] != status or fo["request_status"] not in request_status:
        raise UserError(
            f"Cannot {what}: fulfillment order is {fo['status']} with request "
            f"status {fo['request_status']}.",
            field=["id"],
        )


# The fulfillment service's answers (reference §4.5): from (status, request statuses) to
# (status, request status), and the webhook topic Shopify sends for the move.
SERVICE_RESPONSES = {
    "accept fulfillment request": (
        "OPEN",
        ("SUBMITTED",),
        "IN_PROGRESS",
        "ACCEPTED",
        "fulfillment_orders/fulfillment_request_accepted",
    ),
    "reject fulfillment request": (
        "OPEN",
        ("SUBMITTED",),
        "OPEN",
        "REJECTED",
        "fulfillment_orders/fulfillment_request_rejected",
    ),
    "accept cancellation request": (
        "IN_PROGRESS",
        ("CANCELLATION_REQUESTED",),
        "CLOSED",
        "CANCELLATION_ACCEPTED",
        "fulfillment_orders/cancellation_request_accepted",
    ),
    "reject cancellation request": (
        "IN_PROGRESS",
        ("CANCELLATION_REQUESTED",),
        "IN_PROGRESS",
        "CANCELLATION_REJECTED",
        "fulfillment_orders/cancellation_request_rejected",
    ),
}


def _respond(
    store: Store, shop: str, fo_id: int, move: str, message: str | None, **recorded
) -> dict:
    from_status, from_requests, to_status, to_request, topic = SERVICE_RESPONSES[move]
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _require_request(fo, from_status, from_requests, move)
        fo["status"], fo["request_status"] = to_status, to_request
        fo.update(recorded)
        if to_status == "CLOSED":  # cancelled work: nothing left to fulfill
            for line in fo["line_items"]:
                line["total_quantity"] = line["remaining_quantity"] = 0
        fo = save_fo(store, shop, fo)
        events.emit(store, shop, topic, payloads.fo_with_message(fo, message))
        return fo


def accept_fulfillment_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    return _respond(store, shop, fo_id, "accept fulfillment request", message)


def reject_fulfillment_request(
    store: Store, shop: str, fo_id: int, *, reason: str | None = None, message: str | None = None
) -> dict:
    return _respond(
        store,
        shop,
        fo_id,
        "reject fulfillment request",
        message,
        rejection={"reason": reason or "OTHER", "message": message},
    )


def accept_cancellation_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    return _respond(store, shop, fo_id, "accept cancellation request", message)


def reject_cancellation_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    return _respond(
        store,
        shop,
        fo_id,
        "reject cancellation request",
        message,
        cancellation_rejection_message=message,
    )


def submit_cancellation_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _require_request(
            fo, "IN_PROGRESS", ("ACCEPTED", "CANCELLATION_REJECTED"), "request cancellation"
        )
        service = service_of_location(store, shop, fo["location_id"])
        request = _merchant_request(store, "CANCELLATION_REQUEST", message, {})
        fo["merchant_requests"].append(request)
        fo["request_status"] = "CANCELLATION_REQUESTED"
        fo = save_fo(store, shop, fo)
        events.emit(
            store,
            shop,
            "fulfillment_orders/cancellation_request_submitted",
            payloads.cancellation_request_submitted(fo, request),
        )
        if service:
            events.notify_fulfillment_service(store, shop, service["id"], "CANCELLATION_REQUEST")
        return fo


def cancel_fulfillment_order(store: Store, shop: str, fo_id: int) -> dict:
    """Merchant cancels a submitted request: original closes, a replacement opens."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["request_status"] not in ("SUBMITTED", "CANCELLATION_REQUESTED"):
            raise UserError(
                "Fulfillment order cannot be cancelled in its current state.", field=["id"]
            )
        lines = [(li["line_item_id"], li["remaining_quantity"]) for li in fo["line_items"]]
        for line in fo["line_items"]:
            # The replacement holds the items now: the closed original holds none (as after an
            # accepted cancellation), so nothing reads as fulfilled.
            line["total_quantity"] = line["remaining_quantity"] = 0
        fo["status"] = "CLOSED"
        fo = save_fo(store, shop, fo)
        replacement = new_fulfillment_order(store, shop, fo["order_id"], fo["location_id"], lines)
        events.emit(
            store, shop, "fulfillment_orders/cancelled", payloads.fo_cancelled(fo, replacement)
        )
        return {"fulfillment_order": fo, "replacement": replacement}
