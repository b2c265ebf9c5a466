"""The outbox: every mail Relay sends is a row first, then a job.

`queue_mail` runs inside the unit of work of the event it tells about: it renders the mail in
the recipient's language (templates/mail/<name>.subject.txt, .txt and .html) and inserts one
row per (event, recipient); the send job is enqueued only once that commits. The unique key is
what makes the whole thing retry-safe: a webhook delivered twice or a job run again writes no
second row.

`send_mail` (the job) locks its row (FOR UPDATE SKIP LOCKED: a second worker on the same mail
skips it), sends, and marks it sent in the same transaction. The SMTP server down or answering
4xx: the row records why and when it will try again, and the job re-enqueues itself with a
growing delay (the worker's outbox pass picks up any row whose job was lost). A 5xx refusal is
final: the row is `failed` with the server's answer, shown on the Mail page. A worker killed
after the server's "250" but before our commit would send it again, with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import MAIL, background
from domain.clock import aware, utcnow
from domain.models.notices import OutboundMail
from domain.models.shop import Shop
from domain.notices.recipients import Recipient, is_email
from domain.notices.rows import insert_once
from domain.transaction import atomic
from extensions import db
from integrations import smtp

log = logging.getLogger("relay.mail")
# Waits between attempts while the server is unreachable; the last one repeats. After GIVE_UP
# the mail is marked failed (a week-old "new order" mail helps nobody).
BACKOFF = (5, 15, 30, 60, 120, 300, 900, 1800, 3600)
GIVE_UP = timedelta(days=3)
# A pending mail this far past its attempt time has lost its job (a backlog of a thousand
# mails drains well within it).
LATE = timedelta(minutes=2)


def queue_mail(
    shop: Shop,
    *,
    event_key: str,
    kind: str,
    to: Recipient,
    template: str,
    context: dict,
    reply_to: str | None = None,
    order_id: int | None = None,
) -> OutboundMail | None:
    """Write the mail for this event and recipient (once); None when the recipient has no
    usable address (the boards still tell them) or the mail already exists."""
    if not to.reachable:
        return None
    key = event_key[:200]
    if _exists(key, to.email):
        return None
    subject, text, html = render(template, to.locale, {**context, "shop": shop, "to": to})
    values = dict(
        shop_id=shop.id,
        event_key=key,
        kind=kind,
        recipient=to.email,
        recipient_name=to.name,
        audience=to.audience,
        supplier_id=to.supplier_id,
        order_id=order_id,
        locale=to.locale,
        sender_name=smtp.one_line(shop.name or shop.domain, 120),
        reply_to=reply_to if is_email(reply_to) else None,
        subject=subject,
        text_body=text,
        html_body=html,
        message_id=_message_id(),
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    # A concurrent writer of the same event and recipient: theirs is kept.
    mail = insert_once(OutboundMail, values, ["event_key", "recipient"])
    if mail is None:
        return None
    send_mail.after_commit(mail.id, shop_id=shop.id)
    return mail


def render(template: str, locale: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of templates/mail/<template>.*, in `locale`."""
    with _rendering(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context)
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    return smtp.one_line(subject, 250), text.strip() + "\n", html


@contextlib.contextmanager
def _rendering(locale: str):
    """Templates need a request for url_for and the locale the recipient reads: a worker has
    neither, so it gets one at APP_URL; a request gets the recipient's locale for a moment."""
    request_context = (
        contextlib.nullcontext()
        if has_request_context()
        else current_app.test_request_context(base_url=current_app.config["APP_URL"])
    )
    with request_context, force_locale(locale):
        previous = g.get("locale")
        g.locale = locale
        try:
            yield
        finally:
            g.locale = previous
            g.pop("relay_translations", None)  # memoized labels were in the recipient's language


def absolute_url(endpoint: str, **values) -> str:
    """A link in a mail: APP_URL and the route, whoever builds it (a request or a worker)."""
    from flask import url_for

    if has_request_context():
        return current_app.config["APP_URL"] + url_for(endpoint, **values)
    with current_app.test_request_context(base_url=current_app.config["APP_URL"]):
        return current_app.config["APP_URL"] + url_for(endpoint, **values)


