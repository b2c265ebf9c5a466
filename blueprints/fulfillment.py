"""The merchant's fulfillment buttons: one supplier order (grid row or drawer) or a bulk
selection for one supplier. Parse, one domain action, render the row, drawer or grid again."""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response, request, url_for

from blueprints._order_drawer import dashboard_oob, order_view
from blueprints._render import (
    embedded_params,
    is_htmx_request,
    redirect_after_action,
    redirect_after_post,
    refused,
    render,
    toast,
)
from blueprints.embedded import shop_required
from domain.errors import DomainError
from domain.fulfillment import actions
from domain.orders import grid
from domain.payments import checkout

bp = Blueprint("fulfillment", __name__, url_prefix="/orders")


@bp.post("/supplier-orders/<int:supplier_order_id>/<action>")
@shop_required
def act(supplier_order_id: int, action: str):
    order_id = actions.order_id_of(g.shop, supplier_order_id)
    if order_id is None:
        abort(404)
    try:
        message = actions.perform(g.shop, supplier_order_id, action, request.form)
    except DomainError as exc:
        return refused(order_view(order_id, error=exc.message), exc, with_toast=True)
    if not is_htmx_request():
        return redirect_after_action(url_for("orders.drawer", order_id=order_id), action)
    return toast(make_response(order_view(order_id, done=message)), message)


@bp.post("/bulk")
@shop_required
def bulk():
    order_ids = [int(v) for v in request.form.getlist("order") if v.isdigit()]
    supplier = request.form.get("supplier")
    supplier_id = int(supplier) if supplier and supplier.isdigit() else None
    if request.form.get("all_matching"):  # every order the grid's filter matches, every page
        order_ids = grid.matching_order_ids(g.shop, request.args, limit=checkout.MAX_ORDERS)
    if request.form.get("action") == "pay_now":
        return _to_checkout(order_ids, supplier_id)
    try:
        outcome = actions.perform_bulk(
            g.shop, request.form.get("action", ""), order_ids, supplier_id
        )
    except DomainError as exc:
        return refused(_grid([exc.message]), exc, with_toast=True)
    summary = actions.bulk_summary(outcome)
    body = _grid([], bulk={"summary": summary, "skipped": outcome.skipped})
    return toast(make_response(body), summary, error=outcome.done == 0)


def _to_checkout(order_ids: list[int], supplier_id: int | None):
    """Bulk Pay now: the checkout for the selected orders' unpaid parts of one supplier."""
    try:
        parts = checkout.parts_to_pay(g.shop, order_ids, supplier_id)
    except DomainError as exc:
        return refused(_grid([exc.message]), exc, with_toast=True)
    params = embedded_params()
    return redirect_after_post(url_for("payments.checkout_view"), {**params, "so": parts})


def _grid(notices: list[str], bulk: dict | None = None) -> str:
    """The grid again with what the bulk action did: a refusal as a notice, or one summary
    (orders/_bulk_summary.html); and the dashboard strip, out of band."""
    page = grid.grid(g.shop, request.args)
    page.notices.extend(notices)
    body = render("orders/index.html", "orders/_grid.html", page=page, sync=[], bulk=bulk)
    if is_htmx_request():
        body += dashboard_oob(page)
    return body
