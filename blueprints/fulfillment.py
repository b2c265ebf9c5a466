"""The merchant's fulfillment buttons: one supplier order (grid row or drawer) or a bulk
selection for one supplier. Parse, one domain action, render the row, drawer or grid again."""

from __future__ import annotations

import json

from flask import Blueprint, abort, g, make_response, render_template, request, url_for

from blueprints._render import current_page_args, is_htmx_request, redirect_after_post, render
from blueprints.embedded import embedded_context, shop_required
from domain.errors import DomainError
from domain.fulfillment import actions
from domain.orders import grid
from extensions import db

bp = Blueprint("fulfillment", __name__, url_prefix="/orders")


def _toast(response, message: str, *, error: bool = False):
    """A short confirmation beside the swap (static/app.js shows it as App Bridge's toast)."""
    response.headers["HX-Trigger"] = json.dumps(
        {"relay:toast": {"message": message, "error": error}}
    )
    return response


def _order_view(order_id: int, *, error: str | None = None, done: str | None = None):
    order = grid.order_for_drawer(g.shop, order_id)
    if order is None:
        abort(404)
    if request.form.get("view") == "row":
        body = render("orders/order.html", "orders/_row.html", order=order)
    else:
        body = render(
            "orders/order.html", "orders/_drawer.html", order=order, error=error, done=done
        )
        if is_htmx_request():
            # Refresh the grid row behind the drawer too (out of band), so the two agree.
            row = render_template("orders/_row.html", order=order, oob=True)
            body += f"<template>{row}</template>"
    if done is not None and is_htmx_request():
        body += _dashboard_oob(grid.dashboard(g.shop, current_page_args()))
    return make_response(body)


def _dashboard_oob(dashboard) -> str:
    """The dashboard strip, swapped out of band: an action moved a supplier order's status.
    In a <template> so it parses after a table row too."""
    strip = render_template("orders/_dashboard.html", page=dashboard, oob=True)
    return f"<template>{strip}</template>"


@bp.post("/supplier-orders/<int:supplier_order_id>/<action>")
@shop_required
def act(supplier_order_id: int, action: str):
    order_id = actions.order_id_of(g.shop, supplier_order_id)
    if order_id is None:
        abort(404)
    try:
        message = actions.perform(g.shop, supplier_order_id, action, request.form)
    except DomainError as exc:
        db.session.rollback()
        response = _order_view(order_id, error=exc.message)
        if not is_htmx_request():
            response.status_code = 422
            return response
        return _toast(response, exc.message, error=True)
    if not is_htmx_request():
        params = {**embedded_context()["embedded_params"], "done": action}
        return redirect_after_post(url_for("orders.drawer", order_id=order_id), params)
    return _toast(_order_view(order_id, done=message), message)


@bp.post("/bulk")
@shop_required
def bulk():
    order_ids = [int(v) for v in request.form.getlist("order") if v.isdigit()]
    supplier = request.form.get("supplier")
    supplier_id = int(supplier) if supplier and supplier.isdigit() else None
    try:
        outcome = actions.perform_bulk(
            g.shop, request.form.get("action", ""), order_ids, supplier_id
        )
    except DomainError as exc:
        db.session.rollback()
        notices, error = [exc.message], True
    else:
        notices = [actions.bulk_summary(outcome), *outcome.refused]
        error = outcome.done == 0
    page = grid.grid(g.shop, request.args)
    page.notices.extend(notices)
    body = render("orders/index.html", "orders/_grid.html", page=page, sync=[])
    if is_htmx_request():
        body += _dashboard_oob(page)
    return _toast(make_response(body), notices[0], error=error)
