"""What Relay tells the merchant (domain/notices/to_merchant.py): a supplier's decline of an
order or a cancellation, a failed automatic payment, work that needs attention. Each is a
board entry always, and a mail to the shop's contact email in the shop's language when its
Settings toggle is on; the "needs attention" mail at most once an hour. The Settings'
Notifications section and the Mail log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from domain.clock import utcnow
from domain.models.notices import Notification, OutboundMail
from domain.shop import settings as shop_settings
from domain.transaction import atomic
from extensions import db
from tests.conftest import API_KEY
from tests.integration import stripe_flows
from tests.integration.merchant_pages import Merchant
from tests.integration.test_cancellations import ask, portal_post, with_supplier
from tests.integration.test_failed_jobs import deliver_unprocessable_order
from tests.integration.test_fulfillment import refreshed, shop_row, stock_at_relay
from tests.integration.test_portal import Portal

OWNER = "owner@merchant.test"


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


def merchant_wants(domain, *, email=OWNER, locale="en", **toggles):
    """The shop's contact email, language and Settings toggles (all on unless told)."""
    shop = shop_row(domain)
    current = shop_settings.settings_of(shop)
    shop_settings.save(shop, shop_settings.ShopSettings(**{**current.__dict__, **toggles}))
    shop.contact_email, shop.locale = email, locale
    db.session.commit()
    return shop


def board_entries(shop, kind: str) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(
        Notification.shop_id == shop.id, Notification.recipient == "merchant"
    )
    return [n for n in db.session.scalars(query.order_by(Notification.id)) if n.kind == kind]


def mail_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(OutboundMail.id)))


def declined_in_portal(relay_server, devstore, domain, drain, supplier=None, **wants):
    so = with_supplier(devstore, domain, drain, accepted=False, paid=False, supplier=supplier)
    merchant_wants(domain, **wants)  # after the supplier's set-up, which resets Settings
    me = Portal(relay_server, refreshed(so).supplier)
    answer = me.post(
        f"orders/{so.id}/decline", {"reason_code": "OTHER", "note": "Discontinued <b>model</b>"}
    )
    assert answer.status_code == 303
    drain()
    return refreshed(so)


def test_a_declined_order_is_mailed_to_the_merchant_in_the_shops_language(
    retailer, relay_server, devstore, drain, mailbox
):
    """A supplier declines in the portal: the merchant's board says so, and a French shop's
    contact email gets the French mail with the reason and a link into the embedded app."""
    so = declined_in_portal(relay_server, devstore, retailer, drain, locale="fr")
    shop = shop_row(retailer)
    (message,) = mailbox.wait_for(1, to=OWNER)
    assert message["Subject"] == f"Portal Supplier a refusé la commande {so.order.name}"
    text = message.get_body(("plain",)).get_content()
    assert "Discontinued <b>model</b>" in text
    assert f"/admin/apps/{API_KEY}/orders/{so.order_id}" in text
    html = message.get_body(("html",)).get_content()
    assert "Discontinued &lt;b&gt;model&lt;/b&gt;" in html, "the reason is escaped"
    (entry,) = board_entries(shop, "declined")
    assert entry.event_key == f"supplier-declined:so:{so.id}" and entry.order_id == so.order_id


def test_toggle_off_or_no_email_means_no_mail_but_the_board_still_tells(
    retailer, relay_server, devstore, drain, mailbox, id_token
):
    """ "A supplier declines" off: no mail, the entry is there. No contact email: no mail,
    the entry is there, and Settings says "No email on file"."""
    first = declined_in_portal(
        relay_server, devstore, retailer, drain, notify_supplier_declined=False
    )
    shop = shop_row(retailer)
    assert len(board_entries(shop, "declined")) == 1 and mail_count() == 0

    declined_in_portal(relay_server, devstore, retailer, drain, first.supplier, email=None)
    shop = shop_row(retailer)
    assert len(board_entries(shop, "declined")) == 2 and mail_count() == 0
    assert mailbox.messages() == []
    page = Merchant(relay_server.url, retailer, id_token).get("/settings").text
    assert "No email on file" in page and "data-no-email" in page


