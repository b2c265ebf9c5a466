"""The drawer's conversation with a supplier and its note to the customer: parse, one domain
call, render the thread (or the note panel) again."""

from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for
from flask_babel import gettext as _

from blueprints._render import form_state, is_htmx_request, redirect_after_action, refused, render
from blueprints.embedded import shop_required
from domain.errors import DomainError, NotFound
from domain.models.notices import CustomerNote, OrderMessage
from domain.notices import conversation, customer_notes
from domain.orders import grid
from domain.suppliers import directory as suppliers

bp = Blueprint("messages", __name__)


@bp.app_context_processor
def message_view_helpers() -> dict:
    return {
        "message_thread": conversation.thread,
        "customer_notes_of": customer_notes.notes_of,
        "message_max_length": OrderMessage.MAX_LENGTH,
        "note_max_length": CustomerNote.MAX_LENGTH,
    }


def sent_message(sent: conversation.Sent, other: str) -> str:
    if sent.no_email:
        return _(
            "Message sent. %(name)s has no email on file: it sees the message in its portal.",
            name=other,
        )
    return _("Message sent to %(name)s.", name=other)


def written_note(written: customer_notes.Written) -> str:
    if written.mailed:
        return _("Note emailed to the customer, and added to the order's note in Shopify.")
    return _(
        "No email on file for the customer: the note was not emailed, only added to the "
        "order's note in Shopify."
    )


@bp.post("/orders/supplier-orders/<int:supplier_order_id>/messages")
@shop_required
def send(supplier_order_id: int):
    try:
        supplier_order = conversation.merchant_supplier_order(g.shop, supplier_order_id)
    except NotFound:
        abort(404)
    order = grid.order_for_drawer(g.shop, supplier_order.order_id)
    try:
        sent = conversation.merchant_writes(g.shop, supplier_order_id, request.form)
    except NotFound:
        abort(404)
    except DomainError as exc:
        state = form_state(exc, so_id=supplier_order_id)
        return refused(_thread(order, supplier_order, state), exc)
    if not is_htmx_request():
        return redirect_after_action(url_for("orders.drawer", order_id=order.id), "message")
    done = sent_message(sent, supplier_order.supplier.name)
    return _thread(order, supplier_order, {"so_id": supplier_order_id, "done": done})


def _thread(order, supplier_order, state: dict) -> str:
    return render(
        "orders/order.html",
        "orders/_messages.html",
        order=order,
        so=supplier_order,
        forms={"message": state},
    )


@bp.post("/orders/<int:order_id>/customer-notes")
@shop_required
def customer_note(order_id: int):
    order = grid.order_for_drawer(g.shop, order_id)
    if order is None:
        abort(404)
    try:
        written = customer_notes.merchant_writes(g.shop, order_id, request.form)
    except NotFound:
        abort(404)
    except DomainError as exc:
        return refused(_note_panel(order, form_state(exc)), exc)
    state = {"done": written_note(written), "mailed": written.mailed}
    return _note_panel(grid.order_for_drawer(g.shop, order_id), state)


def _note_panel(order, state: dict) -> str:
    return render(
        "orders/order.html", "orders/_customer_note.html", order=order, forms={"note": state}
    )


@bp.post("/suppliers/<int:supplier_id>/messages")
@shop_required
def send_to_supplier(supplier_id: int):
    """The supplier page's thread: messages about no order ("Message the store" answered)."""
    try:
        sent = conversation.merchant_writes_to_supplier(g.shop, supplier_id, request.form)
    except NotFound:
        abort(404)
    except DomainError as exc:
        supplier = suppliers.get(g.shop, supplier_id)
        return refused(_supplier_thread(supplier, form_state(exc)), exc)
    supplier = suppliers.get(g.shop, supplier_id)
    return _supplier_thread(supplier, {"done": sent_message(sent, supplier.name)})


def _supplier_thread(supplier, state: dict) -> str:
    return render(
        "suppliers/_messages.html",
        "suppliers/_messages.html",
        supplier=supplier,
        forms={"message": state},
    )
