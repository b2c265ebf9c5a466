"""/_devstore control routes on the apps' side: an app's ID tokens, install link and
uninstall, and the webhooks devstore sends apps (trigger one, list deliveries)."""

from __future__ import annotations

import json

from flask import Blueprint, request, url_for

from devstore import auth, commerce, events, payloads
from devstore.routes.common import get_store, ok

bp = Blueprint("control_apps", __name__)


@bp.post("/_devstore/shops/<shop>/apps/<client_id>/id_token")
def control_id_token(shop, client_id):
    app_doc = auth.get_app(get_store(), client_id)
    if app_doc is None:
        return ok({"error": "unknown app"}, 404)
    body = request.get_json(silent=True) or {}
    return ok(
        {"id_token": auth.mint_id_token(app_doc, shop, lifetime=int(body.get("lifetime", 60)))}
    )


@bp.post("/_devstore/shops/<shop>/apps/<client_id>/uninstall")
def control_uninstall(shop, client_id):
    auth.uninstall(get_store(), shop, client_id)
    return ok()


@bp.get("/_devstore/shops/<shop>/apps/<client_id>/install_link")
def install_link(shop, client_id):
    return ok(
        {"url": url_for("apps.legacy_install", shop=shop, client_id=client_id, _external=True)}
    )


def _latest_customer(store, shop: str, order_ids: list[int] | None):
    """The customer of the shop's latest order and their orders (None, order_ids if none)."""
    latest = commerce.list_orders(store, shop)[:1]
    if not latest:
        return None, order_ids
    buyer = latest[0]["customer"]
    customer = {k: buyer.get(k) for k in ("id", "email", "phone")}
    order_ids = order_ids or [
        o["id"]
        for o in commerce.list_orders(store, shop)
        if o["customer"].get("id") == buyer.get("id")
    ]
    return customer, order_ids


@bp.post("/_devstore/shops/<shop>/webhooks/trigger")
def trigger(shop):
    """Send a compliance topic (or any toml topic) with a Shopify-shaped payload."""
    body, store = request.get_json(force=True), get_store()
    topic = body["topic"]
    if topic not in events.TOML_TOPICS - {"app/uninstalled"}:
        return ok({"error": f"trigger supports {sorted(events.TOML_TOPICS)}"}, 400)
    customer, order_ids = body.get("customer"), body.get("order_ids")
    if customer is None and topic != "shop/redact":
        # Like a real request: about an actual customer of this store and their orders.
        customer, order_ids = _latest_customer(store, shop, order_ids)
    with store.transaction():
        events.emit(
            store,
            shop,
            topic,
            payloads.compliance(store, shop, topic, customer=customer, order_ids=order_ids),
        )
    return ok({"topic": topic, "customer": customer, "order_ids": order_ids})


@bp.get("/_devstore/deliveries")
def deliveries():
    shop, store = request.args.get("shop"), get_store()
    docs = store.find("webhook_delivery", shop=shop) if shop else store.find("webhook_delivery")
    return ok(
        [
            {k: v for k, v in d.items() if k != "body"} | {"payload": json.loads(d["body"])}
            for d in docs
        ]
    )
