"""The mail outbox (domain/notices/mail.py) against a real SMTP server (tests/mail_services.py):
a mail is a row first, sent once by its job, whatever the server does meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from domain.clock import utcnow
from domain.models.notices import OutboundMail
from domain.models.shop import Shop
from domain.notices import mail, recipients
from domain.transaction import atomic
from extensions import db
from jobs import outbox


@pytest.fixture
def shop(ctx):
    row = Shop(
        domain="outbox-shop.myshopify.com",
        name="Outbox Shop",
        contact_email="owner@outbox-shop.example",
        locale="en",
        settings={},
    )
    db.session.add(row)
    db.session.commit()
    return row


def _queue(shop, *, event_key="test-event", to=None) -> OutboundMail | None:
    with atomic():
        return mail.queue_mail(
            shop,
            event_key=event_key,
            kind="test",
            to=to or recipients.merchant(shop),
            template="test",
            context={},
        )


def _mail(mail_id: int) -> OutboundMail:
    db.session.expire_all()
    return db.session.get(OutboundMail, mail_id)


def test_a_mail_is_sent_once_with_both_parts_from_the_shops_name(shop, mailbox):
    """Queued in the event's unit of work, sent by its job: one message with a plain-text and
    an HTML part, the shop's name as sender and Relay's address behind it; the job run again
    sends nothing more."""
    queued = _queue(shop)
    assert mail.send_mail(queued.id) == "sent"
    assert mail.send_mail(queued.id) == "sent"
    messages = mailbox.wait_for(1, to="owner@outbox-shop.example")
    assert len(messages) == 1
    message = messages[0]
    assert message["From"].addresses[0].display_name == "Outbox Shop"
    assert message["From"].addresses[0].addr_spec == "relay@relay.test"
    assert message["Message-ID"] == queued.message_id
    assert message.get_body(("plain",)).get_content().startswith("This is a test email")
    assert "<p>This is a test email from Relay.</p>" in message.get_body(("html",)).get_content()
    assert _mail(queued.id).status == "sent" and _mail(queued.id).attempts == 1


def test_the_same_event_for_the_same_recipient_is_one_mail(shop, mailbox):
    """A replayed webhook or a retried job writes the event again: no second row, no second
    mail."""
    first = _queue(shop, event_key="order-1-declined")
    assert _queue(shop, event_key="order-1-declined") is None
    assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 1
    mail.send_mail(first.id)
    assert len(mailbox.wait_for(1)) == 1


def test_a_recipient_without_an_address_gets_no_row(shop, mailbox):
    """No contact email on file: nothing is queued (the boards still tell them)."""
    shop.contact_email = None
    db.session.commit()
    assert _queue(shop) is None
    assert db.session.scalar(select(func.count()).select_from(OutboundMail)) == 0


@pytest.mark.attack
def test_server_down_the_mail_waits_and_goes_out_once_when_it_is_back(shop, mailbox):
    """SMTP server down: the row stays pending with why and when it tries again; back up, the
    next attempt delivers it, exactly once."""
    queued = _queue(shop)
    mailbox.go_down()
    assert mail.send_mail(queued.id) == "will-retry"
    waiting = _mail(queued.id)
    assert waiting.status == "pending" and waiting.attempts == 1
    assert "Connection" in waiting.last_error or "refused" in waiting.last_error.lower()
    assert waiting.next_attempt_at > utcnow()
    mailbox.come_up()
    assert mail.send_mail(queued.id) == "sent"
    assert mail.send_mail(queued.id) == "sent"
    assert len(mailbox.wait_for(1)) == 1


@pytest.mark.attack
def test_a_temporary_refusal_is_retried(shop, mailbox):
    """A 4xx answer ("try again later") is an outage, not a verdict: retried, then sent."""
    queued = _queue(shop)
    mailbox.refuse_temporarily()
    assert mail.send_mail(queued.id) == "will-retry"
    assert _mail(queued.id).last_error.startswith("451")
    mailbox.accept()
    assert mail.send_mail(queued.id) == "sent"
    assert len(mailbox.wait_for(1)) == 1


@pytest.mark.attack
def test_a_permanent_refusal_fails_the_mail_with_the_servers_answer(shop, mailbox):
    """A 5xx for the recipient is final: the row is failed with the server's words (the Mail
    page shows why) and no retry is scheduled; "Send again" sends it once it is fixed."""
    queued = _queue(shop)
    mailbox.refuse_recipients("owner@outbox-shop.example")
    assert mail.send_mail(queued.id) == "refused"
    failed = _mail(queued.id)
    assert failed.status == "failed" and failed.last_error.startswith("550")
    assert mailbox.messages() == []
    mailbox.accept()
    assert mail.retry_now(shop, queued.id) is not None
    assert mail.send_mail(queued.id) == "sent"
    assert len(mailbox.wait_for(1)) == 1


@pytest.mark.attack
def test_another_shops_mail_cannot_be_sent_again(shop, mailbox):
    """ "Send again" names a mail by id: another shop's id changes nothing."""
    other = Shop(domain="other-outbox.myshopify.com", name="Other", settings={})
    db.session.add(other)
    db.session.commit()
    queued = _queue(shop)
    mailbox.refuse_recipients("owner@outbox-shop.example")
    mail.send_mail(queued.id)
    assert mail.retry_now(other, queued.id) is None
    assert _mail(queued.id).status == "failed"


