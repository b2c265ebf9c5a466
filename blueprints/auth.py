"""Install: Shopify's authorization-code grant (legacy / non-embedded installs) plus the pages
App Bridge needs (bounce page, exit-iframe). Managed installs arrive through embedded.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask_babel import gettext as _

from domain.shop import installation
from integrations.shopify_admin.credentials import api_secrets
from integrations.shopify_admin.errors import OAuthFailure, ShopifyError
from integrations.shopify_admin.hmac_query import verify_query
from integrations.shopify_admin.urls import admin_url_from_host, is_valid_shop_domain

bp = Blueprint("auth", __name__, url_prefix="/auth")
STATE_COOKIE = "relay_oauth_state"


def _checked_shop() -> str:
    params = request.args.to_dict()
    shop = params.get("shop", "")
    if not is_valid_shop_domain(shop):
        abort(400, description=_("The shop parameter must be a plain *.myshopify.com domain."))
    if not verify_query(params, api_secrets()):
        abort(400, description=_("This install link is not signed by Shopify, or has expired."))
    return shop


@bp.get("/install")
def install():
    shop = _checked_shop()
    authorize_url, nonce = installation.begin_oauth(shop)
    response = redirect(authorize_url)
    if request.args.get("embedded") == "1":
        # OAuth must run top-level, never inside the admin iframe.
        response = current_app.make_response(
            render_template("auth/exit_iframe.html", target=authorize_url)
        )
    response.set_cookie(
        STATE_COOKIE,
        nonce,
        max_age=installation.STATE_TTL_SECONDS,
        httponly=True,
        samesite="Lax",
        path="/auth/callback",
        secure=current_app.config["APP_URL"].startswith("https://"),
    )
    return response


@bp.get("/callback")
def callback():
    shop = _checked_shop()
    state = request.args.get("state", "")
    cookie = request.cookies.get(STATE_COOKIE, "")
    if not installation.accept_oauth_state(state, cookie, shop):
        abort(
            400,
            description=_(
                "This install attempt expired or was already used; "
                "start the install again from the Shopify admin."
            ),
        )
    try:
        installation.complete_oauth_install(shop, request.args.get("code", ""))
    except OAuthFailure:
        abort(
            400,
            description=_(
                "Shopify did not accept the authorization code; start the install again."
            ),
        )
    except ShopifyError:
        abort(503, description=_("Shopify could not be reached; try the install again shortly."))
    admin = admin_url_from_host(request.args.get("host")) or f"https://{shop}/admin"
    response = redirect(f"{admin}/apps/{current_app.config['SHOPIFY_API_KEY']}")
    response.delete_cookie(STATE_COOKIE, path="/auth/callback")
    return response


@bp.get("/patch-id-token")
def patch_id_token():
    """The bounce page: only App Bridge, which reloads `shopify-reload` with a fresh token."""
    return render_template("auth/patch_id_token.html")


@bp.get("/exit-iframe")
def exit_iframe():
    target = request.args.get("exitIframe", "")
    if not target.startswith(current_app.config["APP_URL"] + "/"):
        abort(400, description="exit-iframe only leaves the iframe for Relay's own URLs")
    return render_template("auth/exit_iframe.html", target=target)


@bp.app_errorhandler(400)
@bp.app_errorhandler(503)
def readable_error(error):
    return render_template("error.html", message=error.description), error.code
