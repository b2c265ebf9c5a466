"""The supplier's notification board in the portal: the bell (polled by portal pages), the
list, mark read. Routes of the portal blueprint (the link verified before each one): a
supplier only ever reaches its own board. Thin: domain.notices.board_pages."""

from __future__ import annotations

from flask import g, make_response, redirect, request, url_for

from blueprints._render import is_htmx_request, redirect_after_post, render
from blueprints.portal import _page_context, bp
from domain.notices import board_pages
from domain.notices.recipients import board_key

CHANGED = "relay-notifications"
HOME_ENTRIES = 5


def _board() -> tuple[int, str]:
    return g.portal_shop.id, board_key(g.portal_supplier)


@bp.app_template_global()
def portal_unread_count() -> int:
    if g.get("portal_supplier") is None:
        return 0
    return board_pages.unread_count(*_board())


@bp.app_template_global()
def portal_latest_notifications() -> list:
    """The portal home's "Notifications" panel: the newest few entries."""
    if g.get("portal_supplier") is None:
        return []
    return board_pages.page(*_board()).entries[:HOME_ENTRIES]


def portal_notification_urls() -> dict:
    return {
        "open": lambda e: url_for("portal.open_notification", notification_id=e.id),
        "read": lambda e: url_for("portal.read_notification", notification_id=e.id),
        "all": lambda: url_for("portal.read_all_notifications"),
        "more": lambda before: url_for("portal.notifications", before=before),
    }


bp.add_app_template_global(portal_notification_urls)


@bp.get("/portal/<token>/notifications/bell")
def notification_bell():
    count = board_pages.unread_count(*_board())
    return render("portal/_bell.html", "portal/_bell.html", unread=count)


def _list():
    page = board_pages.page(*_board(), request.args.get("before"))
    body = render(
        "portal/notifications.html",
        "portal/_notifications.html",
        page=page,
        urls=portal_notification_urls(),
        **_page_context(),
    )
    response = make_response(body)
    if request.method == "POST":
        response.headers["HX-Trigger"] = CHANGED
    return response


@bp.get("/portal/<token>/notifications")
def notifications():
    return _list()


@bp.get("/portal/<token>/notifications/<int:notification_id>/open")
def open_notification(notification_id: int):
    entry = board_pages.open_entry(*_board(), notification_id)
    if entry.supplier_order_id is not None:
        return redirect(url_for("portal.order", supplier_order_id=entry.supplier_order_id))
    return redirect(url_for("portal.notifications"))


def _after_post():
    if is_htmx_request():
        return _list()
    return redirect_after_post(url_for("portal.notifications"), {})


@bp.post("/portal/<token>/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    board_pages.mark_read(*_board(), notification_id)
    return _after_post()


@bp.post("/portal/<token>/notifications/read-all")
def read_all_notifications():
    board_pages.mark_all_read(*_board())
    return _after_post()
