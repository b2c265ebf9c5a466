"""Sending mail over SMTP: the one place Relay speaks SMTP.

`SMTP_URL` says where: `smtp://[user:password@]host[:port][?starttls=true]` (port 25 by
default; STARTTLS when asked, and always before a password is sent over a non-local host) or
`smtps://…` (implicit TLS, port 465). The stdlib's smtplib does the protocol; this module turns
its many exceptions into two typed answers the domain can act on:

- `MailServerUnavailable`: try again later (connection refused or lost, a timeout, a 4xx).
- `MailRefused`: the server refused this mail for good (a 5xx, a recipient it does not know).

Headers are built with `email.message.EmailMessage` and `email.headerregistry.Address`, which
quote display names and encode non-ASCII; CR and LF are taken out of every header value first,
so a name or subject can never add a header of its own.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

IDLE_SECONDS = 20.0  # a kept connection older than this is closed, not reused
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class MailServerUnavailable(Exception):
    """The SMTP server could not take the mail now; the same mail may go through later."""

    retryable = True


class MailRefused(Exception):
    """The SMTP server refused the mail for good (5xx): sending it again changes nothing."""

    retryable = False


class MailNotConfigured(MailServerUnavailable):
    """No SMTP_URL: mail waits in the outbox until one is configured."""


@dataclass(frozen=True)
class OutgoingMail:
    sender_address: str
    sender_name: str
    to_address: str
    to_name: str | None
    reply_to: str | None
    subject: str
    text: str
    html: str
    message_id: str
    date: object  # an aware datetime


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def from_url(cls, url: str | None, *, timeout: float = 15.0) -> ServerSettings:
        if not url:
            raise MailNotConfigured("no SMTP server configured (SMTP_URL)")
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailNotConfigured(f"SMTP_URL must be smtp:// or smtps://, not {parts.scheme!r}")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        wants_starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            implicit_tls=implicit,
            starttls=wants_starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
        )


def one_line(value: str | None, limit: int = 300) -> str:
    """A header value: no CR/LF (no header injection), whitespace collapsed, bounded."""
    return " ".join((value or "").split())[:limit]


def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    sender_user, _, sender_domain = mail.sender_address.partition("@")
    message["From"] = Address(one_line(mail.sender_name, 120), sender_user, sender_domain)
    to_user, _, to_domain = mail.to_address.partition("@")
    message["To"] = Address(one_line(mail.to_name, 120), to_user, to_domain)
    if mail.reply_to:
        reply_user, _, reply_domain = mail.reply_to.partition("@")
        message["Reply-To"] = Address("", reply_user, reply_domain)
    message["Subject"] = one_line(mail.subject, 250)
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.date)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


class Mailer:
    """One SMTP connection per worker process, kept open between mails (a burst of mails pays
    the handshake once) and dropped on any error or after IDLE_SECONDS."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self._connection: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail)
        with self._lock:
            try:
                connection = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                # Greeting, TLS or login failed: the server or our settings, never this mail
                # (a wrong password is fixed once and every waiting mail then goes out).
                self._drop()
                raise MailServerUnavailable(_describe(exc)) from None
            try:
                refused = connection.send_message(
                    message, from_addr=mail.sender_address, to_addrs=[mail.to_address]
                )
                self._last_used = time.monotonic()
            except smtplib.SMTPRecipientsRefused as exc:
                self._drop()
                raise _classified(exc.recipients.get(mail.to_address, (550, b"refused"))) from None
            except smtplib.SMTPResponseException as exc:
                self._drop()
                raise _classified((exc.smtp_code, exc.smtp_error)) from None
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise MailServerUnavailable(_describe(exc)) from None
        if refused:
            raise _classified(refused.get(mail.to_address, (550, b"refused")))

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            if time.monotonic() - self._last_used < IDLE_SECONDS and self._alive():
                return self._connection
            self._drop()
        s = self.settings
        if s.implicit_tls:
            connection = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=_tls_context(s.host)
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            needs_tls = s.starttls or (s.password is not None and s.host not in LOCAL_HOSTS)
            if needs_tls:
                connection.starttls(context=_tls_context(s.host))
        if s.username:
            connection.login(s.username, s.password or "")
        self._connection = connection
        return connection

    def _alive(self) -> bool:
        """A kept connection the server closed meanwhile (its idle timeout, a restart) is not
        reused: a NOOP first, so a mail never fails on a stale connection."""
        try:
            return self._connection.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
        self._connection = None


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def _tls_context(host: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if host in LOCAL_HOSTS:
        # A local relay (the development inbox, a sidecar) has a self-signed certificate.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _classified(answer: tuple[int, bytes | str]) -> Exception:
    code, text = answer
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    detail = f"{code} {text}".strip()
    if 400 <= code < 500:
        return MailServerUnavailable(detail)
    return MailRefused(detail)


_mailers: dict[ServerSettings, Mailer] = {}


def mailer(url: str | None, *, timeout: float = 15.0) -> Mailer:
    """The process's mailer for this server (one kept connection per server)."""
    settings = ServerSettings.from_url(url, timeout=timeout)
    found = _mailers.get(settings)
    if found is None:
        found = _mailers[settings] = Mailer(settings)
    return found
