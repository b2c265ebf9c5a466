"""The store admin's "Fulfill items" page (Shopify admin: an order's unfulfilled card → Fulfill
items): per fulfillment order, how many of each line go in this parcel, the tracking number,
the carrier, a tracking URL and whether to tell the customer. It ships through
commerce.fulfill_fulfillment_order, the control API's `fulfill` too, so the same webhooks fire
(fulfillments/create, orders/partially_fulfilled or orders/fulfilled, orders/updated). Some
lines now and the rest later is two parcels, two fulfillments."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for

from devstore import commerce
from devstore.routes.common import get_store, shop_or_404

bp = Blueprint("admin_fulfill", __name__)

# The admin's carrier list (a few of Shopify's); any other name may be typed.
CARRIERS = (
    "UPS",
    "USPS",
    "FedEx",
    "DHL Express",
    "Canada Post",
    "Royal Mail",
    "La Poste",
    "Magyar Posta",
    "GLS",
    "DPD",
)
FULFILLABLE = ("OPEN", "IN_PROGRESS")


def fulfillable_by_shop(store, shop: str, fo: dict) -> bool:
    """Shopify's admin offers "Fulfill items" on fulfillment orders at the shop's own locations
    with work left; one at a fulfillment service's location is that app's to fulfill."""
    services = {f["location_id"] for f in store.peek("fulfillment_service", shop=shop)}
    return (
        fo["status"] in FULFILLABLE
        and fo["location_id"] not in services
        and any(line["remaining_quantity"] for line in fo["line_items"])
    )


class FormError(Exception):
    pass


def _parsed(fo: dict, form) -> tuple[dict[int, int], dict]:
    """(quantities per fulfillment order line, tracking) from the form, or FormError."""
    quantities = {}
    for line in fo["line_items"]:
        raw = (form.get(f"quantity-{line['id']}") or "0").strip()
        if not raw.isdigit() or int(raw) > line["remaining_quantity"]:
            raise FormError(
                f"Quantity for line {line['id']} must be a whole number from 0 to "
                f"{line['remaining_quantity']}."
            )
        quantities[line["id"]] = int(raw)
    if not any(quantities.values()):
        raise FormError("Choose at least one item to fulfill.")
    url = (form.get("tracking_url") or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise FormError("Tracking URL must start with https:// or http://.")
    tracking = {
        "number": (form.get("tracking_number") or "").strip() or None,
        "company": (form.get("company") or "").strip() or None,
        "url": url or None,
    }
    return quantities, tracking


def _page(shop_doc: dict, order: dict, fo: dict, *, error=None, form=None, status=200):
    store = get_store()
    titles = {li["id"]: li for li in order["line_items"]}
    locations = {loc["id"]: loc["name"] for loc in store.peek("location", shop=shop_doc["domain"])}
    return (
        render_template(
            "fulfill.html",
            shop=shop_doc,
            order=order,
            fo=fo,
            items=titles,
            location=locations.get(fo["location_id"], fo["location_id"]),
            carriers=CARRIERS,
            error=error,
            form=form or {},
        ),
        status,
    )


def _load(shop: str, order_id: int, fo_id: int) -> tuple[dict, dict, dict]:
    shop_doc, store = shop_or_404(shop), get_store()
    try:
        order = commerce.get_order(store, shop, order_id)
        fo = commerce.get_fulfillment_order(store, shop, fo_id)
    except commerce.NotFound:
        abort(404)
    if fo["order_id"] != order_id:
        abort(404)
    return shop_doc, order, fo


def _back(shop: str, order_id: int, message: str):
    back = url_for("admin.admin_order", shop=shop, order_id=order_id)
    return redirect(f"{back}?{urlencode({'message': message})}")


@bp.get("/store/<shop>/admin/orders/<int:order_id>/fulfillment_orders/<int:fo_id>/fulfill")
def fulfill_form(shop, order_id, fo_id):
    shop_doc, order, fo = _load(shop, order_id, fo_id)
    if not fulfillable_by_shop(get_store(), shop, fo):
        return _back(shop, order_id, "Nothing left to fulfill on this fulfillment order.")
    return _page(shop_doc, order, fo)


@bp.post("/store/<shop>/admin/orders/<int:order_id>/fulfillment_orders/<int:fo_id>/fulfill")
def fulfill(shop, order_id, fo_id):
    shop_doc, order, fo = _load(shop, order_id, fo_id)
    store = get_store()
    if not fulfillable_by_shop(store, shop, fo):
        return _page(
            shop_doc, order, fo, error="This fulfillment order cannot be fulfilled.", status=409
        )
    try:
        quantities, tracking = _parsed(fo, request.form)
        fulfillment = commerce.fulfill_fulfillment_order(
            store,
            shop,
            fo_id,
            quantities=quantities,
            tracking=tracking,
            notify_customer=bool(request.form.get("notify_customer")),
        )
    except (FormError, commerce.UserError) as exc:
        return _page(shop_doc, order, fo, error=str(exc), form=request.form, status=422)
    count = sum(line["quantity"] for line in fulfillment["line_items"])
    return _back(shop, order_id, f"Fulfilled {count} item{'s' if count != 1 else ''}")
