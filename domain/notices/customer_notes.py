"""A note to the customer about their order, written by the merchant (the drawer) or by a
portal supplier (the order page, as the vendor dashboard's "Note to customer").

`write_note` checks it, stores it, records it on the timeline and mails the customer (from the
shop's name, Reply-To the shop's contact email, in the shop's language); a redacted customer,
or one without an email, gets no mail and the writer is told ("no email on file"). The note is
then appended to the Shopify order's note by `append_to_store_note`, a job: it reads the
order's note first and skips when this note's marker is already in it, so running it twice
appends once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import PUSH, background
from domain.errors import NotFound
from domain.models.notices import CustomerNote
from domain.models.orders import Order, Supplier
from domain.models.shop import Shop
from domain.notices import recipients
from domain.notices.conversation import clean_body, excerpt
from domain.notices.mail import queue_mail
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import tokens
from domain.suppliers import portal
from domain.transaction import atomic, unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyGraphQLError, ShopifyUserError
from integrations.shopify_admin.gateway import order_notes

log = logging.getLogger("relay.customer_notes")


@dataclass(frozen=True)
class Written:
    note: CustomerNote
    mailed: bool  # False: the customer has no email on file (or was redacted)


def marker(note: CustomerNote) -> str:
    """What identifies this note in the store's order note (the job's idempotency key)."""
    return f"[Relay note {note.id}]"


def merchant_order(shop: Shop, order_id: int) -> Order:
    order = db.session.scalar(select(Order).where(Order.id == order_id, Order.shop_id == shop.id))
    if order is None:
        raise NotFound(_("This order does not exist in your store."))
    return order


@unit_of_work
def merchant_writes(shop: Shop, order_id: int, form) -> Written:
    return write_note(shop, merchant_order(shop, order_id), form.get("body"))


@unit_of_work
def supplier_writes(supplier: Supplier, supplier_order_id: int, form) -> Written:
    """From the portal: only about an order of its own."""
    supplier_order = portal.supplier_order_of(supplier, supplier_order_id)
    return write_note(
        portal.shop_of(supplier), supplier_order.order, form.get("body"), supplier=supplier
    )


@unit_of_work
def write_note(shop: Shop, order: Order, body, *, supplier: Supplier | None = None) -> Written:
    if order.shop_id != shop.id:
        raise NotFound(_("This order does not exist in your store."))
    text = clean_body(body, CustomerNote.MAX_LENGTH)
    note = CustomerNote(
        shop_id=shop.id,
        order_id=order.id,
        supplier_id=supplier.id if supplier else None,
        author="supplier" if supplier else "merchant",
        body=text,
        store_note_status="pending",
    )
    db.session.add(note)
    db.session.flush()
    timeline.record(
        order,
        EventKind.CUSTOMER_NOTE,
        N_("Note to the customer: “%(excerpt)s”"),
        actor="supplier" if supplier else "merchant",
        actor_name=supplier.name if supplier else None,
        excerpt=excerpt(text),
        note_id=note.id,
    )
    mail = queue_mail(
        shop,
        event_key=f"customer-note:{note.id}",
        kind="customer_note",
        to=recipients.customer(order, shop),
        template="customer_note",
        context={"note": note, "order": order},
        reply_to=shop.contact_email,
        order_id=order.id,
    )
    append_to_store_note.after_commit(note.id, shop_id=shop.id)
    return Written(note, mailed=mail is not None)


def notes_of(order: Order) -> list[CustomerNote]:
    query = select(CustomerNote).where(CustomerNote.order_id == order.id)
    return list(db.session.scalars(query.order_by(CustomerNote.id)))


# -- the store's order note ------------------------------------------------------------------


def store_text(note: CustomerNote) -> str:
    """The paragraph appended to the order's note in the store (English: the merchant's own
    admin, where staff of any language read the note)."""
    who = "supplier" if note.author == "supplier" else "merchant"
    return f"{marker(note)} Note to customer ({who}): {note.body}"


@background(
    queue=PUSH,
    job_id="customer-note-{0}",
    label=_l("Add a note to the customer to the order in the store"),
)
def append_to_store_note(note_id: int) -> str:
    """Append the note to the Shopify order's note, once."""
    with atomic():
        note = db.session.get(CustomerNote, note_id)
        if note is None:
            return "gone"
        if note.store_note_status == "appended":
            return "already appended"
        shop = db.session.get(Shop, note.shop_id)
        if not shop.is_installed:
            return "not installed"
        order_gid = db.session.get(Order, note.order_id).shopify_gid
        client = tokens.admin_client(shop)
        paragraph, key = store_text(note), marker(note)
    try:
        current = order_notes.order_note(client, order_gid)
        outcome = "already in the store"
        if key not in current:
            order_notes.set_order_note(client, order_gid, _appended(current, paragraph))
            outcome = "appended"
    except (ShopifyUserError, ShopifyGraphQLError, order_notes.OrderGone) as exc:
        return _record(note_id, "failed", str(exc) or "The order is gone from the store.")
    return _record(note_id, "appended", None, outcome)


def _appended(current: str, paragraph: str) -> str:
    return f"{current.rstrip()}\n\n{paragraph}" if current.strip() else paragraph


def _record(note_id: int, status: str, error: str | None, outcome: str | None = None) -> str:
    with atomic():
        note = db.session.get(CustomerNote, note_id, populate_existing=True)
        if note is not None:
            note.store_note_status, note.store_note_error = status, error
    if status == "failed":
        log.warning("customer note %s not appended to the store's note: %s", note_id, error)
        return f"refused: {error}"
    return outcome or status
