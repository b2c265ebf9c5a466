"""Mail to suppliers (issue 16), through a real SMTP server (the mailbox stand-in), real RQ
jobs and devstore over HTTP: a new order (portal and store suppliers, once however often the
forward runs, the board only without an email), the daily digest, a cancellation request with
the merchant's note escaped, a refund taking items off, the "send me my link" page, and a
French supplier's mail in French."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from domain.cancellations import lifecycle as cancellations
from domain.cancellations import rules as cancellation_rules
from domain.clock import utcnow
from domain.fulfillment import forwarding, shipments
from domain.models.notices import Notification, OutboundMail
from domain.models.orders import Supplier
from extensions import db
from jobs import digests
from tests.integration.merchant_pages import Merchant, supplier_form
from tests.integration.test_fulfillment import stock_at_relay
from tests.integration.test_order_edits import forward_now, fresh, supplier_store_orders
from tests.integration.test_portal import Portal
from tests.integration.test_refunds import LAMP, MUG, Drawer, add_supplier, place
from tests.integration.test_refunds_reach_suppliers import refund_form, until_quantity

EMAIL = "orders@beanie.test"


@pytest.fixture
def shop(ctx, installed_shop, devstore, mailbox):
    stock_at_relay(devstore, installed_shop, skus=(MUG, LAMP))
    before = {k: ctx.config.get(k) for k in ("SMTP_URL", "SMTP_FROM")}
    ctx.config.update(mailbox.config())
    yield installed_shop
    ctx.config.update(before)


def supplier_named(shop, name, sku, *, email=EMAIL, channel="portal", **settings) -> Supplier:
    supplier = add_supplier(shop, name, sku, channel=channel)
    supplier = db.session.get(Supplier, supplier.id)
    supplier.contact_email = email
    for key, value in settings.items():
        setattr(supplier, key, value)
    db.session.execute(
        db.text(
            "UPDATE variant_mappings SET supplier_sku = :s WHERE sku = :sku AND shop_id = :shop"
        ),
        {"s": f"SUP-{sku}", "sku": sku, "shop": supplier.shop_id},
    )
    db.session.commit()
    return supplier


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def mails(kind: str) -> list[OutboundMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMail).where(OutboundMail.kind == kind)))


def test_new_order_mail_has_supplier_skus_ship_to_and_a_working_portal_link(
    shop, devstore, drain, mailbox, relay_server
):
    """A portal supplier gets one mail per order: its SKUs, quantities, the ship-to address
    and a signed link that opens the order; running the forward again writes nothing more."""
    supplier_named(shop, "Beanie Co", MUG)
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    drain()
    db.session.expire_all()
    assert [(m.status, m.last_error) for m in mails("new-order")] == [("sent", None)]
    (message,) = mailbox.wait_for(1, to=EMAIL)
    (part,) = fresh(order).supplier_orders
    assert order.name in message["Subject"]
    text = text_of(message)
    assert f"2 × [SUP-{MUG}]" in text
    assert order.shipping_address["city"] in text
    link = re.search(r"http://\S+/orders/\d+", text).group(0)
    html = html_of(message)
    assert f"SUP-{MUG}" in html and f'href="{link}"' in html and "/settings" in html
    page = httpx.get(link, timeout=30)
    assert page.status_code == 200 and order.name in page.text
    forwarding.forward(part.id)  # a replay: not scheduled any more, nothing written
    drain()
    assert len(mails("new-order")) == 1 and len(mailbox.messages(to=EMAIL)) == 1
    board = db.session.scalars(
        select(Notification).where(Notification.recipient == f"supplier:{part.supplier_id}")
    ).all()
    assert [n.event_key for n in board] == [f"new-order:{part.id}"]


def test_a_supplier_without_email_gets_the_board_entry_only(shop, devstore, drain, mailbox):
    """No address on file: the board still shows the order, no mail is written."""
    supplier = supplier_named(shop, "Beanie Co", MUG, email=None)
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    drain()
    assert mails("new-order") == []
    entries = db.session.scalars(
        select(Notification).where(Notification.recipient == f"supplier:{supplier.id}")
    ).all()
    assert [n.kind for n in entries] == ["new-order"]


def test_digest_supplier_gets_one_digest_listing_both_orders(shop, devstore, drain, mailbox):
    """Daily digest chosen: no mail per order, one digest with both, and a second run of the
    day sends nothing."""
    supplier_named(shop, "Beanie Co", MUG, daily_digest=True)
    first = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    second = place(devstore, shop, drain, [(MUG, 3, "20.00")])
    forward_now(fresh(first).supplier_orders + fresh(second).supplier_orders, drain)
    drain()
    assert mails("new-order") == []
    digests.send_digests.enqueue()
    drain()
    digests.send_digests.enqueue()  # the same day again: nothing more
    drain()
    (message,) = mailbox.wait_for(1, to=EMAIL)
    assert "2 new orders" in message["Subject"]
    assert first.name in text_of(message) and second.name in text_of(message)
    assert len(mails("digest")) == 1


@pytest.mark.attack
def test_cancellation_request_mail_quotes_the_note_escaped_with_the_answer_links(
    shop, devstore, drain, mailbox
):
    """The merchant's note arrives as text (no markup) and the mail links to the order page
    where the supplier accepts or declines."""
    supplier_named(shop, "Beanie Co", MUG)
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    drain()
    mailbox.wait_for(1, to=EMAIL)
    (part,) = fresh(order).supplier_orders
    part.supplier_paid_at = utcnow()
    db.session.commit()
    note, choices = cancellation_rules.choices_from(
        {"note": "<script>alert(1)</script> sorry", "scope": "supplier"}
    )
    cancellations.request_cancellation(part, note=note, choices=choices, actor_name="Merchant")
    db.session.commit()
    drain()
    message = mailbox.wait_for(2, to=EMAIL)[-1]
    html = html_of(message)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; sorry" in html
    assert f'/orders/{part.id}#cancellation" id="accept-link"' in html
    assert 'id="decline-link"' in html


def test_refund_mail_lists_the_refunded_items(
    shop, devstore, drain, mailbox, relay_server, id_token
):
    """A refund taking a unit off a part already sent tells its supplier which and how many."""
    supplier_named(shop, "Beanie Co", MUG)
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    drain()
    mailbox.wait_for(1, to=EMAIL)
    refund_form(Drawer(relay_server, shop, id_token), order, MUG, 1, "20.00", restock=False)
    until_quantity(drain, order, MUG, 1)
    message = mailbox.wait_for(2, to=EMAIL)[-1]
    assert "refunded" in message["Subject"]
    assert f"- 1 × [SUP-{MUG}]" in text_of(message)


@pytest.mark.attack
def test_send_me_my_link(shop, mailbox, drain, relay_server):
    """A known address gets a working link; an unknown one the same page and no mail; a
    second request within 5 minutes sends nothing more."""
    supplier_named(shop, "Beanie Co", MUG)
    url = f"{relay_server.url}/portal/send-my-link"
    assert httpx.get(url, timeout=30).status_code == 200
    known = httpx.post(url, data={"email": EMAIL.upper()}, timeout=30)
    unknown = httpx.post(url, data={"email": "nobody@else.test"}, timeout=30)
    assert known.status_code == unknown.status_code == 200
    said = "If this address belongs to a supplier, a link is on its way."
    assert said in known.text and said in unknown.text
    drain()
    (message,) = mailbox.wait_for(1, to=EMAIL)
    link = re.search(r"http://\S+/portal/\S+/", text_of(message)).group(0)
    assert httpx.get(link, timeout=30).status_code == 200
    httpx.post(url, data={"email": EMAIL}, timeout=30)
    drain()
    assert len(mails("portal-link")) == 1 and mailbox.messages(to="nobody@else.test") == []


def test_a_french_supplier_reads_its_mail_in_french(shop, devstore, drain, mailbox):
    """Supplier.language fr: subject and body in French."""
    supplier_named(shop, "Beanie Co", MUG, language="fr")
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    drain()
    (message,) = mailbox.wait_for(1, to=EMAIL)
    assert message["Subject"].startswith("Nouvelle commande")
    assert "Articles à expédier" in text_of(message)


def test_store_supplier_mail_links_to_the_order_in_its_own_admin(
    shop, devstore, drain, mailbox, make_shop, oauth_install
):
    """A supplier running Relay in its store: the mail links to the order Relay placed there."""
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    supplier = supplier_named(shop, "Beanie Store", MUG, channel="store")
    supplier.store_domain = supplier_domain
    db.session.commit()
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    drain()
    (placed,) = supplier_store_orders(devstore, supplier_domain)
    (message,) = mailbox.wait_for(1, to=EMAIL)
    assert f"/store/{supplier_domain}/admin/orders/{placed['id']}" in text_of(message)


def test_merchant_emails_the_link_or_sees_no_email_on_file(
    shop, drain, mailbox, relay_server, id_token
):
    """ "Email the link" on the supplier page sends a working link (once per 5 minutes); a
    portal supplier without an email shows "No email on file"."""
    supplier = supplier_named(shop, "Beanie Co", MUG)
    merchant = Merchant(relay_server.url, shop, id_token)
    page = merchant.get(f"/suppliers/{supplier.id}")
    assert 'id="email-portal-link"' in page.text
    sent = merchant.post(f"/suppliers/{supplier.id}/portal-link/email")
    assert sent.status_code == 200 and "Sent to orders@beanie.test." in sent.text
    again = merchant.post(f"/suppliers/{supplier.id}/portal-link/email")
    assert "less than 5 minutes ago" in again.text
    drain()
    (message,) = mailbox.wait_for(1, to=EMAIL)
    link = re.search(r"http://\S+/portal/\S+/", text_of(message)).group(0)
    assert httpx.get(link, timeout=30).status_code == 200
    supplier = db.session.get(Supplier, supplier.id)
    supplier.contact_email = None
    db.session.commit()
    assert "No email on file" in merchant.get(f"/suppliers/{supplier.id}").text


def test_mail_settings_from_the_portal_and_the_supplier_form(shop, relay_server, id_token):
    """The supplier sets its language and digest in the portal; a bad language is a 422; the
    merchant's supplier form saves them too."""
    supplier = supplier_named(shop, "Beanie Co", MUG)
    portal_page = Portal(relay_server, supplier)
    assert 'id="email-settings"' in portal_page.get("settings").text
    saved = portal_page.post("settings", {"language": "hu", "daily_digest": "1"})
    assert saved.status_code == 303
    db.session.expire_all()
    row = db.session.get(Supplier, supplier.id)
    assert (row.language, row.daily_digest) == ("hu", True)
    assert portal_page.post("settings", {"language": "xx"}).status_code == 422
    merchant = Merchant(relay_server.url, shop, id_token)
    form = supplier_form("Beanie Co", contact_email=EMAIL, language="fr")
    merchant.post(f"/suppliers/{supplier.id}", form, htmx=False)
    db.session.expire_all()
    row = db.session.get(Supplier, supplier.id)
    assert (row.language, row.daily_digest) == ("fr", False)


