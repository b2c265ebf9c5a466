"""Messages between the merchant and a supplier: a thread per supplier order (the drawer's
supplier card, the portal's order page), and one with no order ("Message the store" on the
portal home).

`send_message` is the one way a message is written: it checks the body, stores it, records
it on the order's timeline, posts it on the other side's board and mails the other side (the
supplier in its language with a signed link to the order; the merchant when the shop's
`notify_supplier_message` setting is on), with a Reply-To that reaches the writer. The views
call `merchant_writes` / `supplier_writes`, which find the supplier order within the writer's
own shop or portal first: another shop's order is NotFound and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import select

from domain.errors import InvalidInput, NotFound
from domain.models.notices import OrderMessage
from domain.models.orders import Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.notices import board, recipients
from domain.notices.mail import absolute_url, queue_mail
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop.settings import settings_of
from domain.suppliers import directory, portal
from domain.transaction import unit_of_work
from extensions import db

EXCERPT = 140  # characters of a message quoted on the timeline and the boards


@dataclass(frozen=True)
class Sent:
    message: OrderMessage
    # The other side got a mail (False: no address on file, or the merchant turned it off).
    mailed: bool
    # Why not, when the writer should know: the supplier has no email on file.
    no_email: bool = False


def clean_body(raw, max_length: int, *, field: str = "body") -> str:
    """Trimmed, line breaks kept (\\r\\n -> \\n); empty or too long is InvalidInput."""
    body = str(raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise InvalidInput(
            _("Write something before sending."), errors={field: _("Write something first.")}
        )
    if len(body) > max_length:
        message = _(
            "Keep it under %(max)d characters (this one has %(count)d).",
            max=max_length,
            count=len(body),
        )
        raise InvalidInput(message, errors={field: message})
    return body


def excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


# -- the views' entry points -----------------------------------------------------------------


def merchant_supplier_order(shop: Shop, supplier_order_id: int) -> SupplierOrder:
    """A supplier order of this shop (with a supplier), or NotFound."""
    supplier_order = db.session.scalar(
        select(SupplierOrder).where(
            SupplierOrder.id == supplier_order_id,
            SupplierOrder.shop_id == shop.id,
            SupplierOrder.supplier_id.is_not(None),
        )
    )
    if supplier_order is None:
        raise NotFound(_("This supplier order does not exist in your store."))
    return supplier_order


@unit_of_work
def merchant_writes(shop: Shop, supplier_order_id: int, form) -> Sent:
    supplier_order = merchant_supplier_order(shop, supplier_order_id)
    return send_message(shop, supplier_order, "merchant", form.get("body"))


@unit_of_work
def merchant_writes_to_supplier(shop: Shop, supplier_id: int, form) -> Sent:
    """From the supplier page: a message about no order (the answer to "Message the store")."""
    return send_message(shop, directory.get(shop, supplier_id), "merchant", form.get("body"))


@unit_of_work
def supplier_writes(supplier: Supplier, supplier_order_id: int | None, form) -> Sent:
    """From the portal: about one of its own orders, or (None) "Message the store"."""
    shop = portal.shop_of(supplier)
    about = supplier
    if supplier_order_id is not None:
        about = portal.supplier_order_of(supplier, supplier_order_id)
    return send_message(shop, about, "supplier", form.get("body"))


def thread(supplier_id: int, supplier_order_id: int | None) -> list[OrderMessage]:
    """Oldest first: one supplier order's messages, or the supplier's messages about none."""
    query = select(OrderMessage).where(OrderMessage.supplier_id == supplier_id)
    if supplier_order_id is None:
        query = query.where(OrderMessage.supplier_order_id.is_(None))
    else:
        query = query.where(OrderMessage.supplier_order_id == supplier_order_id)
    return list(db.session.scalars(query.order_by(OrderMessage.id)))


# -- writing one -----------------------------------------------------------------------------


@unit_of_work
def send_message(shop: Shop, about: SupplierOrder | Supplier, author: str, body) -> Sent:
    """Write a message from `author` ("merchant" or "supplier") about a supplier order (or,
    given a supplier, about none), and tell the other side."""
    if author not in OrderMessage.AUTHORS:
        raise ValueError(f"unknown author {author!r}")
    supplier_order = about if isinstance(about, SupplierOrder) else None
    supplier = supplier_order.supplier if supplier_order is not None else about
    if supplier is None or supplier.shop_id != shop.id:
        raise NotFound(_("This supplier order does not exist in your store."))
    text = clean_body(body, OrderMessage.MAX_LENGTH)
    message = OrderMessage(
        shop_id=shop.id,
        supplier_id=supplier.id,
        supplier_order_id=supplier_order.id if supplier_order else None,
        author=author,
        body=text,
    )
    db.session.add(message)
    db.session.flush()
    if supplier_order is not None:
        _on_timeline(supplier_order, supplier, message)
    _on_board(shop, supplier, supplier_order, message)
    if author == "merchant":
        return _mail_supplier(shop, supplier, supplier_order, message)
    return _mail_merchant(shop, supplier, supplier_order, message)


def _on_timeline(supplier_order: SupplierOrder, supplier: Supplier, message: OrderMessage):
    if message.author == "merchant":
        timeline.record(
            supplier_order.order,
            EventKind.MESSAGE_FROM_MERCHANT,
            N_("Message to %(supplier)s: “%(excerpt)s”"),
            actor="merchant",
            supplier=supplier.name,
            excerpt=excerpt(message.body),
            message_id=message.id,
        )
    else:
        timeline.record(
            supplier_order.order,
            EventKind.MESSAGE_FROM_SUPPLIER,
            N_("Message from %(supplier)s: “%(excerpt)s”"),
            actor="supplier",
            actor_name=supplier.name,
            supplier=supplier.name,
            excerpt=excerpt(message.body),
            message_id=message.id,
        )


def _on_board(shop, supplier, supplier_order, message: OrderMessage) -> None:
    to_merchant = message.author == "supplier"
    params = {"supplier": supplier.name, "store": portal.retailer_name(shop)}
    params["excerpt"] = excerpt(message.body)
    if supplier_order is not None:
        params["order"] = supplier_order.order.name
        text = (
            N_("%(supplier)s wrote about order %(order)s: “%(excerpt)s”")
            if to_merchant
            else N_("%(store)s wrote about order %(order)s: “%(excerpt)s”")
        )
    else:
        text = (
            N_("%(supplier)s wrote: “%(excerpt)s”")
            if to_merchant
            else N_("%(store)s wrote: “%(excerpt)s”")
        )
    board.post(
        shop.id,
        recipient=recipients.board_key(None if to_merchant else supplier),
        event_key=f"message:{message.id}",
        kind="message",
        message=text,
        params=params,
        order_id=supplier_order.order_id if supplier_order else None,
        supplier_order_id=supplier_order.id if supplier_order else None,
    )


# Links in a mail are built while it renders (`link()` in the templates): absolute_url needs
# the request context queue_mail's rendering provides, in a worker too.


def _mail_supplier(shop, supplier, supplier_order, message: OrderMessage) -> Sent:
    to = recipients.supplier(supplier)
    link = None
    if supplier.channel == "portal":
        token = portal.link_token(supplier)
        visible = supplier_order is not None and supplier_order.forwarded_at is not None
        link = (
            partial(absolute_url, "portal.order", token=token, supplier_order_id=supplier_order.id)
            if visible
            else partial(absolute_url, "portal.orders", token=token)
        )
    mail = queue_mail(
        shop,
        event_key=f"message:{message.id}",
        kind="message",
        to=to,
        template="message_to_supplier",
        context={"message": message, "supplier_order": supplier_order, "link": link},
        reply_to=shop.contact_email,
        order_id=supplier_order.order_id if supplier_order else None,
    )
    return Sent(message, mailed=mail is not None, no_email=not to.reachable)


def _mail_merchant(shop, supplier, supplier_order, message: OrderMessage) -> Sent:
    if not settings_of(shop).notify_supplier_message:
        return Sent(message, mailed=False)
    admin = {"shop": shop.domain, "embedded": "1"}
    link = (
        partial(absolute_url, "orders.drawer", order_id=supplier_order.order_id, **admin)
        if supplier_order is not None
        else partial(absolute_url, "suppliers.show", supplier_id=supplier.id, **admin)
    )
    mail = queue_mail(
        shop,
        event_key=f"message:{message.id}",
        kind="message",
        to=recipients.merchant(shop),
        template="message_to_merchant",
        context={
            "message": message,
            "supplier": supplier,
            "supplier_order": supplier_order,
            "link": link,
        },
        reply_to=supplier.contact_email,
        order_id=supplier_order.order_id if supplier_order else None,
    )
    return Sent(message, mailed=mail is not None)