def test_a_declined_cancellation_is_mailed_in_hungarian(
    retailer, relay_server, devstore, drain, mailbox
):
    """The supplier keeps an order the merchant asked to cancel: the reason reaches the
    Hungarian shop's contact email and the board."""
    so = with_supplier(devstore, retailer, drain)
    shop = merchant_wants(retailer, locale="hu")
    ask(so)
    drain()
    supplier = refreshed(so).supplier
    path = f"orders/{so.id}/cancellation/decline"
    answer = portal_post(relay_server, supplier, path, {"reason": "Már a futárnál"})
    assert answer.status_code == 303
    drain()
    (message,) = mailbox.wait_for(1, to=OWNER)
    assert message["Subject"] == (
        f"{supplier.name} elutasította a(z) {so.order.name} rendelés lemondását"
    )
    assert "Már a futárnál" in message.get_body(("plain",)).get_content()
    (entry,) = board_entries(shop, "cancellation_declined")
    assert entry.params["reason"] == "Már a futárnál"


def test_a_failed_automatic_payment_is_mailed_with_why_and_pay_now(
    ctx, installed_shop, devstore, relay_server, paypal_webhooks, stripe_standin, drain, mailbox
):
    """The card is declined: the merchant reads why, with a Pay now link into the app."""
    from tests.integration.payment_flows import paying_supplier, requested_order
    from tests.integration.test_payments_automatic import saved_card

    stock_at_relay(devstore, installed_shop)
    paying_supplier(installed_shop, stripe_standin, pay="auto", paypal=False)
    saved_card(installed_shop, stripe_standin, stripe_flows.DECLINES_AFTER_ATTACH)
    shop = merchant_wants(installed_shop)
    so = requested_order(devstore, installed_shop, drain)
    drain()
    (message,) = mailbox.wait_for(1, to=OWNER)
    assert message["Subject"].startswith("Automatic payment to ")
    text = message.get_body(("plain",)).get_content()
    assert refreshed(so).payment_failure in text
    assert f"/admin/apps/{API_KEY}/payments/checkout?so={so.id}" in text
    (entry,) = board_entries(shop, "payment_failed")
    assert entry.supplier_order_id == so.id


def test_jobs_needing_attention_are_each_on_the_board_and_mailed_once_an_hour(
    ctx, relay_server, installed_shop, drain, mailbox
):
    """Two webhooks set aside: two board entries, one mail (the hourly cap); an hour later
    the next one is mailed; with the toggle off none is, the board still lists it."""
    shop = merchant_wants(installed_shop)
    first = deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    second = deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    drain()
    entries = board_entries(shop, "attention")
    assert [e.event_key for e in entries] == [
        f"attention:job:webhook-{first.id}",
        f"attention:job:webhook-{second.id}",
    ]
    assert entries[0].params["job"] == "New order"
    (message,) = mailbox.wait_for(1, to=OWNER)
    assert message["Subject"] == "Relay needs your attention: work it could not finish"
    assert f"/admin/apps/{API_KEY}/jobs" in message.get_body(("plain",)).get_content()
    assert mail_count() == 1

    # An hour on, the next one is mailed again; with the toggle off, only the board tells.
    with atomic():
        db.session.execute(update(OutboundMail).values(created_at=utcnow() - timedelta(minutes=61)))
    deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    assert len(mailbox.wait_for(2, to=OWNER)) == 2 and mail_count() == 2
    merchant_wants(installed_shop, notify_jobs_attention=False)
    with atomic():
        db.session.execute(update(OutboundMail).values(created_at=utcnow() - timedelta(hours=2)))
    deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    assert len(board_entries(shop, "attention")) == 4 and mail_count() == 2