@pytest.mark.attack
def test_an_expired_link_page_offers_send_me_my_link(shop, relay_server):
    """The portal's "link does not open" page links to "Send me my link"."""
    page = httpx.get(f"{relay_server.url}/portal/not-a-token/", timeout=30)
    assert page.status_code in (400, 403) and "/portal/send-my-link" in page.text


def test_a_refund_of_shipped_units_of_an_unpaid_supplier_sends_nothing(
    shop, devstore, drain, mailbox, relay_server, id_token
):
    """The refunded units had already left in a parcel and the supplier owes nothing: nothing
    changes for it, so no mail and no board entry about the refund."""
    supplier_named(shop, "Beanie Co", MUG)
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    (part,) = fresh(order).supplier_orders
    mug = next(line for line in fresh(order).line_items if line.sku == MUG)
    shipments.record_shipment(
        part, shipments.Tracking("tracked", "1Z111", "UPS", None), quantities={mug.id: 2}
    )
    db.session.commit()
    drain()
    refund_form(Drawer(relay_server, shop, id_token), order, MUG, 1, "20.00", restock=True)
    until_quantity(drain, order, MUG, 1)
    drain()
    assert mails("refund") == []
    assert db.session.scalars(select(Notification).where(Notification.kind == "refund")).all() == []


