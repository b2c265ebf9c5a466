"""Shopify's order routing: which location each line of a new order is assigned to.

Shopify's default rules (help.shopify.com, "Order routing"): keep the order at as few
locations as possible ("minimize split fulfillment"), then prefer locations by the merchant's
ranking. devstore ranks locations in the order they were added (the shop's own location
first). A line whose variant is stocked at one location only always goes there, so orders of
a shop whose SKUs each sit at one location are routed exactly as before locations could
share stock.
"""

from __future__ import annotations

from devstore.commerce.shops import locations_of, stocked_locations
from devstore.store import Store


def _candidates(store: Store, item: dict) -> list[int]:
    variant = store.get("variant", item["variant_id"]) if item.get("variant_id") else None
    return stocked_locations(variant) if variant else [item["location_id"]]


def route_lines(store: Store, shop: str, items: list[dict]) -> list[tuple[int, list[dict]]]:
    """(location id, lines) per location, in the order the locations' first lines appear."""
    candidates = {item["id"]: _candidates(store, item) for item in items}
    rank = {loc["id"]: index for index, loc in enumerate(locations_of(store, shop))}
    assigned: dict[int, int] = {}
    unassigned = [item["id"] for item in items]
    while unassigned:
        # The location that can take most of the lines left, the higher ranked on a tie.
        covering: dict[int, int] = {}
        for line_id in unassigned:
            for location_id in candidates[line_id]:
                covering[location_id] = covering.get(location_id, 0) + 1
        best = min(covering, key=lambda loc: (-covering[loc], rank.get(loc, len(rank))))
        for line_id in [i for i in unassigned if best in candidates[i]]:
            assigned[line_id] = best
            unassigned.remove(line_id)
    groups: dict[int, list[dict]] = {}
    for item in items:
        item["location_id"] = assigned[item["id"]]
        groups.setdefault(item["location_id"], []).append(item)
    return list(groups.items())
