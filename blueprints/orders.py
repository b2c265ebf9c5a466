"""The orders grid, the order drawer and the sync status: parse, one domain call, render."""

from __future__ import annotations

from flask import Blueprint, abort, g, request
from flask_babel import gettext as _

from blueprints._locale import requested_locale
from blueprints._order_drawer import grid_state_oob
from blueprints._render import refused, render, renders_partial
from blueprints.embedded import shop_required
from domain import states
from domain.errors import DomainError
from domain.fulfillment import actions, locations, shipments, store_holds
from domain.orders import addresses, from_retailers, grid, payment_badges, routing, timeline
from domain.orders import sync_runs as order_sync_jobs

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.app_context_processor
def order_view_helpers() -> dict:
    """What every orders template asks the domain: labels, tones, the allowed actions."""
    return {
        "statuses": states.STATUSES,
        "store_tones": states.STORE_STATUS_TONES,
        "allowed_actions": states.allowed_actions,
        "action_labels": states.ACTION_LABELS,
        "bulk_actions": actions.BULK_ACTIONS,
        "merchant_acts_for_supplier": states.merchant_acts_for_supplier,
        "shows_supplier_payment": states.shows_supplier_payment,
        "cancellable_at_once": states.cancellable_at_once,
        "quick_actions": QUICK_ACTIONS,
        "row_actions": ROW_ACTIONS,
        "timeline_message": timeline.render_message,
        "remaining_to_ship": shipments.shippable_quantities,
        "supplier_skus": routing.supplier_skus,
        "store_lines": locations.store_lines,
        "store_ships": locations.STORE_SHIPS,
        "hold_reason_label": store_holds.reason_label,
        "customer_payment": payment_badges.customer_payment,
        "customer_payment_quiet": payment_badges.CUSTOMER_PAYMENT_QUIET,
        "supplier_payment_badge": payment_badges.supplier_payment_badge,
        "retailer_order": lambda order: from_retailers.retailer_order(g.shop, order),
    }


# Row actions that need no form: a button in the grid row. The rest open the order drawer.
QUICK_ACTIONS = (
    "assign_supplier",
    "choose_supplier",
    "request_fulfillment",
    "pay_now",
    "hold",
    "release",
    "pay_supplier",
    "retry_tracking",
)
# The grid row keeps to the next step; hold and paying the supplier live in the drawer and bulk.
ROW_ACTIONS = (
    "assign_supplier",
    "choose_supplier",
    "request_fulfillment",
    "pay_now",
    "release",
    "retry_tracking",
)


@bp.get("")
@shop_required
def index():
    page = grid.grid(g.shop, request.args)
    body = render(
        "orders/index.html",
        "orders/_grid.html",
        page=page,
        sync=order_sync_jobs.latest_runs(g.shop, 1),
    )
    if renders_partial():
        body += grid_state_oob(page)
    return body


@bp.get("/<int:order_id>")
@shop_required
def drawer(order_id: int):
    order = grid.order_for_drawer(g.shop, order_id)
    if order is None:
        abort(404)
    return render("orders/order.html", "orders/_drawer.html", order=order)


@bp.get("/sync")
@shop_required
def sync_status():
    return render(
        "orders/_sync_status.html",
        "orders/_sync_status.html",
        sync=order_sync_jobs.latest_runs(g.shop, 1),
    )


@bp.post("/sync")
@shop_required
def sync_now():
    order_sync_jobs.start(g.shop, "backfill")
    return render(
        "orders/_sync_status.html",
        "orders/_sync_status.html",
        sync=order_sync_jobs.latest_runs(g.shop, 1),
    )


@bp.route("/<int:order_id>/address", methods=["GET", "POST"])
@shop_required
def shipping_address(order_id: int):
    """The drawer's address form: change where it ships, until a supplier has the order."""
    order = grid.order_for_drawer(g.shop, order_id)
    if order is None:
        abort(404)
    if request.method == "GET":
        return _address_form(order, values=order.shipping_address or {})
    try:
        addresses.change_shipping_address(g.shop, order_id, request.form)
    except DomainError as exc:
        return refused(_address_form(order, values=request.form, error=exc.message), exc)
    order = grid.order_for_drawer(g.shop, order_id)
    done = _("Shipping address updated in the store.")
    return render("orders/order.html", "orders/_drawer.html", order=order, done=done)


def _address_form(order, *, values, error: str | None = None) -> str:
    return render(
        "orders/order.html",
        "orders/_address_form.html",
        order=order,
        error=error,
        locked=addresses.why_locked(order),
        contacts=addresses.who_to_contact(order),
        values=values,
        countries=addresses.country_choices(requested_locale()),
    )
