"""The merchant's notification board: the bell (polled by every admin page), the list, mark
read. Thin: domain.notices.board_pages on the board "merchant" of g.shop."""

from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, request, url_for

from blueprints._render import embedded_params, render
from blueprints.embedded import shop_required
from domain.notices import board_pages
from domain.notices.recipients import MERCHANT

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
# Sent with a changed board: every bell on the page asks for its count again.
CHANGED = "relay-notifications"


@bp.app_template_global()
def merchant_unread_count() -> int:
    """The bell's count, once per request (the nav and the orders page's panel ask)."""
    shop = g.get("shop")
    if shop is None:
        return 0
    # Kept on the request (g outlives it when an app context was already pushed).
    if not hasattr(request, "relay_merchant_unread"):
        request.relay_merchant_unread = board_pages.unread_count(shop.id, MERCHANT)
    return request.relay_merchant_unread


@bp.app_template_global()
def merchant_latest_unread() -> list:
    """The orders page's small "Notifications" panel: the newest unread entries."""
    if not merchant_unread_count():
        return []
    return board_pages.latest_unread(g.shop.id, MERCHANT)


@bp.app_template_global()
def notification_message(entry) -> str:
    return board_pages.render_message(entry)


@bp.get("/bell")
@shop_required
def bell():
    count = board_pages.unread_count(g.shop.id, MERCHANT)
    return render("notifications/_bell.html", "notifications/_bell.html", unread=count)


def _urls() -> dict:
    """How the list's entries link back here, keeping the admin's params."""
    kept = embedded_params()
    return {
        "open": lambda e: url_for("notifications.open_entry", notification_id=e.id, **kept),
        "read": lambda e: url_for("notifications.mark_read", notification_id=e.id, **kept),
        "all": lambda: url_for("notifications.mark_all_read", **kept),
        "more": lambda before: url_for("notifications.index", before=before, **kept),
    }


def _list(status: int = 200):
    page = board_pages.page(g.shop.id, MERCHANT, request.args.get("before"))
    body = render("notifications/index.html", "notifications/_list.html", page=page, urls=_urls())
    response = make_response(body, status)
    if request.method == "POST":
        response.headers["HX-Trigger"] = CHANGED
    return response


@bp.get("")
@shop_required
def index():
    return _list()


@bp.get("/<int:notification_id>/open")
@shop_required
def open_entry(notification_id: int):
    entry = board_pages.open_entry(g.shop.id, MERCHANT, notification_id)
    if entry.order_id is not None:
        return redirect(url_for("orders.drawer", order_id=entry.order_id, **embedded_params()))
    if entry.kind == "attention":
        return redirect(url_for("jobs_status.index", **embedded_params()))
    return redirect(url_for("notifications.index", **embedded_params()))


@bp.post("/<int:notification_id>/read")
@shop_required
def mark_read(notification_id: int):
    board_pages.mark_read(g.shop.id, MERCHANT, notification_id)
    return _list()


@bp.post("/read-all")
@shop_required
def mark_all_read():
    board_pages.mark_all_read(g.shop.id, MERCHANT)
    return _list()
