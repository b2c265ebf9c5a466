"""The merchant's saved card or PayPal account, charged for automatic payment. Parse, one
domain call, render. PayPal's vault approval returns top-level with PayPal's approval token
(no admin session), like the checkout's PayPal return."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request, url_for

from blueprints._render import embedded_params, error_status, redirect_after_post, render
from blueprints.embedded import shop_required
from domain.errors import DomainError
from domain.payments import providers, saved_methods
from integrations.shopify_admin.urls import shop_base_url

bp = Blueprint("payment_methods", __name__, url_prefix="/payments/methods")
DONE = ("card", "paypal", "removed")


def _page(*, error: str | None = None, status: int = 200, setup: dict | None = None):
    done = request.args.get("done")
    body = render(
        "payments/methods.html",
        methods=saved_methods.active(g.shop),
        done=done if done in DONE else None,
        error=error,
        setup=setup,
        publishable_key=providers.publishable_key(),
        stripe_js=current_app.config.get("STRIPE_JS_URL"),
    )
    return body, status


@bp.get("")
@shop_required
def index():
    return _page()


@bp.post("/card")
@shop_required
def add_card():
    try:
        saved_id, client_secret = saved_methods.start_card(g.shop)
    except DomainError as exc:
        return _page(error=exc.message, status=error_status(exc))
    return _page(setup={"id": saved_id, "client_secret": client_secret})


@bp.post("/<int:saved_id>/card-saved")
@shop_required
def card_saved(saved_id: int):
    try:
        saved_methods.finish_card(g.shop, saved_id)
    except DomainError as exc:
        return _page(error=exc.message, status=error_status(exc))
    return redirect_after_post(url_for("payment_methods.index"), embedded_params(done="card"))


@bp.post("/paypal")
@shop_required
def add_paypal():
    try:
        approve_url = saved_methods.start_paypal(
            g.shop,
            return_url=current_app.config["APP_URL"] + url_for("payment_methods.paypal_return"),
            cancel_url=current_app.config["APP_URL"] + url_for("payment_methods.paypal_cancel"),
        )
    except DomainError as exc:
        return _page(error=exc.message, status=error_status(exc))
    return render("payments/to_paypal.html", approve_url=approve_url)


def _admin_page(domain: str, done: str) -> str:
    key = current_app.config["SHOPIFY_API_KEY"]
    return f"{shop_base_url(domain)}/admin/apps/{key}/payments/methods?done={done}"


@bp.get("/paypal/return")
def paypal_return():
    token = request.args.get("approval_token_id") or request.args.get("token") or ""
    if not token or len(token) > 64:
        abort(400)
    try:
        saved = saved_methods.finish_paypal(token)
    except DomainError as exc:
        return render("payments/refused.html", message=exc.message), error_status(exc)
    return redirect(_admin_page(saved_methods.shop_domain(saved), "paypal"))


@bp.get("/paypal/cancel")
def paypal_cancel():
    return render("payments/refused.html", message=saved_methods.CANCELLED), 200


@bp.post("/<int:saved_id>/remove")
@shop_required
def remove(saved_id: int):
    try:
        saved_methods.remove(g.shop, saved_id)
    except DomainError as exc:
        return _page(error=exc.message, status=error_status(exc))
    return redirect_after_post(url_for("payment_methods.index"), embedded_params(done="removed"))
