"""Fulfillment holds (fulfillmentOrderHold / fulfillmentOrderReleaseHold): several per
fulfillment order, each with its reason, notes, handle and the app that placed it."""

from __future__ import annotations

from devstore import events, fo_payloads
from devstore.commerce.common import UserError, app_id, now_iso
from devstore.commerce.fo_moves import requested_quantities, sibling, take_lines
from devstore.commerce.fulfillment_orders import get_fulfillment_order, save_fo
from devstore.store import Store

HOLDABLE = ("OPEN", "ON_HOLD", "SCHEDULED")


def _check_hold(fo: dict, handle: str, client_id: str | None, line_items) -> None:
    if fo["status"] not in HOLDABLE:
        raise UserError("The fulfillment order's status does not allow holds.", field=["id"])
    if len(handle) > 64:
        raise UserError(
            "Handle is too long (maximum is 64 characters)", field=["fulfillmentHold", "handle"]
        )
    if any(h["handle"] == handle and h["client_id"] == client_id for h in fo["holds"]):
        raise UserError(
            "A hold with this handle already exists.",
            field=["fulfillmentHold", "handle"],
            code="DUPLICATE_FULFILLMENT_HOLD_HANDLE",
        )
    if line_items and fo["status"] == "ON_HOLD":
        raise UserError(
            "The fulfillment order is already on hold and cannot be split.",
            field=["fulfillmentHold", "fulfillmentOrderLineItems"],
            code="FULFILLMENT_ORDER_NOT_SPLITTABLE",
        )


def _hold_some(store: Store, shop: str, fo: dict, line_items: list[dict]) -> dict | None:
    """Hold only the given units: the rest goes to a new fulfillment order (returned)."""
    wanted = requested_quantities(fo, line_items, "fulfillmentHold")
    unheld = {
        line["id"]: line["remaining_quantity"] - wanted.get(line["id"], 0)
        for line in fo["line_items"]
    }
    unheld = {line_id: qty for line_id, qty in unheld.items() if qty}
    if not unheld:
        return None
    return sibling(store, shop, fo, fo["location_id"], take_lines(fo, unheld))


def hold_fulfillment_order(
    store: Store,
    shop: str,
    fo_id: int,
    *,
    reason: str,
    reason_notes: str | None = None,
    handle: str = "",
    client_id: str | None = None,
    line_items: list[dict] | None = None,
) -> dict:
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _check_hold(fo, handle, client_id, line_items)
        remaining = _hold_some(store, shop, fo, line_items) if line_items else None
        hold = {
            "id": store.next_id("fulfillment_hold", start=2_000_001),
            "reason": reason,
            "reason_notes": reason_notes,
            "handle": handle,
            "client_id": client_id,
            "app_id": app_id(client_id),
            "held_at": now_iso(),
        }
        fo["holds"].append(hold)
        if fo["status"] != "ON_HOLD":
            if fo["status"] == "SCHEDULED":
                fo["held_from"] = "SCHEDULED"  # released, it is scheduled again
            fo["status"] = "ON_HOLD"
        fo = save_fo(store, shop, fo)
        created = fo_payloads.hold(hold)
        events.emit(
            store,
            shop,
            "fulfillment_orders/placed_on_hold",
            fo_payloads.placed_on_hold(fo, created, remaining, line_items),
        )
        events.emit(
            store,
            shop,
            "fulfillment_holds/added",
            fo_payloads.hold_event("fulfillment_holds/added", fo, created),
        )
        return {"fulfillment_order": fo, "hold": hold, "remaining": remaining}


def release_hold(store: Store, shop: str, fo_id: int, *, hold_ids: list[int] | None = None) -> dict:
    """Release the given holds (every hold when none are given, as Shopify does); the
    fulfillment order is released once no hold is left."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["status"] != "ON_HOLD":
            raise UserError("The fulfillment order is not on hold.", field=["id"])
        released = [h for h in fo["holds"] if not hold_ids or h["id"] in hold_ids]
        fo["holds"] = [h for h in fo["holds"] if h not in released]
        if not fo["holds"]:
            fo["status"] = fo.pop("held_from", "OPEN")
        fo = save_fo(store, shop, fo)
        for hold in released:
            events.emit(
                store,
                shop,
                "fulfillment_holds/released",
                fo_payloads.hold_event(
                    "fulfillment_holds/released",
                    fo,
                    fo_payloads.hold(hold),
                ),
            )
        if not fo["holds"]:
            events.emit(store, shop, "fulfillment_orders/hold_released", fo_payloads.fo_status(fo))
        return fo