def test_a_cancelled_part_is_told_unless_the_supplier_accepted_it_itself(
    shop, devstore, drain, mailbox, relay_server
):
    """An unpaid part is cancelled at once on request: the supplier gets "cancelled" with its
    items. A paid one the supplier accepts in the portal: no second mail about it."""
    supplier = supplier_named(shop, "Beanie Co", MUG)
    first = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    second = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    forward_now(fresh(first).supplier_orders + fresh(second).supplier_orders, drain)
    note, choices = cancellation_rules.choices_from({"note": "", "scope": "supplier"})
    (unpaid,) = fresh(first).supplier_orders
    cancellations.request_cancellation(unpaid, note=note, choices=choices, actor_name="Merchant")
    db.session.commit()
    (paid,) = fresh(second).supplier_orders
    paid.supplier_paid_at = paid.supplier_paid_out_at = utcnow()  # paid out: owes nothing here
    db.session.commit()
    cancellations.request_cancellation(paid, note=note, choices=choices, actor_name="Merchant")
    db.session.commit()
    drain()
    Portal(relay_server, supplier).post(f"orders/{paid.id}/cancellation/accept", {})
    drain()
    (cancelled,) = mails("cancelled")
    assert cancelled.event_key == f"cancelled:{unpaid.id}"
    assert f"2 × [SUP-{MUG}]" in cancelled.text_body
    assert fresh(second).supplier_orders[0].status == "cancelled"
    assert len(mails("cancellation-request")) == 1
