"""Pay now: the checkout for one supplier's orders, the card page (Stripe's own card field, in
the supplier's Stripe account), PayPal's approval and return, receipts. Parse, one domain
call, render.

PayPal's approval happens at PayPal, top-level: its return and cancel URLs carry PayPal's
order token, not an admin session, so they are the two views here without `shop_required`
(the capture only takes money the payer approved, for a payment Relay made), and they end by
sending the merchant back into the admin."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request, url_for

from blueprints._render import (
    embedded_params,
    error_status,
    redirect_after_post,
    refused,
    render,
)
from blueprints.embedded import shop_required
from domain.errors import DomainError
from domain.payments import checkout, providers, receipts
from domain.payments import reconciliation as reconcile

bp = Blueprint("payments", __name__, url_prefix="/payments")
MAX_ORDERS = checkout.MAX_ORDERS


@bp.errorhandler(DomainError)
def refusal(exc: DomainError):
    """What the domain refused (no such payment, a payment over, Stripe unreachable): said on
    the payments' own page, with the refusal's status."""
    return refused(render("payments/refused.html", message=exc.message), exc)


@bp.app_context_processor
def payment_helpers() -> dict:
    return {"status_labels": receipts.STATUS_LABELS}


def _ids(values: list[str]) -> list[int]:
    ids = [int(v) for v in values if v.isdigit() and len(v) < 12]
    if len(ids) > MAX_ORDERS:
        abort(413)
    return ids


def _shipping_choices(values) -> dict[int, int]:
    chosen = {}
    for key, value in values.items():
        if key.startswith("ship-") and key[5:].isdigit() and value.isdigit() and len(value) < 12:
            chosen[int(key[5:])] = int(value)
    return chosen


def _checkout(values, *, error: str | None = None, status: int = 200):
    ids = _ids(values.getlist("so"))
    page = checkout.checkout_page(g.shop, ids, _shipping_choices(values))
    body = render(
        "payments/checkout.html", "payments/_checkout.html", page=page, ids=ids, error=error
    )
    return body, status


@bp.get("/checkout")
@shop_required
def checkout_view():
    return _checkout(request.args)


@bp.post("")
@shop_required
def start():
    ids = _ids(request.form.getlist("so"))
    method = request.form.get("method", "")
    try:
        payment_id = checkout.start(g.shop, ids, method, _shipping_choices(request.form))
        outcome = checkout.begin(
            g.shop,
            payment_id,
            return_url=url_for("payments.paypal_return", _external=True),
            cancel_url=url_for("payments.paypal_cancel", _external=True),
        )
    except DomainError as exc:
        return _checkout(request.form, error=exc.message, status=error_status(exc))
    if outcome.approve_url:
        # PayPal approves top-level: the page breaks out of the admin's frame to go there.
        return render("payments/to_paypal.html", approve_url=outcome.approve_url)
    return redirect_after_post(url_for("payments.show", payment_id=payment_id), embedded_params())


@bp.get("/<int:payment_id>")
@shop_required
def show(payment_id: int):
    payment = checkout.payment_of(g.shop, payment_id)
    client_secret = None
    if payment.status in ("open", "requires_action") and payment.method == "card":
        # Stripe's word first: paid meanwhile (another tab, a late webhook) shows the receipt.
        payment = checkout.finish(g.shop, payment_id)
    if payment.status in ("open", "requires_action") and payment.method == "card":
        client_secret = checkout.begin(
            g.shop, payment_id, return_url="", cancel_url=""
        ).client_secret
    return render(
        "payments/payment.html",
        payment=payment,
        view=receipts.receipt(payment),
        client_secret=client_secret,
        publishable_key=providers.publishable_key(),
        stripe_js=current_app.config.get("STRIPE_JS_URL"),
    )


@bp.post("/<int:payment_id>/confirmed")
@shop_required
def confirmed(payment_id: int):
    """The card page's script is done (paid, or 3-D Secure answered): Stripe's word, read now."""
    checkout.finish(g.shop, payment_id)
    return redirect_after_post(url_for("payments.show", payment_id=payment_id), embedded_params())


@bp.get("/<int:payment_id>/receipt")
@shop_required
def receipt(payment_id: int):
    payment = checkout.payment_of(g.shop, payment_id)
    return render("payments/receipt.html", payment=payment, view=receipts.receipt(payment))


@bp.get("")
@shop_required
def index():
    return render("payments/index.html", payments=receipts.recent(g.shop, request.args))


@bp.get("/paypal/return")
def paypal_return():
    token = request.args.get("token", "")
    if not token or len(token) > 64:
        abort(400)
    payment = checkout.paypal_approved(token)
    return redirect(receipts.admin_url(payment))


@bp.get("/paypal/cancel")
def paypal_cancel():
    token = request.args.get("token", "")
    if not token or len(token) > 64:
        abort(400)
    payment = checkout.paypal_abandoned(token)
    return redirect(receipts.admin_url(payment, cancelled=True))


@bp.get("/suppliers/<int:supplier_id>/reconciliation")
@shop_required
def reconciliation(supplier_id: int):
    result = reconcile.reconcile(g.shop, supplier_id)
    return render("payments/reconciliation.html", result=result)
