"""Moving, splitting and merging fulfillment orders, as the merchant (or an order-management
app) does in Shopify: fulfillmentOrderMove, fulfillmentOrderSplit, fulfillmentOrderMerge."""

from __future__ import annotations

from devstore import events
from devstore import fo_payloads as payloads
from devstore.commerce.common import UserError, parse_gid
from devstore.commerce.fulfillment_orders import (
    get_fulfillment_order,
    new_fulfillment_order,
    save_fo,
)
from devstore.commerce.shops import stocked_locations
from devstore.store import Store

# Request statuses that mean a fulfillment service is acting on the fulfillment order: Shopify
# refuses to move it until a cancellation request has been accepted.
_AWAITING_SERVICE = ("SUBMITTED", "ACCEPTED", "CANCELLATION_REQUESTED", "CANCELLATION_REJECTED")
_MOVABLE = ("OPEN", "SCHEDULED", "IN_PROGRESS")
# What a new fulfillment order carved out of another one inherits.
_INHERITED = ("fulfill_at", "delivery_method")


def sibling(store: Store, shop: str, fo: dict, location_id: int, lines: list) -> dict:
    """A new fulfillment order of the same order, status and schedule as `fo`."""
    new = new_fulfillment_order(
        store, shop, fo["order_id"], location_id, lines, status=fo["status"]
    )
    new.update({key: fo[key] for key in _INHERITED if key in fo})
    return save_fo(store, shop, new)


def requested_quantities(fo: dict, line_items: list[dict] | None, field: str) -> dict[int, int]:
    """{fulfillment order line item id: quantity} from FulfillmentOrderLineItemInput, every
    remaining unit when none are given; Shopify's INVALID_LINE_ITEM_QUANTITY otherwise."""
    remaining = {line["id"]: line["remaining_quantity"] for line in fo["line_items"]}
    if not line_items:
        return {line_id: qty for line_id, qty in remaining.items() if qty}
    wanted: dict[int, int] = {}
    for li in line_items:
        line_id = parse_gid(li["id"], "FulfillmentOrderLineItem")
        qty = int(li["quantity"])
        if line_id not in remaining or qty < 0 or qty > remaining[line_id]:
            raise UserError(
                "Invalid quantity for fulfillment order line item.",
                field=[field],
                code="INVALID_LINE_ITEM_QUANTITY",
            )
        if qty:
            wanted[line_id] = wanted.get(line_id, 0) + qty
    return wanted


def take_lines(fo: dict, wanted: dict[int, int]) -> list[tuple[int, int]]:
    """Take the wanted unfulfilled units off `fo`; returns (order line item id, quantity)."""
    taken, kept = [], []
    for line in fo["line_items"]:
        qty = wanted.get(line["id"], 0)
        if qty:
            taken.append((line["line_item_id"], qty))
            line["total_quantity"] -= qty
            line["remaining_quantity"] -= qty
        if line["total_quantity"]:
            kept.append(line)
    fo["line_items"] = kept
    return taken


def _check_movable(store: Store, shop: str, fo: dict, location_id: int) -> None:
    if fo["status"] not in _MOVABLE or fo["request_status"] in _AWAITING_SERVICE:
        raise UserError(
            f"Cannot move a fulfillment order that is {fo['status']} with request status "
            f"{fo['request_status']}.",
            field=["id"],
        )
    if store._shop_of.get(("location", str(location_id))) != shop:
        raise UserError("Location not found.", field=["newLocationId"])
    if location_id == fo["location_id"]:
        raise UserError(
            "Cannot move the fulfillment order to the location it is assigned to.",
            field=["newLocationId"],
        )


def _check_stocked(store: Store, fo: dict, wanted: dict[int, int], location_id: int) -> None:
    order = store.get("order", fo["order_id"])
    items = {item["id"]: item for item in order["line_items"]}
    for line in fo["line_items"]:
        item = items[line["line_item_id"]]
        variant = store.get("variant", item["variant_id"]) if item.get("variant_id") else None
        if line["id"] in wanted and variant and location_id not in stocked_locations(variant):
            raise UserError(
                f"The destination location doesn't stock {item['sku'] or item['title']}.",
                field=["newLocationId"],
            )


