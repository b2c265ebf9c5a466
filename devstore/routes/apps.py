"""Apps in the admin: an embedded app's frame (managed installation on first open), the
install hit of the authorization-code flow, App Bridge's idToken() and its script."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request

from devstore import auth
from devstore.routes.common import admin_base, get_store, shop_or_404

bp = Blueprint("apps", __name__)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Shopify's admin passes a sub-path and the query of /apps/<app>/<sub-path>?... on to the app's
# frame (app_url/<sub-path>?...), as the deep links an app sends people to (a return page).
RESERVED = ("embedded", "host", "id_token", "session", "shop", "timestamp", "hmac", "path")


@bp.get("/store/<shop>/admin/apps/<client_id>")
@bp.get("/store/<shop>/admin/apps/<client_id>/<path:subpath>")
def open_app(shop, client_id, subpath=""):
    shop_or_404(shop)
    store = get_store()
    app_doc = auth.get_app(store, client_id) or abort(404)
    if not auth.is_installed(store, shop, client_id):
        # Managed installation: Shopify installs without calling the app; the app then
        # exchanges the ID token it is loaded with for an offline token.
        auth.install(store, shop, client_id, app_doc["scopes"])
    query = {
        "embedded": "1",
        "host": auth.host_param(admin_base(shop)),
        "id_token": auth.mint_id_token(app_doc, shop),
        "locale": request.args.get("locale", "en"),
        "session": auth.alnum_token(16),
        "shop": shop,
        "timestamp": str(int(time.time())),
    }
    # ?path=orders?supplier=2 (the admin's older form of a deep link) carries its own query.
    path, _, path_query = (subpath or request.args.get("path", "")).partition("?")
    passed = [*request.args.items(), *parse_qsl(path_query)]
    query |= {k: v for k, v in passed if k not in RESERVED and k not in query}
    query["hmac"] = auth.query_hmac(app_doc["client_secret"], query)
    src = f"{app_doc['app_url'].rstrip('/')}/{path.lstrip('/')}?{urlencode(query)}"
    return render_template(
        "app_frame.html", shop=shop, app_doc=app_doc, src=src, reserved=[*RESERVED, "locale"]
    )


@bp.get("/store/<shop>/admin/apps/<client_id>/install")
def legacy_install(shop, client_id):
    """The install hit of the authorization-code flow: a top-level load of the App URL."""
    shop_or_404(shop)
    app_doc = auth.get_app(get_store(), client_id) or abort(404)
    query = {
        "host": auth.host_param(admin_base(shop)),
        "shop": shop,
        "timestamp": str(int(time.time())),
    }
    query["hmac"] = auth.query_hmac(app_doc["client_secret"], query)
    return redirect(f"{app_doc['app_url']}?{urlencode(query)}")


@bp.post("/store/<shop>/admin/apps/<client_id>/id_token")
def admin_id_token(shop, client_id):
    """App Bridge's idToken(): asked by the admin page for its iframe, or by the stand-in
    itself over CORS on a top-level bounce page. devstore has no staff login, so whoever
    can reach it is the store's staff user, as on the admin page itself."""
    shop_or_404(shop)
    app_doc = auth.get_app(get_store(), client_id) or abort(404)
    response = jsonify({"id_token": auth.mint_id_token(app_doc, shop)})
    origin = request.headers.get("Origin")
    if origin and origin == origin_of(app_doc["app_url"]):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@bp.get("/cdn/shopifycloud/app-bridge.js")
def app_bridge():
    return current_app.send_static_file("app-bridge.js")
