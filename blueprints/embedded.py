"""Everything inside the admin iframe: ID-token authentication, CSP, the app home.

No cookies: third-party cookies are blocked in the admin iframe. Each request proves itself
with an App Bridge ID token (Authorization header for htmx/fetch, `id_token` query param for
document loads, hidden `id_token` field for plain form posts). Because a cross-site attacker
cannot mint that token, it is also the CSRF defence for every state-changing request.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from blueprints._render import embedded_params, is_htmx_request, render
from domain.errors import NotInstalled
from domain.shop import installation, shops
from integrations.shopify_admin.credentials import api_secrets
from integrations.shopify_admin.errors import OAuthFailure, ShopifyError
from integrations.shopify_admin.id_tokens import InvalidIdToken, verify_id_token
from integrations.shopify_admin.urls import is_valid_shop_domain

bp = Blueprint("embedded", __name__)
RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


def _presented_token() -> tuple[str | None, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :], "header"
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.form.get("id_token"):
        return request.form["id_token"], "form"
    return request.args.get("id_token"), "query"


def _bounce():
    """Document load without a fresh token: App Bridge reloads us with one."""
    params = {k: v for k, v in request.args.items() if k != "id_token"}
    reload_target = request.path + ("?" + urlencode(params) if params else "")
    params["shopify-reload"] = reload_target
    return redirect(url_for("auth.patch_id_token") + "?" + urlencode(params))


def _unauthorized(message: str):
    response = current_app.response_class(message, status=401, mimetype="text/plain")
    response.headers[RETRY_HEADER] = "1"
    return response


def shop_required(view):
    """Authenticate the ID token, load g.shop (installing by token exchange if needed)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token, source = _presented_token()
        try:
            claims = verify_id_token(token, current_app.config["SHOPIFY_API_KEY"], api_secrets())
        except InvalidIdToken as exc:
            if (
                source == "query"
                and request.method == "GET"
                and not is_htmx_request()
                and request.args.get("embedded") == "1"
            ):
                return _bounce()
            return _unauthorized(f"Invalid session: {exc}")
        requested_shop = request.args.get("shop")
        if requested_shop and requested_shop != claims["shop"]:
            return _unauthorized("The shop parameter does not match the session")
        shop = shops.shop_by_domain(claims["shop"])
        if shop is None or not shop.is_installed:
            try:
                shop = installation.complete_token_exchange(claims["shop"], token)
            except OAuthFailure as exc:
                return _unauthorized(f"Shopify refused the session: {exc}")
            except ShopifyError:
                return current_app.response_class(
                    _("Shopify could not be reached to finish installing Relay; retry shortly."),
                    status=503,
                    mimetype="text/plain",
                )
        g.shop = shop
        g.id_token = token
        g.locale = request.args.get("locale") or request.headers.get("X-Relay-Locale") or "en"
        return view(*args, **kwargs)

    return wrapper


@bp.after_app_request
def frame_ancestors(response):
    """CSP frame-ancestors per shop on HTML: only that shop's admin may frame Relay. On pages
    that authenticate nobody (the bounce page, exit-iframe, error pages) a `?shop=` counts
    only when it names a shop Relay is installed on; anything else may not frame the page."""
    if response.mimetype != "text/html":
        return response
    shop = getattr(g, "shop", None)
    domain = shop.domain if shop is not None else _installed_shop_param()
    if domain:
        origins = " ".join([f"https://{domain}", *current_app.config["SHOPIFY_ADMIN_ORIGINS"]])
        response.headers["Content-Security-Policy"] = f"frame-ancestors {origins};"
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none';"
    return response


def _installed_shop_param() -> str | None:
    domain = request.args.get("shop")
    if not (domain and is_valid_shop_domain(domain)):
        return None
    try:
        shop = shops.shop_by_domain(domain)
    except SQLAlchemyError:  # an error page for a failed transaction: frame nothing
        return None
    return domain if shop is not None and shop.is_installed else None


@bp.after_app_request
def safe_defaults(response):
    """On every response: browsers never sniff a type other than the one sent, and links
    leave only Relay's origin behind (cross-origin). Portal URLs carry the supplier's magic
    link, so the portal sends no Referer at all, even to Relay's own pages and assets."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.path.startswith("/portal/"):
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


@bp.get("/")
def home():
    top_level = request.args.get("embedded") != "1" and not request.headers.get("Authorization")
    if top_level and request.args.get("hmac") and request.args.get("shop"):
        # Shopify's install hit (a top-level load with a signed query) starts the OAuth flow.
        return redirect(url_for("auth.install", **request.args))
    return _home()


@shop_required
def _home():
    # The orders grid is the app's home; keep the admin's params (and the fresh id_token).
    return redirect(url_for("orders.index", **request.args))


@bp.get("/connection")
@shop_required
def connection():
    return render("home.html", shop=g.shop)


@bp.get("/status")
@shop_required
def connection_status():
    try:
        info, error = shops.verify_connection(g.shop), None
    except (NotInstalled, ShopifyError) as exc:
        info, error = None, str(exc)
    return render(
        "_connection_status.html", "_connection_status.html", shop=g.shop, info=info, error=error
    )


@bp.app_context_processor
def embedded_context():
    """Links and pushed URLs keep the admin's params, so a reload bounces for a fresh token."""
    kept = embedded_params()
    return {"embedded_params": kept, "embedded_query": urlencode(kept)}