def move_fulfillment_order(
    store: Store,
    shop: str,
    fo_id: int,
    *,
    new_location_id: int,
    line_items: list[dict] | None = None,
) -> dict:
    """Reassign unfulfilled units to another location. Every unit of an untouched fulfillment
    order: the fulfillment order itself moves. Otherwise the units go to a new fulfillment order
    at the destination, and the original, left with nothing to fulfill, closes."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _check_movable(store, shop, fo, new_location_id)
        wanted = requested_quantities(fo, line_items, "fulfillmentOrderLineItems")
        if not wanted:
            raise UserError("Must select at least one line item.", field=["id"])
        _check_stocked(store, fo, wanted, new_location_id)
        source_id = fo["location_id"]
        untouched = all(
            line["total_quantity"] == line["remaining_quantity"] for line in fo["line_items"]
        )
        whole = wanted == {line["id"]: line["total_quantity"] for line in fo["line_items"]}
        if untouched and whole:
            fo["location_id"] = new_location_id
            moved = original = save_fo(store, shop, fo)
        else:
            moved = sibling(store, shop, fo, new_location_id, take_lines(fo, wanted))
            if moved["status"] == "IN_PROGRESS":  # a merchant's partial fulfillment stays behind
                moved["status"] = "OPEN"
                moved = save_fo(store, shop, moved)
            if not any(line["remaining_quantity"] for line in fo["line_items"]):
                fo["status"] = "CLOSED"
            original = save_fo(store, shop, fo)
        events.emit(
            store,
            shop,
            "fulfillment_orders/moved",
            payloads.fo_moved(original, moved, source_id, line_items and wanted),
        )
        remaining = None if moved["id"] == original["id"] else original
        return {"original": original, "moved": moved, "remaining": remaining}


def _check_rearrangeable(fo: dict, field: str) -> None:
    if fo["status"] not in ("OPEN", "SCHEDULED", "ON_HOLD") or fo["request_status"] not in (
        "UNSUBMITTED",
        "REJECTED",
        "CANCELLATION_ACCEPTED",
    ):
        raise UserError(
            f"Fulfillment order is {fo['status']} with request status {fo['request_status']} "
            "and cannot be split or merged.",
            field=[field],
        )


def split_fulfillment_order(store: Store, shop: str, fo_id: int, line_items: list[dict]) -> dict:
    """Move the given units into a new fulfillment order at the same location."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _check_rearrangeable(fo, "fulfillmentOrderSplits")
        wanted = requested_quantities(fo, line_items, "fulfillmentOrderLineItems")
        if not wanted:
            raise UserError(
                "No line items provided to split.",
                field=["fulfillmentOrderLineItems"],
                code="NO_LINE_ITEMS_PROVIDED_TO_SPLIT",
            )
        if wanted == {line["id"]: line["remaining_quantity"] for line in fo["line_items"]}:
            raise UserError(
                "Cannot split every unit of a fulfillment order: nothing would remain.",
                field=["fulfillmentOrderLineItems"],
                code="INVALID_LINE_ITEM_QUANTITY",
            )
        remaining = sibling(store, shop, fo, fo["location_id"], take_lines(fo, wanted))
        remaining["holds"] = list(fo["holds"])
        remaining = save_fo(store, shop, remaining)
        fo = save_fo(store, shop, fo)
        events.emit(
            store, shop, "fulfillment_orders/split", payloads.fo_split(fo, remaining, line_items)
        )
        return {"fulfillment_order": fo, "remaining": remaining}


def merge_fulfillment_orders(store: Store, shop: str, intents: list[dict]) -> dict:
    """Merge fulfillment orders of one order at one location into the first of them: the
    units given (every unit when none are) join it; a fulfillment order left with nothing to
    fulfill closes."""
    with store.transaction():
        if len(intents) < 2:
            raise UserError(
                "At least two fulfillment orders are needed to merge.", field=["mergeIntents"]
            )
        fos = [
            get_fulfillment_order(
                store, shop, parse_gid(i["fulfillmentOrderId"], "FulfillmentOrder")
            )
            for i in intents
        ]
        target = fos[0]
        for fo in fos:
            _check_rearrangeable(fo, "mergeIntents")
            if (fo["order_id"], fo["location_id"], fo["status"]) != (
                target["order_id"],
                target["location_id"],
                target["status"],
            ):
                raise UserError(
                    "Fulfillment orders must belong to the same order, location and status "
                    "to be merged.",
                    field=["mergeIntents"],
                )
        merged_lines = []
        for fo, intent in zip(fos, intents, strict=True):
            wanted = requested_quantities(
                fo, intent.get("fulfillmentOrderLineItems"), "mergeIntents"
            )
            merged_lines.append((fo, wanted))
        for fo, wanted in merged_lines[1:]:
            for line_id, qty in take_lines(fo, wanted):
                add_units(store, target, line_id, qty)
            if not any(line["remaining_quantity"] for line in fo["line_items"]):
                fo["status"] = "CLOSED"
            save_fo(store, shop, fo)
        target = save_fo(store, shop, target)
        events.emit(
            store, shop, "fulfillment_orders/merged", payloads.fo_merged(target, merged_lines)
        )
        return {"fulfillment_order": target}


def add_units(store: Store, fo: dict, line_item_id: int, qty: int) -> None:
    """Add units of an order line to `fo` (to its line for it, or a new one)."""
    for line in fo["line_items"]:
        if line["line_item_id"] == line_item_id:
            line["total_quantity"] += qty
            line["remaining_quantity"] += qty
            return
    fo["line_items"].append(
        {
            "id": store.next_id("fulfillment_order_line_item", start=8_000_001),
            "line_item_id": line_item_id,
            "total_quantity": qty,
            "remaining_quantity": qty,
        }
    )
