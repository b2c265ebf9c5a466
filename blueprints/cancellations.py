"""Cancellation requests in the order drawer: the merchant's request, and a manual supplier's
answer the merchant records. Parse, one domain action, render: the form back with its errors
(htmx swaps just the form), or the drawer again on success. The portal supplier answers in
blueprints/portal.py."""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response, request, url_for

from blueprints._order_drawer import order_view
from blueprints._render import (
    form_state,
    is_htmx_request,
    redirect_after_action,
    refused,
    render,
    retarget_drawer,
    toast,
)
from blueprints.embedded import shop_required
from domain.cancellations import lifecycle as cancellations
from domain.errors import DomainError
from domain.fulfillment import actions
from domain.orders import grid

bp = Blueprint("cancellations", __name__)
MERCHANT_ACTIONS = {
    "request": "request_cancellation",
    "accept": "accept_cancellation",
    "decline": "decline_cancellation",
}


@bp.app_context_processor
def cancellation_helpers() -> dict:
    return {
        "cancellation_panel": cancellations.panel,
        "declined_cancellation": cancellations.declined_request,
    }


@bp.post("/orders/supplier-orders/<int:supplier_order_id>/cancellation/<step>")
@shop_required
def merchant(supplier_order_id: int, step: str):
    order_id = actions.order_id_of(g.shop, supplier_order_id)
    if order_id is None or step not in MERCHANT_ACTIONS:
        abort(404)
    try:
        message = actions.perform(g.shop, supplier_order_id, MERCHANT_ACTIONS[step], request.form)
    except DomainError as exc:
        return _form_again(order_id, supplier_order_id, exc, step=step)
    if not is_htmx_request():
        path = url_for("orders.drawer", order_id=order_id)
        return redirect_after_action(path, MERCHANT_ACTIONS[step])
    # The form asked to swap itself; on success the whole drawer (status, timeline) changes.
    return retarget_drawer(toast(make_response(order_view(order_id, done=message)), message))


def _form_again(order_id: int, supplier_order_id: int, exc: DomainError, **extra):
    order = grid.order_for_drawer(g.shop, order_id)
    so = next(s for s in order.supplier_orders if s.id == supplier_order_id)
    state = form_state(exc, **extra)
    body = render(
        "orders/order.html",
        "orders/_cancellation.html",
        order=order,
        so=so,
        cancellation_form={"so_id": so.id, **state},
        error=None if state["errors"] else state["message"],  # the full page's drawer shows it
    )
    return refused(body, exc, with_toast=True)
