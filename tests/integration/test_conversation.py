"""Messages between the merchant and a supplier, and notes to the customer (issue 16), over
real HTTP: the drawer and the portal post them; PostgreSQL stores them; RQ sends the mails to
the real SMTP server of tests/mail_services.py; devstore holds the Shopify order's note."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from flask import current_app
from sqlalchemy import func, select

from domain.clock import utcnow
from domain.models.notices import CustomerNote, Notification, OrderMessage, OutboundMail
from domain.models.orders import Order, OrderEvent, Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.notices import conversation, customer_notes
from domain.shop import settings as shop_settings
from domain.shop import tokens
from domain.suppliers import portal
from extensions import db
from integrations.shopify_admin.gateway import order_notes
from tests.integration.merchant_pages import Merchant
from tests.integration.test_portal import (  # noqa: F401  (retailer: a fixture)
    MUG,
    Portal,
    add_portal_supplier,
    retailer,
    sent_to_supplier,
    shop_row,
)

STORE_EMAIL = "owner@acme-store.example"
SUPPLIER_EMAIL = "orders@mugworks.example"
HOSTILE = "<script>alert('x')</script> & <b>bold</b>\nsecond line"


@pytest.fixture
def setup(ctx, relay_server, retailer, devstore, drain, id_token, mailbox):  # noqa: F811
    """A retailer with a contact email, a portal supplier with one, and an order sent to it."""
    shop = shop_row(retailer)
    shop.contact_email = STORE_EMAIL
    db.session.commit()
    supplier = add_portal_supplier(retailer, "Mugworks", (MUG,))
    supplier.contact_email, supplier.language = SUPPLIER_EMAIL, "fr"
    db.session.commit()
    supplier_order = sent_to_supplier(devstore, retailer, {MUG: 1}, drain)
    mailbox.clear()  # whatever forwarding mailed is not what these tests look at
    return {
        "shop": shop,
        "supplier": supplier,
        "so": supplier_order,
        "merchant": Merchant(relay_server.url, retailer, id_token),
        "portal": Portal(relay_server, supplier),
    }


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(order_id: int, kind: str) -> list[OrderEvent]:
    db.session.expire_all()
    query = select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == kind)
    return list(db.session.scalars(query))


def written_nothing() -> bool:
    return (
        count(OrderMessage) == 0
        and count(CustomerNote) == 0
        and count(Notification, Notification.kind.in_(("message", "customer_note"))) == 0
        and count(OutboundMail, OutboundMail.kind.in_(("message", "customer_note"))) == 0
    )


def link_in(text: str) -> str:
    return re.search(r"https?://\S+", text).group(0)


# -- merchant <-> supplier -----------------------------------------------------------------


def test_a_merchants_message_reaches_the_supplier_escaped_with_its_signed_link(
    setup, drain, mailbox, relay_server
):
    """Stored, on the timeline, on the supplier's board, mailed to the supplier in French with
    a signed link to the order and a Reply-To of the merchant; HTML arrives as text in the
    drawer, the portal and both parts of the mail, its line break kept."""
    so, merchant = setup["so"], setup["merchant"]
    response = merchant.post(f"/orders/supplier-orders/{so.id}/messages", {"body": f"  {HOSTILE} "})
    assert response.status_code == 200
    assert f'id="messages-{so.id}"' in response.text
    assert "&lt;script&gt;" in response.text and "<script>alert" not in response.text

    (message,) = db.session.scalars(select(OrderMessage)).all()
    assert (message.author, message.body, message.supplier_order_id) == ("merchant", HOSTILE, so.id)
    (event,) = events(so.order_id, "message_from_merchant")
    assert event.actor == "merchant" and "Mugworks" in event.data["supplier"]
    board = db.session.scalars(select(Notification)).all()
    assert [(n.recipient, n.order_id) for n in board] == [
        (f"supplier:{so.supplier_id}", so.order_id)
    ]

    drain()
    (mail,) = mailbox.wait_for(1, to=SUPPLIER_EMAIL)
    assert mail["Reply-To"].addresses[0].addr_spec == STORE_EMAIL
    assert so.order.name in mail["Subject"] and "Nouveau message" in mail["Subject"]
    html = mail.get_body(("html",)).get_content()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert HOSTILE in plain  # plain text: the message as written, line break and all
    link = link_in(plain)
    assert "/portal/" in link and link.endswith(f"/orders/{so.id}")
    page = setup["portal"].http.get(link)
    assert page.status_code == 200
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text

    drawer = merchant.get(f"/orders/{so.order_id}", htmx=True)
    assert "&lt;script&gt;alert" in drawer.text and "<script>alert" not in drawer.text


def test_a_suppliers_message_reaches_the_merchant_unless_the_merchant_turned_it_off(
    setup, drain, mailbox
):
    """From the portal order page: stored, on the timeline (by the supplier), on the merchant's
    board, mailed to the shop's contact email with Reply-To the supplier and a link to the
    order in Relay. With "A supplier sends a message" off, the next one is not mailed."""
    so, shop, page = setup["so"], setup["shop"], setup["portal"]
    response = page.post(f"orders/{so.id}/messages", {"body": "Out of stock until Friday."}, True)
    assert response.status_code == 200 and 'id="messages"' in response.text
    assert "Out of stock until Friday." in response.text
    (event,) = events(so.order_id, "message_from_supplier")
    assert (event.actor, event.actor_name) == ("supplier", "Mugworks")
    (entry,) = db.session.scalars(select(Notification)).all()
    assert (entry.recipient, entry.supplier_order_id) == ("merchant", so.id)

    drain()
    (mail,) = mailbox.wait_for(1, to=STORE_EMAIL)
    assert mail["Reply-To"].addresses[0].addr_spec == SUPPLIER_EMAIL
    assert "Mugworks" in mail["Subject"] and so.order.name in mail["Subject"]
    link = link_in(mail.get_body(("plain",)).get_content())
    assert f"/orders/{so.order_id}?" in link and f"shop={shop.domain}" in link

    shop = shop_row(shop.domain)
    shop_settings.save(
        shop, shop_settings.ShopSettings(hold_minutes=0, notify_supplier_message=False)
    )
    db.session.commit()
    assert page.post(f"orders/{so.id}/messages", {"body": "Shipped now."}, True).status_code == 200
    drain()
    assert count(OrderMessage) == 2 and count(Notification) == 2
    assert count(OutboundMail, OutboundMail.recipient == STORE_EMAIL) == 1


def test_message_the_store_from_the_portal_home_is_about_no_order(setup, drain, mailbox):
    """ "Message the store": a thread with no order, shown on the portal home, on the merchant's
    board and in the merchant's mail; no order's timeline is touched."""
    page = setup["portal"]
    assert "Message the store" in page.get().text
    response = page.post("messages", {"body": "Can I add a new product line?"}, True)
    assert response.status_code == 200 and 'id="store-messages"' in response.text
    (message,) = db.session.scalars(select(OrderMessage)).all()
    assert message.supplier_order_id is None and message.author == "supplier"
    (entry,) = db.session.scalars(select(Notification)).all()
    assert entry.recipient == "merchant" and entry.order_id is None
    assert count(OrderEvent, OrderEvent.kind.like("message_%")) == 0
    drain()
    (mail,) = mailbox.wait_for(1, to=STORE_EMAIL)
    assert "Can I add a new product line?" in mail.get_body(("plain",)).get_content()
    assert "Can I add a new product line?" in page.get().text

    # The merchant reads it on the supplier page and answers there; the supplier is mailed.
    merchant, supplier = setup["merchant"], setup["supplier"]
    shown = merchant.get(f"/suppliers/{supplier.id}")
    assert 'id="supplier-messages"' in shown.text and "Can I add a new product line?" in shown.text
    answer = merchant.post(f"/suppliers/{supplier.id}/messages", {"body": "Yes, send a list."})
    assert answer.status_code == 200 and "Yes, send a list." in answer.text
    drain()
    (to_supplier,) = mailbox.wait_for(1, to=SUPPLIER_EMAIL)
    assert link_in(to_supplier.get_body(("plain",)).get_content()).endswith("/")
    assert "Yes, send a list." in page.get().text


def test_a_supplier_without_an_email_still_gets_the_message_on_its_board(setup):
    """No contact email on file: the message is stored and on the supplier's board, no mail is
    queued, and the merchant is told "no email on file"."""
    supplier, so = setup["supplier"], setup["so"]
    db.session.get(Supplier, supplier.id).contact_email = None
    db.session.commit()
    response = setup["merchant"].post(f"/orders/supplier-orders/{so.id}/messages", {"body": "Hi"})
    assert response.status_code == 200 and "has no email on file" in unescape(response.text)
    assert count(Notification, Notification.recipient == f"supplier:{supplier.id}") == 1
    assert count(OutboundMail) == 0 and count(OrderMessage) == 1


def test_a_message_written_outside_a_request_still_mails_absolute_links(setup, drain, mailbox):
    """send_message called by code with no request (a job, a script): the mail renders its
    links at APP_URL all the same."""
    shop, so = shop_row(setup["shop"].domain), setup["so"]
    sent = conversation.send_message(shop, so, "supplier", "From a job.")
    assert sent.mailed
    drain()
    (mail,) = mailbox.wait_for(1, to=STORE_EMAIL)
    link = link_in(mail.get_body(("plain",)).get_content())
    assert link.startswith(current_app.config["APP_URL"] + f"/orders/{so.order_id}?")


@pytest.mark.attack
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_written(setup):
    """Blank after trimming, or past OrderMessage.MAX_LENGTH: a 4xx that says why, from the
    drawer and from the portal; no message, event, board entry or mail."""
    so, merchant, page = setup["so"], setup["merchant"], setup["portal"]
    path = f"/orders/supplier-orders/{so.id}/messages"
    empty = merchant.post(path, {"body": "  \n "}, htmx=False)
    assert empty.status_code == 422 and "Write something" in unescape(empty.text)
    long = merchant.post(path, {"body": "x" * (OrderMessage.MAX_LENGTH + 1)}, htmx=False)
    assert long.status_code == 422
    assert f"Keep it under {OrderMessage.MAX_LENGTH:,}" in unescape(long.text) or (
        f"Keep it under {OrderMessage.MAX_LENGTH}" in unescape(long.text)
    )
    in_portal = page.post(f"orders/{so.id}/messages", {"body": ""}, True)
    assert in_portal.status_code == 422 and "Write something" in unescape(in_portal.text)
    too_long = page.post("messages", {"body": "y" * 5000}, True)
    assert too_long.status_code == 422 and "Keep it under" in unescape(too_long.text)
    note = merchant.post(f"/orders/{so.order_id}/customer-notes", {"body": ""}, htmx=False)
    assert note.status_code == 422
    assert written_nothing() and events(so.order_id, "message_from_merchant") == []


def _other_shop() -> tuple[Order, SupplierOrder]:
    """Another shop with its own supplier and supplier order, written straight to the DB."""
    other = Shop(domain="other-shop.myshopify.com", name="Other", settings={})
    db.session.add(other)
    db.session.flush()
    supplier = Supplier(shop_id=other.id, name="Theirs", channel="portal", currency="EUR")
    now = utcnow()
    order = Order(
        shop_id=other.id,
        shopify_gid="gid://shopify/Order/999999",
        name="#9999",
        created_at=now,
        shopify_updated_at=now,
        financial_status="paid",
        store_status="unfulfilled",
        currency="EUR",
        total=10,
        customer_email="them@example.com",
    )
    db.session.add_all([supplier, order])
    db.session.flush()
    supplier_order = SupplierOrder(
        order_id=order.id,
        shop_id=other.id,
        supplier_id=supplier.id,
        status="requested",
        forwarded_at=now,
    )
    db.session.add(supplier_order)
    db.session.commit()
    return order, supplier_order


@pytest.mark.attack
def test_another_shops_supplier_order_is_not_found_and_nothing_is_written(setup):
    """The merchant writing on another shop's supplier order or note on its order, and a portal
    supplier writing on another retailer's supplier order: 404, nothing written."""
    order, theirs = _other_shop()
    merchant, page = setup["merchant"], setup["portal"]
    assert (
        merchant.post(f"/orders/supplier-orders/{theirs.id}/messages", {"body": "hi"}).status_code
        == 404
    )
    assert merchant.post(f"/orders/{order.id}/customer-notes", {"body": "hi"}).status_code == 404
    assert page.post(f"orders/{theirs.id}/messages", {"body": "hi"}, True).status_code == 404
    assert page.post(f"orders/{theirs.id}/customer-notes", {"body": "hi"}, True).status_code == 404
    path = f"/suppliers/{theirs.supplier_id}/messages"
    assert merchant.post(path, {"body": "hi"}).status_code == 404
    assert written_nothing()


