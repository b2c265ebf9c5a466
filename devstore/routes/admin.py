"""The store admin's pages: the shops, a shop's orders, one order, and the staff's moves on
them (cancel an order, request fulfillment or cancellation of a fulfillment order)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, url_for

from devstore import auth, commerce
from devstore.routes.admin_fulfill import fulfillable_by_shop
from devstore.routes.common import get_store, shop_or_404

bp = Blueprint("admin", __name__)


def fulfillment_status(order: dict, fos: list[dict]) -> str:
    """The admin's order-level badge, derived from the order's fulfillment orders."""
    if order.get("cancelled_at"):
        return "Cancelled"
    live = [fo for fo in fos if fo["status"] != "CANCELLED"]
    if live and all(fo["status"] == "CLOSED" for fo in live):
        return "Fulfilled"
    if any(
        line["remaining_quantity"] < line["total_quantity"]
        for fo in live
        for line in fo["line_items"]
    ):
        return "Partially fulfilled"
    if any(fo["status"] == "ON_HOLD" for fo in live):
        return "On hold"
    return "Unfulfilled"


def service_locations(shop: str) -> set[int]:
    return {f["location_id"] for f in get_store().peek("fulfillment_service", shop=shop)}


@bp.get("/")
def index():
    store = get_store()
    return render_template("index.html", shops=store.find("shop"), apps=store.find("app"))


@bp.get("/store/<shop>/admin")
def admin_orders(shop):
    shop_doc = shop_or_404(shop)
    store = get_store()
    orders = commerce.list_orders(store, shop)[:100]
    fos = {}
    for fo in store.peek("fulfillment_order", shop=shop):
        fos.setdefault(fo["order_id"], []).append(fo)
    installed = [a for a in store.find("app") if auth.is_installed(store, shop, a["client_id"])]
    return render_template(
        "admin.html",
        shop=shop_doc,
        orders=orders,
        fos=fos,
        statuses={o["id"]: fulfillment_status(o, fos.get(o["id"], [])) for o in orders},
        apps=store.find("app"),
        installed=installed,
        message=request.args.get("message"),
        service_locations=service_locations(shop),
    )


@bp.get("/store/<shop>/admin/orders/<int:order_id>")
def admin_order(shop, order_id):
    shop_doc = shop_or_404(shop)
    store = get_store()
    try:
        order = commerce.get_order(store, shop, order_id)
    except commerce.NotFound:
        abort(404)
    fos = commerce.fulfillment_orders_of(store, shop, order_id)
    return render_template(
        "order.html",
        shop=shop_doc,
        order=order,
        fos=fos,
        fulfillments=commerce.fulfillments_of(store, shop, order_id),
        fulfillment_status=fulfillment_status(order, fos),
        fulfillable={fo["id"] for fo in fos if fulfillable_by_shop(store, shop, fo)},
        locations={loc["id"]: loc["name"] for loc in store.peek("location", shop=shop)},
        service_locations=service_locations(shop),
        message=request.args.get("message"),
    )


@bp.post("/store/<shop>/admin/orders/<int:order_id>/cancel")
def admin_cancel_order(shop, order_id):
    """The admin's "Cancel order" (e.g. a supplier cancelling an order placed in its store)."""
    shop_or_404(shop)
    try:
        commerce.cancel_order(
            get_store(),
            shop,
            order_id,
            reason=request.form.get("reason") or "OTHER",
            restock=bool(request.form.get("restock")),
            notify_customer=bool(request.form.get("notify_customer")),
        )
        message = "Order cancelled"
    except (commerce.UserError, commerce.NotFound) as exc:
        message = str(exc)
    back = url_for(".admin_order", shop=shop, order_id=order_id)
    return redirect(f"{back}?{urlencode({'message': message})}")


@bp.post("/store/<shop>/admin/fulfillment_orders/<int:fo_id>/<action>")
def admin_fo_action(shop, fo_id, action):
    shop_or_404(shop)
    store, note = get_store(), request.form.get("message") or None
    moves = {
        "request_fulfillment": lambda: commerce.submit_fulfillment_request(
            store, shop, fo_id, message=note
        ),
        "request_cancellation": lambda: commerce.submit_cancellation_request(
            store, shop, fo_id, message=note
        ),
    }
    moves.update(_rearranging(store, shop, fo_id))
    if action not in moves:
        abort(404)
    try:
        moves[action]()
        message = {"move": "Moved", "split": "Split", "merge": "Merged"}.get(action, "Request sent")
    except (commerce.UserError, commerce.NotFound) as exc:
        message = str(exc)
    back = url_for(".admin_orders", shop=shop)
    if (request.referrer or "").startswith(f"{request.host_url}store/{shop}/admin/orders/"):
        back = request.referrer.split("?")[0]  # stay on the order page it came from
    return redirect(f"{back}?{urlencode({'message': message})}")


def _rearranging(store, shop: str, fo_id: int) -> dict:
    """The order page's "Move", "Split" and "Merge" (Shopify admin: "Change location", "Split
    fulfillment order", "Merge fulfillment orders"), from the form's fields."""
    form = request.form

    def lines():
        if not form.get("line_item_id"):
            return None
        line_gid = commerce.gid("FulfillmentOrderLineItem", int(form["line_item_id"]))
        return [{"id": line_gid, "quantity": int(form.get("quantity") or 1)}]

    return {
        "move": lambda: commerce.move_fulfillment_order(
            store, shop, fo_id, new_location_id=int(form["location_id"]), line_items=lines()
        ),
        "split": lambda: commerce.split_fulfillment_order(store, shop, fo_id, lines() or []),
        "merge": lambda: commerce.merge_fulfillment_orders(
            store,
            shop,
            [
                {"fulfillmentOrderId": commerce.gid("FulfillmentOrder", i)}
                for i in [fo_id, *[int(x) for x in form.getlist("with")]]
            ],
        ),
    }
