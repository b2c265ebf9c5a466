"""The order drawer after an action, shared by the fulfillment buttons and the cancellation
forms: the drawer (or the grid row the button was in), with the grid row and the dashboard
strip refreshed out of band so the page behind it agrees."""

from __future__ import annotations

from flask import abort, g, render_template, request

from blueprints._render import current_page_args, is_htmx_request, render
from domain.orders import grid


def order_view(order_id: int, *, error: str | None = None, done: str | None = None) -> str:
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
        body += dashboard_oob(grid.dashboard(g.shop, current_page_args()))
    return body


def dashboard_oob(dashboard) -> str:
    """The dashboard strip, swapped out of band: an action moved a supplier order's status.
    In a <template> so it parses after a table row too."""
    strip = render_template("orders/_dashboard.html", page=dashboard, oob=True)
    return f"<template>{strip}</template>"


def grid_state_oob(page) -> str:
    """The filter form's status select and sort (orders/_grid_state.html), out of band after a
    grid swap: a status picked on the dashboard strip shows there and later changes keep it."""
    state = render_template("orders/_grid_state.html", page=page, oob=True)
    return f"<template>{state}</template>"
