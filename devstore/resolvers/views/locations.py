"""Views of a shop's locations (`locations`, `location`) and of where a fulfillment order can
move to (`FulfillmentOrder.locationsForMove`)."""

from __future__ import annotations

from devstore import commerce
from devstore.commerce import gid, parse_gid
from devstore.resolvers.common import Context, connection


def location_view(ctx: Context, location: dict) -> dict:
    shop = ctx.store.get("shop", ctx.shop)
    service_id = location.get("fulfillment_service_id")
    return {
        "__typename": "Location",
        "id": gid("Location", location["id"]),
        "legacyResourceId": str(location["id"]),
        "name": location["name"],
        "isActive": True,
        "isPrimary": location["id"] == shop["primary_location_id"],
        "isFulfillmentService": bool(service_id),
        "fulfillsOnlineOrders": True,
        "shipsInventory": True,
        "hasActiveInventory": True,
        "fulfillmentService": service_id
        and {"__typename": "FulfillmentService", "id": gid("FulfillmentService", service_id)},
    }


def locations(ctx: Context, *, query=None, includeInactive=None, includeLegacy=None, **page):
    docs = commerce.locations_of(ctx.store, ctx.shop)
    return connection(docs, lambda loc: location_view(ctx, loc), **page)


def location(ctx: Context, id=None) -> dict | None:
    """By id, or the shop's primary location when none is given (as Shopify answers)."""
    shop = ctx.store.get("shop", ctx.shop)
    location_id = parse_gid(id, "Location") if id else shop["primary_location_id"]
    doc = ctx.store.get("location", location_id)
    if doc is None or ctx.store._shop_of.get(("location", str(location_id))) != ctx.shop:
        return None
    return location_view(ctx, doc)


def _count(value: int) -> dict:
    return {"__typename": "Count", "count": value, "precision": "EXACT"}


def locations_for_move(ctx: Context, fo: dict, order: dict, **page) -> dict:
    """Every other location, movable when it stocks each line still to fulfill."""
    items = {item["id"]: item for item in order["line_items"]}
    lines = [line for line in fo["line_items"] if line["remaining_quantity"]]

    def stocks(location_id: int, line: dict) -> bool:
        variant_id = items[line["line_item_id"]].get("variant_id")
        variant = ctx.store.get("variant", variant_id) if variant_id else None
        return variant is None or location_id in commerce.stocked_locations(variant)

    def view(loc: dict) -> dict:
        available = sum(stocks(loc["id"], line) for line in lines)
        unavailable = len(lines) - available
        return {
            "__typename": "FulfillmentOrderLocationForMove",
            "location": location_view(ctx, loc),
            "movable": bool(lines) and not unavailable,
            "message": "Some items are not stocked at this location." if unavailable else None,
            "availableLineItemsCount": _count(available),
            "unavailableLineItemsCount": _count(unavailable),
        }

    others = [
        loc for loc in commerce.locations_of(ctx.store, ctx.shop) if loc["id"] != fo["location_id"]
    ]
    return connection(others, view, **page)
