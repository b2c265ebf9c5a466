"""Cancellation requests: the drawer's form and a manual supplier's answer (merchant, inside the
admin), and the portal supplier's answer. Parse, one domain action, render: the form back
with its errors (htmx swaps just the form), or the drawer again on success.

The portal routes reuse the portal's own link checks (blueprints.portal): the token in the
path is verified before every view and renewed in every URL built.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response, request, url_for

from blueprints import portal as portal_views
from blueprints._render import is_htmx_request, redirect_after_post, render
from blueprints.embedded import embedded_context, shop_required
from blueprints.fulfillment import _order_view, _toast
from domain.cancellations import intake as cancellation_intake
from domain.cancellations import lifecycle as cancellations
from domain.errors import DomainError, NotFound
from domain.fulfillment import actions
from domain.orders import grid
from domain.suppliers.portal import InvalidLink
from domain.validation import InvalidInput
from extensions import db

bp = Blueprint("cancellations", __name__)
MERCHANT_ACTIONS = {
    "request": "request_cancellation",
    "accept": "accept_cancellation",
    "decline": "decline_cancellation",
}


@bp.app_context_processor
def cancellation_helpers() -> dict:
    return {"cancellation_panel": cancellations.panel}


def _form_state(exc: DomainError, **extra) -> dict:
    errors = exc.errors if isinstance(exc, InvalidInput) else {}
    return {"values": request.form, "errors": errors, "message": exc.message, **extra}


# -- the merchant, in the order drawer ------------------------------------------------------


@bp.post("/orders/supplier-orders/<int:supplier_order_id>/cancellation/<step>")
@shop_required
def merchant(supplier_order_id: int, step: str):
    order_id = actions.order_id_of(g.shop, supplier_order_id)
    if order_id is None or step not in MERCHANT_ACTIONS:
        abort(404)
    try:
        message = actions.perform(g.shop, supplier_order_id, MERCHANT_ACTIONS[step], request.form)
    except DomainError as exc:
        db.session.rollback()
        return _form_again(order_id, supplier_order_id, _form_state(exc, step=step))
    if not is_htmx_request():
        params = {**embedded_context()["embedded_params"], "done": MERCHANT_ACTIONS[step]}
        return redirect_after_post(url_for("orders.drawer", order_id=order_id), params)
    response = _order_view(order_id, done=message)
    # The form asked to swap itself; on success the whole drawer (status, timeline) changes.
    response.headers["HX-Retarget"] = "#order-drawer"
    response.headers["HX-Reswap"] = "outerHTML"
    return _toast(response, message)


def _form_again(order_id: int, supplier_order_id: int, state: dict):
    order = grid.order_for_drawer(g.shop, order_id)
    so = next(s for s in order.supplier_orders if s.id == supplier_order_id)
    body = render(
        "orders/order.html",
        "orders/_cancellation.html",
        order=order,
        so=so,
        cancellation_form={"so_id": so.id, **state},
        error=None if state["errors"] else state["message"],  # the full page's drawer shows it
    )
    response = make_response(body)
    if not is_htmx_request():
        response.status_code = 422
        return response
    return _toast(response, state["message"], error=True)


# -- the portal supplier ---------------------------------------------------------------------

portal_bp = Blueprint("portal", __name__)
portal_bp.url_value_preprocessor(portal_views.take_token)
portal_bp.before_request(portal_views.verify_link)
portal_bp.url_defaults(portal_views.fresh_token)
portal_bp.after_request(portal_views.private_headers)
portal_bp.register_error_handler(InvalidLink, portal_views.invalid_link)
portal_bp.register_error_handler(NotFound, portal_views.not_found)


@portal_bp.post("/portal/<token>/orders/<int:supplier_order_id>/cancellation/<answer>")
def portal_answer(supplier_order_id: int, answer: str):
    if answer not in ("accept", "decline"):
        abort(404)
    try:
        cancellation_intake.answer_in_portal(
            g.portal_supplier, supplier_order_id, accept=answer == "accept", form=request.form
        )
    except NotFound:
        raise
    except DomainError as exc:
        db.session.rollback()
        return portal_views._order_page(
            supplier_order_id, "portal/_cancellation.html", 422, cancellation=_form_state(exc)
        )
    return redirect_after_post(
        url_for("portal.order", supplier_order_id=supplier_order_id),
        {"done": "cancellation_accepted" if answer == "accept" else "cancellation_declined"},
    )


bp.register_blueprint(portal_bp)