@pytest.mark.attack
def test_an_expired_link_shows_the_expired_page_and_writes_nothing(setup, relay_server):
    """A portal link past its age: the expired page (410), no message or note written."""
    so, supplier = setup["so"], setup["supplier"]
    old = portal.link_token(
        supplier, now=lambda: time.time() - portal.LINK_MAX_AGE.total_seconds() - 60
    )
    http = setup["portal"].http
    for path in (f"orders/{so.id}/messages", "messages", f"orders/{so.id}/customer-notes"):
        response = http.post(f"/portal/{old}/{path}", data={"body": "hello"})
        assert response.status_code == 410 and "expired" in response.text
    assert written_nothing()


# -- notes to the customer -----------------------------------------------------------------


def _store_note(shop: Shop, order: Order) -> str:
    """The Shopify order's note, read back from devstore over GraphQL."""
    return order_notes.order_note(tokens.admin_client(shop), order.shopify_gid)


def test_a_note_to_the_customer_is_mailed_from_the_shop_and_appended_to_the_store_note_once(
    setup, drain, mailbox
):
    """From the drawer: mailed to the customer from the shop's name with Reply-To the shop,
    on the timeline, appended to the devstore order's note; the job run again (and again
    after its status was lost) appends nothing more."""
    so, merchant = setup["so"], setup["merchant"]
    body = "Your mug ships Monday.\n<i>Thanks</i> for waiting!"
    response = merchant.post(f"/orders/{so.order_id}/customer-notes", {"body": body})
    assert response.status_code == 200 and f'id="customer-note-{so.order_id}"' in response.text
    assert "Note emailed to the customer" in response.text and "&lt;i&gt;" in response.text
    (event,) = events(so.order_id, "customer_note")
    assert event.actor == "merchant"

    drain()
    (mail,) = mailbox.wait_for(1, to="alex@example.com")
    shop = shop_row(setup["shop"].domain)
    assert mail["From"].addresses[0].display_name == shop.name
    assert mail["Reply-To"].addresses[0].addr_spec == STORE_EMAIL
    assert "&lt;i&gt;Thanks&lt;/i&gt;" in mail.get_body(("html",)).get_content()
    (note,) = db.session.scalars(select(CustomerNote)).all()
    db.session.refresh(note)
    assert note.store_note_status == "appended"
    order = db.session.get(Order, so.order_id)
    stored = _store_note(shop, order)
    assert customer_notes.marker(note) in stored and "Your mug ships Monday." in stored

    assert customer_notes.append_to_store_note(note.id) == "already appended"
    note.store_note_status = "pending"
    db.session.commit()
    assert customer_notes.append_to_store_note(note.id) == "already in the store"
    assert _store_note(shop, order).count(customer_notes.marker(note)) == 1


def test_a_portal_suppliers_note_to_a_redacted_customer_is_not_mailed_and_says_so(
    setup, drain, mailbox
):
    """The supplier writes from its order page; the customer was redacted: no mail, the page
    says "no email on file"; the note is still on the timeline and in the store's note."""
    so, page = setup["so"], setup["portal"]
    order = db.session.get(Order, so.order_id)
    order.customer_redacted_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "The customer sees this note" in page.get(f"orders/{so.id}").text
    response = page.post(f"orders/{so.id}/customer-notes", {"body": "Ships Monday."}, True)
    assert response.status_code == 200 and 'id="customer-note"' in response.text
    assert "No email on file for the customer" in unescape(response.text)
    (event,) = events(so.order_id, "customer_note")
    assert (event.actor, event.actor_name) == ("supplier", "Mugworks")
    drain()
    assert count(OutboundMail, OutboundMail.kind == "customer_note") == 0
    assert mailbox.messages(to="alex@example.com") == []
    assert "Ships Monday." in _store_note(shop_row(setup["shop"].domain), order)
