"""The supplier portal (top-level pages reached by a magic link: orders, answers, parcels, the
store's cancellation requests) and the merchant's side of it (the link on the supplier page,
revoking it, the packing slip): parse, one domain call, render.

Portal pages are never framed (CSP frame-ancestors 'none'), never cached, and send no Referer,
since the token in their URL is the supplier's credential. They load no App Bridge.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from blueprints._render import (
    error_status,
    form_state,
    is_htmx_request,
    redirect_after_action,
    redirect_after_post,
    render,
)
from blueprints.embedded import shop_required
from domain.cancellations import intake as cancellation_intake
from domain.errors import DomainError, NotFound
from domain.fulfillment import line_changes, packing_slips
from domain.fulfillment.shipments import DECLINE_REASONS
from domain.notices import to_suppliers
from domain.payments import supplier_setup
from domain.suppliers import directory as suppliers
from domain.suppliers import mail_settings, portal, portal_actions

bp = Blueprint("portal", __name__)
NOTICES = ("accepted", "declined", "shipped", "tracking_updated", "stripe", "paypal", "methods")
PAYMENT_SETUP = (
    "portal.settings",
    "portal.save_settings",
    "portal.payment_setup",
    "portal.connect_stripe",
    "portal.stripe_return",
    "portal.save_paypal",
    "portal.payment_method",
)


# -- the link: verified before every portal view, renewed in every URL built -----------------


@bp.url_value_preprocessor
def take_token(endpoint, values):
    if values and "token" in values:
        g.portal_token_presented = values.pop("token")


@bp.before_request
def verify_link():
    if not g.get("portal_token_presented"):
        return None
    if "shop" in request.args:
        # A shop parameter would make the app-wide CSP allow that shop to frame the page.
        kept = {k: v for k, v in request.args.items() if k != "shop"}
        token = g.portal_token_presented
        return redirect(url_for(request.endpoint, token=token, **request.view_args, **kept))
    # The payment-setup pages serve suppliers that run Relay in their own store too.
    channels = ("portal", "store") if request.endpoint in PAYMENT_SETUP else ("portal",)
    g.portal_supplier = portal.supplier_for_token(g.portal_token_presented, channels=channels)
    g.portal_shop = portal.shop_of(g.portal_supplier)
    return None


@bp.url_defaults
def fresh_token(endpoint, values):
    if "token" not in values and g.get("portal_supplier") is not None:
        if "portal_token" not in g:
            g.portal_token = portal.link_token(g.portal_supplier)
        values["token"] = g.portal_token


@bp.after_request
def private_headers(response):
    if g.get("portal_token_presented"):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(portal.InvalidLink)
def invalid_link(exc: portal.InvalidLink):
    page = render_template("portal/problem.html", message=exc.message, link_problem=True)
    return page, error_status(exc)


@bp.errorhandler(NotFound)
def not_found(exc: NotFound):
    if g.get("portal_supplier") is not None:
        return render_template("portal/problem.html", message=exc.message, **_page_context()), 404
    return render_template("error.html", message=exc.message), 404


@bp.app_template_global()
def portal_link_url(supplier) -> str:
    """The absolute link the merchant sends a portal supplier (freshly signed)."""
    path = url_for("portal.orders", token=portal.link_token(supplier))
    return current_app.config["APP_URL"] + path


@bp.app_template_global()
def payment_setup_url(supplier) -> str:
    """The absolute link where the supplier sets up how it is paid (store and portal ones)."""
    path = url_for("portal.payment_setup", token=portal.link_token(supplier))
    return current_app.config["APP_URL"] + path


# -- supplier pages --------------------------------------------------------------------------


def _page_context() -> dict:
    return {
        "supplier": g.portal_supplier,
        "retailer": portal.retailer_name(g.portal_shop),
        "statuses": portal.STATUSES,
    }


def _notice() -> str | None:
    done = request.args.get("done")
    return done if done in NOTICES else None


@bp.get("/portal/<token>/")
def orders():
    page = portal.orders_page(
        g.portal_supplier, request.args.get("status"), request.args.get("page", 1, type=int)
    )
    return render(
        "portal/orders.html",
        page=page,
        filters=portal.FILTER_LABELS,
        item_count=portal.item_count,
        actions=portal.actions,
        notice=_notice(),
        **_page_context(),
    )


def _order_page(supplier_order_id: int, partial: str | None = None, status=200, **forms):
    supplier_order = portal.supplier_order_of(g.portal_supplier, supplier_order_id)
    body = render(
        "portal/order.html",
        partial,
        so=supplier_order,
        items=packing_slips.items_of(supplier_order),
        quantity_changes=line_changes.changes_after_sent(supplier_order),
        cancelled=line_changes.cancelled_after_sent(supplier_order),
        actions=portal.actions(supplier_order),
        decline_reasons=DECLINE_REASONS,
        notice=_notice(),
        forms=forms,
        **_page_context(),
    )
    return body, status


def _form_again(supplier_order_id: int, partial: str, form: str, exc: DomainError, **extra):
    """The refused form again (what was typed, why), with the refusal's status: the portal's
    htmx swaps 422 and 409 answers too (portal/base.html)."""
    state = form_state(exc, **extra)
    return _order_page(supplier_order_id, partial, error_status(exc), **{form: state})


def _done(supplier_order_id: int, done: str):
    if request.form.get("from") == "list":
        return redirect_after_post(url_for("portal.orders"), {"done": done})
    return redirect_after_post(
        url_for("portal.order", supplier_order_id=supplier_order_id), {"done": done}
    )


@bp.get("/portal/<token>/orders/<int:supplier_order_id>")
def order(supplier_order_id: int):
    return _order_page(supplier_order_id)


@bp.post("/portal/<token>/orders/<int:supplier_order_id>/accept")
def accept(supplier_order_id: int):
    try:
        portal_actions.accept(g.portal_supplier, supplier_order_id)
    except NotFound:
        raise
    except DomainError as exc:
        return _form_again(supplier_order_id, "portal/_answer.html", "answer", exc)
    return _done(supplier_order_id, "accepted")


@bp.post("/portal/<token>/orders/<int:supplier_order_id>/decline")
def decline(supplier_order_id: int):
    try:
        portal_actions.decline(g.portal_supplier, supplier_order_id, request.form)
    except NotFound:
        raise
    except DomainError as exc:
        return _form_again(supplier_order_id, "portal/_answer.html", "answer", exc)
    return _done(supplier_order_id, "declined")


@bp.post("/portal/<token>/orders/<int:supplier_order_id>/parcels")
def ship(supplier_order_id: int):
    try:
        portal_actions.ship(g.portal_supplier, supplier_order_id, request.form)
    except NotFound:
        raise
    except DomainError as exc:
        return _form_again(supplier_order_id, "portal/_ship_form.html", "ship", exc)
    return _done(supplier_order_id, "shipped")


@bp.post("/portal/<token>/parcels/<int:parcel_id>/tracking")
def update_tracking(parcel_id: int):
    parcel = portal.parcel_of(g.portal_supplier, parcel_id)
    supplier_order_id = parcel.supplier_order_id
    try:
        portal_actions.update_tracking(g.portal_supplier, parcel_id, request.form)
    except DomainError as exc:
        return _form_again(
            supplier_order_id, "portal/_parcels.html", "tracking", exc, parcel_id=parcel_id
        )
    return _done(supplier_order_id, "tracking_updated")


@bp.post("/portal/<token>/orders/<int:supplier_order_id>/cancellation/<answer>")
def answer_cancellation(supplier_order_id: int, answer: str):
    if answer not in ("accept", "decline"):
        abort(404)
    try:
        cancellation_intake.answer_in_portal(
            g.portal_supplier, supplier_order_id, accept=answer == "accept", form=request.form
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _form_again(supplier_order_id, "portal/_cancellation.html", "cancellation", exc)
    done = "cancellation_accepted" if answer == "accept" else "cancellation_declined"
    return redirect_after_post(
        url_for("portal.order", supplier_order_id=supplier_order_id), {"done": done}
    )


@bp.get("/portal/<token>/orders/<int:supplier_order_id>/packing-slip")
def packing_slip(supplier_order_id: int):
    supplier_order = portal.supplier_order_of(g.portal_supplier, supplier_order_id)
    return render(
        "portal/packing_slip.html",
        slip=packing_slips.slip_for(supplier_order),
        so=supplier_order,
        **_page_context(),
    )


# -- mail: the supplier's Email settings, "Send me my link" (issue 16) -----------------------


@bp.get("/portal/<token>/settings")
def settings(errors: dict | None = None, status: int = 200):
    supplier = g.portal_supplier
    values = {"language": supplier.language or "en", "daily_digest": supplier.daily_digest}
    return render_template(
        "portal/settings.html",
        values=values,
        errors=errors or {},
        languages=mail_settings.LANGUAGE_NAMES,
        saved=request.args.get("done") == "saved",
        **_page_context(),
    ), status


@bp.post("/portal/<token>/settings")
def save_settings():
    try:
        mail_settings.save(g.portal_supplier.id, request.form)
    except DomainError as exc:
        return settings(errors=getattr(exc, "errors", {}), status=error_status(exc))
    return redirect_after_post(url_for("portal.settings"), {"done": "saved"})


@bp.route("/portal/send-my-link", methods=["GET", "POST"])
def send_my_link():
    sent = request.method == "POST"
    if sent:
        to_suppliers.links_requested(request.form.get("email", "")[:320])
    return render_template("portal/send_my_link.html", sent=sent)


# -- the merchant's side (inside the admin) --------------------------------------------------


@bp.post("/suppliers/<int:supplier_id>/portal-link/email")
@shop_required
def email_link(supplier_id: int):
    supplier = suppliers.get(g.shop, supplier_id)
    emailed = "emailed" if to_suppliers.email_link(supplier.id) else "not_emailed"
    if is_htmx_request():
        return render_template("suppliers/_portal_link.html", supplier=supplier, emailed=emailed)
    return redirect_after_action(url_for("suppliers.show", supplier_id=supplier.id), emailed)


@bp.post("/suppliers/<int:supplier_id>/portal-link/revoke")
@shop_required
def revoke_links(supplier_id: int):
    supplier = suppliers.get(g.shop, supplier_id)
    portal.revoke_links(supplier)
    if is_htmx_request():
        return render_template("suppliers/_portal_link.html", supplier=supplier, revoked=True)
    return redirect_after_action(
        url_for("suppliers.show", supplier_id=supplier.id), "links_revoked"
    )


@bp.get("/orders/supplier-orders/<int:supplier_order_id>/packing-slip")
@shop_required
def merchant_packing_slip(supplier_order_id: int):
    return render("packing_slip.html", slip=packing_slips.slip_for_shop(g.shop, supplier_order_id))


# -- the supplier's payment setup: where it is paid through Relay ------------------------------


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["APP_URL"] + url_for(endpoint, **values)


@bp.get("/portal/<token>/payments")
def payment_setup(errors: dict | None = None, status: int = 200):
    return (
        render(
            "portal/payments.html",
            notice=_notice(),
            errors=errors or {},
            **_page_context(),
        ),
        status,
    )


@bp.post("/portal/<token>/payments/stripe")
def connect_stripe():
    try:
        url = supplier_setup.onboarding_url(
            g.portal_supplier.id,
            return_url=_absolute("portal.stripe_return"),
            refresh_url=_absolute("portal.payment_setup"),
        )
    except DomainError as exc:
        return payment_setup(errors={"stripe": exc.message}, status=error_status(exc))
    return redirect(url, 303)


@bp.get("/portal/<token>/payments/stripe/return")
def stripe_return():
    try:
        supplier_setup.refresh_stripe(g.portal_supplier.id)
    except DomainError as exc:
        return payment_setup(errors={"stripe": exc.message}, status=error_status(exc))
    return redirect(url_for("portal.payment_setup", done="stripe"), 303)


@bp.post("/portal/<token>/payments/paypal")
def save_paypal():
    try:
        supplier_setup.set_paypal(g.portal_supplier.id, request.form.get("paypal_email", ""))
    except DomainError as exc:
        errors = getattr(exc, "errors", None) or {"paypal_email": exc.message}
        return payment_setup(errors=errors, status=error_status(exc))
    return redirect_after_post(url_for("portal.payment_setup"), {"done": "paypal"})


@bp.post("/portal/<token>/payments/<method>/<state>")
def payment_method(method: str, state: str):
    if method not in ("card", "paypal") or state not in ("on", "off"):
        abort(404)
    try:
        supplier_setup.set_method(g.portal_supplier.id, method, state == "on")
    except DomainError as exc:
        return payment_setup(errors={method: exc.message}, status=error_status(exc))
    return redirect_after_post(url_for("portal.payment_setup"), {"done": "methods"})