def test_mail_log_shows_why_a_mail_failed_and_send_again_sends_it(
    retailer, relay_server, id_token, drain, mailbox
):
    """The mail server refuses the address: the log shows the mail failed and the server's
    answer; once it accepts, "Send again" delivers it. Another shop's mail is not found."""
    merchant_wants(retailer)
    merchant = Merchant(relay_server.url, retailer, id_token)
    mailbox.refuse_recipients(OWNER)
    sent = merchant.post("/settings/test-email")
    assert sent.status_code == 200 and "Test email on its way" in sent.text
    drain()
    failed = merchant.get("/mail", status="failed")
    row = db.session.scalar(select(OutboundMail))
    assert row.status == "failed" and row.last_error
    assert f'data-mail="{row.id}" data-status="failed"' in failed.text
    assert row.last_error.split(":")[0] in failed.text and "data-send-again" in failed.text
    assert f'data-mail="{row.id}"' not in merchant.get("/mail", status="sent").text

    mailbox.accept()
    again = merchant.post(f"/mail/{row.id}/send-again")
    assert again.status_code == 200 and 'id="mail-log"' in again.text
    drain()
    assert len(mailbox.wait_for(1, to=OWNER)) == 1
    db.session.expire_all()
    assert db.session.get(OutboundMail, row.id).status == "sent"
    assert merchant.post(f"/mail/{row.id}/send-again").status_code == 404, "sent already"
    assert merchant.post("/mail/99999/send-again").status_code == 404


def test_settings_save_the_contact_email_and_toggles(retailer, relay_server, id_token):
    """The Notifications section: a bad address is refused beside its field; unticked
    toggles are saved off (the hidden marker tells an absent box from an absent section)."""
    merchant = Merchant(relay_server.url, retailer, id_token)
    form = {
        "hold_minutes": "2",
        "late_after_days": "7",
        "auto_cancel_days": "14",
        "payout_delay_days": "7",
        "notifications_shown": "1",
        "notify_payment_failed": "on",
    }
    bad = merchant.post("/settings", {**form, "contact_email": "not an email"})
    assert "Enter an email address" in bad.text and 'id="f-contact_email-error"' in bad.text
    saved = merchant.post("/settings", {**form, "contact_email": " ops@shop.test "})
    assert "Settings saved" in saved.text
    shop = merchant.shop
    assert shop.contact_email == "ops@shop.test"
    current = shop_settings.settings_of(shop)
    assert current.notify_payment_failed and not current.notify_supplier_declined
    assert not current.notify_jobs_attention
    page = merchant.get("/settings").text
    assert 'value="ops@shop.test"' in page and "No email on file" not in page


def broken_job(order_id: int) -> None:
    """A job that hits a bug (bad data): what the worker's hook tells the merchant about."""
    raise KeyError(f"line_items of order {order_id}")


def test_any_job_of_the_shop_that_fails_for_good_is_on_the_board_and_mailed(
    ctx, app, installed_shop, drain, mailbox
):
    """Not only webhooks: a job of this shop landing in the failed registry posts its entry
    (key attention:job:<job id>) and the mail says why; a job of no shop tells nobody."""
    from background import queues

    shop = merchant_wants(installed_shop)
    with app.app_context():
        queue = queues.queue(queues.PUSH)
        queue.enqueue(broken_job, 7, job_id="broken-7", meta={"shop_id": shop.id})
        queue.enqueue(broken_job, 8, job_id="broken-8")
    drain()
    (entry,) = board_entries(shop, "attention")
    assert entry.event_key == "attention:job:broken-7"
    assert "line_items of order 7" in entry.params["error"]
    (message,) = mailbox.wait_for(1, to=OWNER)
    assert "line_items of order 7" in message.get_body(("plain",)).get_content()
    assert db.session.scalar(select(func.count(Notification.id))) == 1