@pytest.mark.attack
def test_header_injection_in_names_and_subjects_adds_no_header_or_recipient(shop, mailbox):
    """A shop or recipient name carrying CR/LF and a Bcc line: one recipient, the name folded
    into its display name, no Bcc header."""
    shop.name = 'Evil "Shop"\r\nBcc: victim@elsewhere.example'
    db.session.commit()
    to = recipients.Recipient(
        email="owner@outbox-shop.example",
        name="Bob\r\nBcc: other@elsewhere.example",
        locale="en",
        audience="merchant",
    )
    queued = _queue(shop, to=to)
    assert "\n" not in queued.subject and "\r" not in queued.subject
    assert mail.send_mail(queued.id) == "sent"
    (message,) = mailbox.wait_for(1)
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["owner@outbox-shop.example"]
    assert message["From"].addresses[0].display_name.startswith('Evil "Shop" Bcc:')
    assert all(m["X-RcptTo"] in (None, "owner@outbox-shop.example") for m in mailbox.messages())


@pytest.mark.attack
def test_a_mail_whose_job_was_lost_is_sent_by_the_outbox_pass(shop, mailbox, drain):
    """Redis lost the job (or was down at commit): the worker's outbox pass finds the overdue
    pending row and enqueues it; sent once."""
    queued = _queue(shop)
    db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == queued.id)
        .values(next_attempt_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    from background import queues
    from extensions import redis_connection

    for name in queues.QUEUE_ORDER:  # the job enqueued after commit is gone
        redis_connection().delete(queues.queue(name).key)
    assert outbox.enqueue_orphans().mails == 1
    assert outbox.enqueue_orphans().mails == 0  # already waiting: not twice
    drain()
    assert _mail(queued.id).status == "sent"
    assert len(mailbox.wait_for(1)) == 1


def test_the_worker_process_sends_queued_mail(shop, mailbox, run_worker):
    """End to end through `python -m jobs.worker`: commit enqueues, the worker sends."""
    queued = _queue(shop)
    run_worker()
    assert _mail(queued.id).status == "sent"
    assert len(mailbox.wait_for(1)) == 1


def test_no_smtp_server_configured_keeps_the_mail_waiting(shop, mailbox, app):
    """Without SMTP_URL a mail is not lost: it waits, saying why."""
    queued = _queue(shop)
    saved = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = None
    try:
        assert mail.send_mail(queued.id) == "will-retry"
    finally:
        app.config["SMTP_URL"] = saved
    assert _mail(queued.id).last_error == "no SMTP server configured (SMTP_URL)"
    assert mail.send_mail(queued.id) == "sent"


def test_mail_is_rendered_in_the_recipients_language(shop, mailbox):
    """A French merchant reads French: subject and body from the fr catalog."""
    shop.locale = "fr-CA"
    db.session.commit()
    queued = _queue(shop)
    assert queued.locale == "fr"
    assert queued.subject.startswith("E-mail de test")
    mail.send_mail(queued.id)
    (message,) = mailbox.wait_for(1)
    assert message["Subject"] == queued.subject


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_and_authentication_when_configured(shop, app, tls):
    """SMTP_URL with a user and password over STARTTLS or implicit TLS (smtps): Relay logs in
    over TLS and the mail is delivered; a wrong password is an outage the outbox waits out,
    not a lost mail."""
    from tests.mail_services import running_mailbox

    with running_mailbox(tls=tls, user="relay", password="s3cret pass") as server:
        url = server.config()["SMTP_URL"]
        assert url.startswith("smtps://" if tls == "implicit" else "smtp://")
        queued = _queue(shop)
        saved = app.config["SMTP_URL"]
        try:
            app.config["SMTP_URL"] = url.replace("s3cret%20pass", "wrong").replace(
                "s3cret pass", "wrong"
            )
            assert mail.send_mail(queued.id) == "will-retry"
            assert _mail(queued.id).last_error.startswith("535")
            app.config["SMTP_URL"] = url
            assert mail.send_mail(queued.id) == "sent"
        finally:
            app.config["SMTP_URL"] = saved
        assert len(server.wait_for(1)) == 1


@pytest.mark.attack
def test_mails_waiting_out_an_outage_go_as_soon_as_one_gets_through(shop, mailbox, drain):
    """Three mails wait out a down server; the first that gets through once it is back
    brings the other two forward (they would otherwise wait for their back-off), and each is
    delivered once."""
    queued = [_queue(shop, event_key=f"outage-{n}") for n in range(3)]
    mailbox.go_down()
    for waiting in queued:
        assert mail.send_mail(waiting.id) == "will-retry"
    assert all(_mail(w.id).next_attempt_at > utcnow() for w in queued)
    mailbox.come_up()
    assert mail.send_mail(queued[0].id) == "sent"
    assert all(_mail(w.id).next_attempt_at <= utcnow() for w in queued[1:])
    drain()  # the woken jobs; the scheduled retries wait in the scheduler
    assert {_mail(w.id).status for w in queued} == {"sent"}
    assert len(mailbox.wait_for(3)) == 3


def test_a_connection_the_server_closed_meanwhile_is_not_reused(shop, mailbox):
    """The worker keeps its SMTP connection between mails; the server restarted in between
    (its sessions closed): the next mail opens a fresh connection and goes at once, it does not
    fail on the stale one and wait for a retry."""
    first, second = _queue(shop, event_key="first"), _queue(shop, event_key="second")
    assert mail.send_mail(first.id) == "sent"
    mailbox.go_down()
    mailbox.come_up()
    assert mail.send_mail(second.id) == "sent"
    assert len(mailbox.wait_for(2)) == 2
