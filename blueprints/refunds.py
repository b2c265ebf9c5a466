"""The drawer's refund form: open it, submit it. Parse, one domain call, render."""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response, request, url_for
from flask_babel import gettext as _

from blueprints._render import (
    is_htmx_request,
    redirect_after_action,
    refused,
    render,
    retarget_drawer,
    toast,
)
from blueprints.embedded import shop_required
from domain.errors import DomainError, NotFound
from domain.money import line_money, refund_checks, refunds
from domain.money.amounts import format_money
from domain.orders import grid
from domain.orders.timeline import N_

bp = Blueprint("refunds", __name__, url_prefix="/orders")


@bp.app_context_processor
def refund_view_helpers() -> dict:
    return {"refund_history": refunds.history, "line_money": line_money}


def _form_view(order, refundable, *, values=None, errors=None, key=None) -> dict:
    """What _refund_form.html needs to show the open form."""
    return {
        "refundable": refundable,
        "values": values if values is not None else {"mode": "partial"},
        "errors": errors or {},
        "key": key or refunds.new_key(),
        "seen": refundable.seen,
    }


def _render_form(order, form_view) -> str:
    return render(
        "orders/order.html", "orders/_refund_form.html", order=order, refund_form=form_view
    )


@bp.get("/<int:order_id>/refund")
@shop_required
def refund_form(order_id: int):
    order = grid.order_for_drawer(g.shop, order_id)
    if order is None:
        abort(404)
    try:
        refundable = refunds.form_refundable(g.shop, order)
    except DomainError as exc:
        return render("orders/order.html", "orders/_drawer.html", order=order, error=exc.message)
    values = None
    if request.args.get("mode") == "full":
        values = refund_checks.full_refund_values(refundable)
    return _render_form(order, _form_view(order, refundable, values=values))


@bp.post("/<int:order_id>/refund")
@shop_required
def submit_refund(order_id: int):
    try:
        refund = refunds.create_refund(g.shop, order_id, request.form, actor_name=N_("Merchant"))
    except NotFound:
        abort(404)
    except refund_checks.RefundInvalid as exc:
        order = grid.order_for_drawer(g.shop, order_id)
        try:
            refundable = exc.refundable or refunds.form_refundable(g.shop, order)
        except DomainError as unreachable:
            return _drawer_error(order_id, unreachable)
        view = _form_view(order, refundable, values=request.form.to_dict(), errors=exc.errors)
        return refused(_render_form(order, view), exc)
    except DomainError as exc:
        return _drawer_error(order_id, exc)
    done = _("Refunded %(amount)s.", amount=format_money(refund.amount, refund.currency))
    if not is_htmx_request():
        return redirect_after_action(url_for("orders.drawer", order_id=order_id), "refund")
    order = grid.order_for_drawer(g.shop, order_id)
    body = render("orders/order.html", "orders/_drawer.html", order=order, done=done)
    return retarget_drawer(toast(make_response(body), done))


def _drawer_error(order_id: int, exc: DomainError):
    order = grid.order_for_drawer(g.shop, order_id)
    body = render("orders/order.html", "orders/_drawer.html", order=order, error=exc.message)
    return retarget_drawer(refused(body, exc, with_toast=True))
