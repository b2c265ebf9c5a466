"""/_devstore control routes over a shop's locations and the merchant's rearranging of
fulfillment orders: add a location of the merchant's own, move a fulfillment order to another
location, split one, merge several (each as the mutation of the same name does); and the clock
that opens scheduled fulfillment orders."""

from __future__ import annotations

from flask import Blueprint, request

from devstore import commerce
from devstore.routes.common import get_store, ok

bp = Blueprint("control_fo", __name__)


def location_named(shop: str, body: dict) -> int | None:
    """The location a control body names: `location_id`, the fulfillment-service location of
    the app `client_id`, or with `merchant` the shop's own (primary) location."""
    store = get_store()
    if body.get("client_id"):
        services = commerce.fulfillment_services_of(store, shop, body["client_id"])
        return services[0]["location_id"] if services else None
    if body.get("merchant"):
        return (store.get("shop", shop) or {}).get("primary_location_id")
    return int(body["location_id"]) if body.get("location_id") else None


def _line_inputs(body: dict) -> list[dict] | None:
    """[{"id": fulfillment order line item id or gid, "quantity"}] as GraphQL takes them."""
    lines = body.get("line_items")
    if not lines:
        return None
    return [
        {"id": commerce.gid("FulfillmentOrderLineItem", li["id"]), "quantity": li["quantity"]}
        if isinstance(li["id"], int) or str(li["id"]).isdigit()
        else li
        for li in lines
    ]


@bp.get("/_devstore/shops/<shop>/locations")
def locations(shop):
    return ok(commerce.locations_of(get_store(), shop))


@bp.post("/_devstore/shops/<shop>/locations")
def add_location(shop):
    body = request.get_json(force=True)
    return ok(commerce.add_location(get_store(), shop, name=body.get("name", "Warehouse")), 201)


@bp.post("/_devstore/shops/<shop>/stock")
def stock(shop):
    """Stock SKUs at a location, at the fulfillment service an app registered, or (`merchant`)
    at the shop's own location. `add` (always so for `merchant`) stocks them there too rather
    than moving them, so several locations stock them and routing chooses."""
    body, store = request.get_json(force=True), get_store()
    location_id = location_named(shop, body)
    if location_id is None:
        return ok(
            {"error": "name a location_id, an app with a fulfillment service, or merchant"}, 422
        )
    add = bool(body.get("add") or body.get("merchant"))
    with store.transaction():
        moved = commerce.stock_skus_at(store, shop, body["skus"], location_id, add=add)
        created = []
        if body.get("create"):
            # `create`: SKUs the shop does not sell yet become products stocked only there (the
            # merchant adding a dropshipped product), so orders of them route to that location.
            known = {v["sku"] for v in store.find("variant", shop=shop)}
            for sku in dict.fromkeys(body["skus"]):
                if sku not in known:
                    created.append(sku)
                    commerce.create_variant(
                        store,
                        shop,
                        title=sku,
                        variant_title="Default Title",
                        sku=sku,
                        price=str(body.get("price", "10.00")),
                        location_id=location_id,
                    )
    return ok({"moved": moved, "created": created, "location_id": location_id})


@bp.post("/_devstore/shops/<shop>/fulfillment_orders/<int:fo_id>/move")
def move(shop, fo_id):
    body = request.get_json(silent=True) or {}
    location_id = location_named(shop, body)
    if location_id is None:
        return ok(
            {"error": "name a location_id, an app with a fulfillment service, or merchant"}, 422
        )
    result = commerce.move_fulfillment_order(
        get_store(), shop, fo_id, new_location_id=location_id, line_items=_line_inputs(body)
    )
    return ok(result)


@bp.post("/_devstore/shops/<shop>/fulfillment_orders/<int:fo_id>/split")
def split(shop, fo_id):
    body = request.get_json(silent=True) or {}
    return ok(commerce.split_fulfillment_order(get_store(), shop, fo_id, _line_inputs(body) or []))


@bp.post("/_devstore/shops/<shop>/fulfillment_orders/<int:fo_id>/merge")
def merge(shop, fo_id):
    """Merge the fulfillment orders `with` (ids) into this one."""
    body = request.get_json(silent=True) or {}
    intents = [
        {"fulfillmentOrderId": commerce.gid("FulfillmentOrder", i)}
        for i in [fo_id, *[int(x) for x in body.get("with") or []]]
    ]
    return ok(commerce.merge_fulfillment_orders(get_store(), shop, intents))


@bp.post("/_devstore/shops/<shop>/clock")
def clock(shop):
    """The time passing: scheduled fulfillment orders due by `until` (an ISO time), or by the
    fulfill_at of `fulfillment_order_id`, open (now when neither is given)."""
    body, store = request.get_json(silent=True) or {}, get_store()
    until = body.get("until")
    if body.get("fulfillment_order_id"):
        fo = commerce.get_fulfillment_order(store, shop, int(body["fulfillment_order_id"]))
        until = fo.get("fulfill_at") or until
    return ok({"opened": commerce.advance_clock(store, shop, until)})
