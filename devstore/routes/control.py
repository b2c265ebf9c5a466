"""JSON control routes under /_devstore: the CLI and tests drive devstore through these. This
module: health, apps and shops, settings, usage, and a query-hmac check; the orders' and the
apps' control routes are in control_orders and control_apps."""

from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request

from devstore import auth, commerce, usage
from devstore.routes.common import SHOP_RE, get_settings, get_store, ok

bp = Blueprint("control", __name__)


# App-wide, as commerce's errors may escape any route.
@bp.app_errorhandler(commerce.UserError)
def user_error(exc):
    return jsonify({"error": exc.message, "field": exc.field}), 422


@bp.app_errorhandler(commerce.NotFound)
def not_found(exc):
    return jsonify({"error": str(exc)}), 404


@bp.get("/_devstore/health")
def health():
    store = get_store()
    return ok({"ok": True, "shops": len(store.find("shop")), "apps": len(store.find("app"))})


@bp.post("/_devstore/apps")
def add_app():
    body = request.get_json(force=True)
    doc = auth.register_app(
        get_store(),
        client_id=body["client_id"],
        client_secret=body["client_secret"],
        name=body.get("name", body["client_id"]),
        app_url=body["app_url"],
        redirect_urls=body.get("redirect_urls") or [],
        scopes=body.get("scopes") or [],
        webhooks_uri=body.get("webhooks_uri"),
    )
    return ok({k: v for k, v in doc.items() if k != "client_secret"}, 201)


@bp.post("/_devstore/shops")
def add_shop():
    body = request.get_json(force=True)
    if not SHOP_RE.match(body.get("domain", "")):
        return ok({"error": "domain must look like name.myshopify.com"}, 400)
    return ok(
        commerce.ensure_shop(
            get_store(),
            body["domain"],
            name=body.get("name"),
            currency=body.get("currency", "USD"),
            plan=body.get("plan", "standard"),
            email=body.get("email"),
            locale=body.get("locale"),
        ),
        201,
    )


@bp.post("/_devstore/settings")
def update_settings():
    body, settings = request.get_json(force=True), get_settings()
    for key, value in body.items():
        if not hasattr(settings, key):
            return ok({"error": f"unknown setting {key}"}, 400)
        setattr(settings, key, type(getattr(settings, key))(value))
    return ok(vars(settings))


@bp.get("/_devstore/settings")
def read_settings():
    return ok(vars(get_settings()))


@bp.get("/_devstore/usage")
def read_usage():
    """Admin GraphQL calls and cost points per (shop, app) since start (devstore/usage.py)."""
    return ok(usage.report(request.args.get("shop")))


@bp.delete("/_devstore/usage")
def reset_usage():
    usage.reset()
    return ok()


@bp.post("/_devstore/verify_hmac")
def verify_hmac_route():
    """Testing aid: check a query hmac the way Shopify computes it."""
    body = request.get_json(force=True)
    app_doc = auth.get_app(get_store(), body["client_id"]) or {}
    expected = auth.query_hmac(app_doc.get("client_secret", ""), body["params"])
    return ok({"valid": hmac.compare_digest(expected, body["params"].get("hmac", ""))})
