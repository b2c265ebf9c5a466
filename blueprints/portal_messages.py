"""The portal's side of the conversation: a supplier's messages about one of its orders and
"Message the store" from the portal home, and its note to the customer. Routes of the portal
blueprint (blueprints/portal.py verifies the link before each of them): parse, one domain
call, render the thread (or the note panel) again."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from blueprints._render import error_status, form_state, render
from blueprints.messages import written_note
from blueprints.portal import _order_page, _page_context, bp
from domain.errors import DomainError, NotFound
from domain.notices import conversation, customer_notes
from domain.suppliers import portal


def _sent(sent: conversation.Sent) -> str:
    return _("Message sent to %(store)s.", store=portal.retailer_name(g.portal_shop))


@bp.post("/portal/<token>/orders/<int:supplier_order_id>/messages")
def send_message(supplier_order_id: int):
    try:
        sent = conversation.supplier_writes(g.portal_supplier, supplier_order_id, request.form)
    except NotFound:
        raise
    except DomainError as exc:
        return _order_page(
            supplier_order_id, "portal/_messages.html", error_status(exc), message=form_state(exc)
        )
    return _order_page(supplier_order_id, "portal/_messages.html", message={"done": _sent(sent)})


@bp.post("/portal/<token>/messages")
def message_store():
    """ "Message the store": a message about no order, from the portal home."""
    try:
        sent = conversation.supplier_writes(g.portal_supplier, None, request.form)
    except DomainError as exc:
        return _home(error_status(exc), message=form_state(exc))
    return _home(200, message={"done": _sent(sent)})


def _home(status: int, **forms):
    page = portal.orders_page(g.portal_supplier, None, 1)
    body = render(
        "portal/orders.html",
        "portal/_messages.html",
        page=page,
        filters=portal.FILTER_LABELS,
        item_count=portal.item_count,
        actions=portal.actions,
        notice=None,
        so=None,
        forms=forms,
        **_page_context(),
    )
    return body, status


@bp.post("/portal/<token>/orders/<int:supplier_order_id>/customer-notes")
def customer_note(supplier_order_id: int):
    try:
        written = customer_notes.supplier_writes(g.portal_supplier, supplier_order_id, request.form)
    except NotFound:
        raise
    except DomainError as exc:
        state = form_state(exc)
        return _order_page(
            supplier_order_id, "portal/_customer_note.html", error_status(exc), note=state
        )
    state = {"done": written_note(written), "mailed": written.mailed}
    return _order_page(supplier_order_id, "portal/_customer_note.html", note=state)
