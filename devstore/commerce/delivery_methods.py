"""How the customer gets an order, chosen at checkout: shipped (the default), picked up at one
of the merchant's locations (PICK_UP: no shipping address), or delivered locally from one
(LOCAL). Shopify assigns pickup and local-delivery orders to the location the customer chose;
each fulfillment order carries the delivery method (FulfillmentOrder.deliveryMethod)."""

from __future__ import annotations

from devstore.commerce.common import UserError
from devstore.store import Store

PRESENTED = {"PICK_UP": "Pickup at {name}", "LOCAL": "Local delivery from {name}"}


def delivery_method(store: Store, shop: str, shop_doc: dict, spec: dict | None) -> dict | None:
    """{"type": "PICK_UP"|"LOCAL", "location_id"?} -> the order's delivery method, at the
    shop's own location unless another of the merchant's is named. None: shipped."""
    if not spec:
        return None
    method = spec.get("type")
    if method not in PRESENTED:
        raise UserError(f"Unsupported delivery method {method!r}", field=["deliveryMethod"])
    location_id = int(spec.get("location_id") or shop_doc["primary_location_id"])
    location = store.get("location", location_id)
    if location is None or store._shop_of.get(("location", str(location_id))) != shop:
        raise UserError("Location not found.", field=["deliveryMethod", "location"])
    if location.get("fulfillment_service_id"):
        raise UserError(
            "Pickup and local delivery are offered from the merchant's own locations only.",
            field=["deliveryMethod", "location"],
        )
    return {
        "method_type": method,
        "location_id": location_id,
        "presented_name": PRESENTED[method].format(name=location["name"]),
    }


def order_addresses(method: dict | None, address: dict) -> dict:
    """The order's addresses (and delivery method): a pickup order has no shipping address,
    the customer's address still bills it; a shipped order's one address does both."""
    if not method:
        return {"shipping_address": address}
    shipping = None if method["method_type"] == "PICK_UP" else address
    return {"shipping_address": shipping, "billing_address": address, "delivery_method": method}


def route_to_method(order: dict, groups: list) -> list:
    """A pickup or local-delivery order goes whole to the chosen location."""
    method = order.get("delivery_method")
    if not method:
        return groups
    for item in order["line_items"]:
        item["location_id"] = method["location_id"]
    return [(method["location_id"], list(order["line_items"]))]