def _exists(event_key: str, recipient: str) -> bool:
    query = select(OutboundMail.id).where(
        OutboundMail.event_key == event_key, OutboundMail.recipient == recipient
    )
    return db.session.execute(query).first() is not None


def _message_id() -> str:
    domain = current_app.config["SMTP_FROM"].rpartition("@")[2] or "relay.localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


# -- sending -----------------------------------------------------------------------------------


@background(queue=MAIL, job_id="mail-{0}", label=_l("Send an email"), retry=None)
def send_mail(mail_id: int) -> str:
    """Send one mail of the outbox, once. Returns what happened (the job's result)."""
    with atomic():
        mail = _lock(mail_id)
        if mail is None:
            return "busy-or-gone"
        if mail.status != "pending":
            return mail.status
        try:
            _deliver(mail)
        except smtp.MailRefused as exc:
            mail.status, mail.last_error = "failed", str(exc)[:2000]
            mail.attempts += 1
            return "refused"
        except smtp.MailServerUnavailable as exc:
            delay = _note_retry(mail, str(exc))
            if mail.status == "pending":  # an id of its own: this job's id is still running
                send_mail.after_commit(
                    mail.id,
                    shop_id=mail.shop_id,
                    delay=delay,
                    job_id=f"mail-{mail.id}-try-{mail.attempts}",
                )
            return "will-retry"
        mail.status, mail.sent_at, mail.last_error = "sent", utcnow(), None
        mail.attempts += 1
        return "sent"


def _lock(mail_id: int) -> OutboundMail | None:
    query = select(OutboundMail).where(OutboundMail.id == mail_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar_one_or_none()


def _deliver(mail: OutboundMail) -> None:
    config = current_app.config
    mailer = smtp.mailer(config.get("SMTP_URL"), timeout=config.get("SMTP_TIMEOUT", 15.0))
    mailer.send(
        smtp.OutgoingMail(
            sender_address=config["SMTP_FROM"],
            sender_name=mail.sender_name,
            to_address=mail.recipient,
            to_name=mail.recipient_name,
            reply_to=mail.reply_to,
            subject=mail.subject,
            text=mail.text_body,
            html=mail.html_body,
            message_id=mail.message_id,
            date=aware(mail.created_at),
        )
    )


def _note_retry(mail: OutboundMail, error: str) -> float:
    mail.attempts += 1
    mail.last_error = error[:2000]
    delay = BACKOFF[min(mail.attempts, len(BACKOFF)) - 1]
    mail.next_attempt_at = utcnow() + timedelta(seconds=delay)
    if utcnow() - aware(mail.created_at) > GIVE_UP:
        mail.status = "failed"
        log.warning("mail %s given up after %s attempts: %s", mail.id, mail.attempts, error)
    return delay


def overdue(limit: int = 500) -> list[OutboundMail]:
    """Pending mails whose attempt is LATE overdue: their job was lost (Redis lost it, or was
    down when the row was committed). The outbox pass enqueues them again; a mail whose job is
    merely slow is sent once all the same (the row lock and its status)."""
    query = (
        select(OutboundMail)
        .where(
            OutboundMail.status == "pending",
            OutboundMail.next_attempt_at <= utcnow() - LATE,
        )
        .order_by(OutboundMail.next_attempt_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def retry_now(shop: Shop, mail_id: int) -> OutboundMail | None:
    """The Mail page's "Send again": a failed or waiting mail of this shop goes out now."""
    with atomic():
        mail = db.session.get(OutboundMail, mail_id)
        if mail is None or mail.shop_id != shop.id or mail.status == "sent":
            return None
        mail.status, mail.next_attempt_at = "pending", utcnow()
        send_mail.after_commit(mail.id, shop_id=shop.id)
        return mail


def send_test(shop: Shop, to: Recipient) -> OutboundMail | None:
    """Settings' "Send a test email": proves the address and the SMTP server, end to end."""
    with atomic():
        return queue_mail(
            shop,
            event_key=f"test:{secrets.token_hex(8)}",
            kind="test",
            to=to,
            template="test",
            context={},
        )
