"""OAuth under /store/{shop}/admin/oauth: the authorization-code grant's consent and redirect,
the token endpoint (code, token exchange, refresh), and access_scopes.json."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, render_template, request

from devstore import auth
from devstore.auth import OAuthError
from devstore.routes.common import (
    INVALID_TOKEN,
    admin_base,
    get_settings,
    get_store,
    shop_or_404,
)

bp = Blueprint("oauth", __name__)


@bp.route("/store/<shop>/admin/oauth/authorize", methods=["GET", "POST"])
def authorize(shop):
    shop_or_404(shop)
    store, params = get_store(), request.values
    app_doc = auth.get_app(store, params.get("client_id", ""))
    if app_doc is None:
        return render_template("error.html", message="Unknown client_id"), 400
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app_doc["redirect_urls"]:
        return render_template(
            "error.html", message="The redirect_uri is not whitelisted for this app"
        ), 400
    scopes = [s for s in (params.get("scope") or ",".join(app_doc["scopes"])).split(",") if s]
    approved = request.method == "POST" or get_settings().auto_approve or params.get("auto") == "1"
    if not approved:
        return render_template(
            "consent.html", app_doc=app_doc, shop=shop, scopes=scopes, params=params
        )
    code = auth.create_code(store, shop, app_doc, scopes)
    query = {
        "code": code,
        "host": auth.host_param(admin_base(shop)),
        "shop": shop,
        "state": params.get("state", ""),
        "timestamp": str(int(time.time())),
    }
    query["hmac"] = auth.query_hmac(app_doc["client_secret"], query)
    return redirect(f"{redirect_uri}?{urlencode(query)}")


@bp.post("/store/<shop>/admin/oauth/access_token")
def access_token(shop):
    shop_or_404(shop)
    body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    try:
        return jsonify(auth.access_token_grant(get_store(), get_settings(), shop, body or {}))
    except OAuthError as exc:
        return jsonify({"error": exc.error, "error_description": exc.description}), exc.status


@bp.get("/store/<shop>/admin/oauth/access_scopes.json")
def access_scopes(shop):
    shop_or_404(shop)
    token, status = auth.check_access_token(
        get_store(), shop, request.headers.get("X-Shopify-Access-Token")
    )
    if token is None:
        return jsonify(INVALID_TOKEN), 401
    return jsonify({"access_scopes": [{"handle": s} for s in token["scopes"]]})
