"""The mailbox stand-in (standins/mailbox) for the tests: one real SMTP server per session, in
process on a free port (aiosmtpd's Controller in a thread), with its web inbox beside it.
Relay reaches it over real SMTP at `mailbox.config()["SMTP_URL"]`; tests read what it received
and play its faults. The `mailbox` fixture empties it and puts it back to "accept" (and up)
before and after each test."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from werkzeug.serving import make_server

from standins.mailbox.server import Mailbox
from standins.mailbox.web import create_app

SMTP_FROM = "relay@relay.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailboxStandin:
    """A running mailbox: the SMTP server (`server`, a standins.mailbox Mailbox) and its web
    inbox at `web_url`."""

    def __init__(self, **options) -> None:
        self.server = Mailbox(host="127.0.0.1", port=free_port(), **options).start()
        self.port = self.server.port
        self._web = make_server("127.0.0.1", free_port(), create_app(self.server), threaded=True)
        self.web_url = f"http://127.0.0.1:{self._web.server_port}"
        threading.Thread(target=self._web.serve_forever, daemon=True).start()

    # --- what it received ---
    def messages(self, to: str | None = None) -> list[EmailMessage]:
        """Every message received, oldest first (parsed with email.policy.default); with `to`,
        only those with that envelope recipient (case-insensitive)."""
        return [stored.parsed() for stored in self.server.store.all(to)]

    def wait_for(self, count: int, *, to: str | None = None, timeout: float = 30) -> list:
        """Polls until at least `count` messages (to `to`) arrived and returns them all. The
        timeout only guards a hung test: assert on what comes back."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def clear(self) -> None:
        self.server.store.clear()

    # --- faults ---
    def accept(self) -> None:
        self.server.accept()

    def refuse_temporarily(self) -> None:
        self.server.refuse_temporarily()

    def refuse_recipients(self, *addresses: str) -> None:
        self.server.refuse_recipients(*addresses)

    def go_down(self) -> None:
        self.server.go_down()

    def come_up(self) -> None:
        self.server.come_up()

    def reset(self) -> None:
        """Empty, accepting, listening."""
        self.server.come_up()
        self.server.accept()
        self.clear()

    # --- how Relay reaches it ---
    @property
    def smtp_url(self) -> str:
        server = self.server
        credentials = f"{server.user}:{server.password}@" if server.user is not None else ""
        scheme = "smtps" if server.tls == "implicit" else "smtp"
        query = "?starttls=true" if server.tls == "starttls" else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}{query}"

    def config(self) -> dict:
        return {"SMTP_URL": self.smtp_url, "SMTP_FROM": SMTP_FROM}

    def stop(self) -> None:
        self._web.shutdown()
        self.server.stop()


@contextmanager
def running_mailbox(**options):
    """A mailbox of its own for one test, e.g. with TLS and AUTH:
    `running_mailbox(tls="starttls", user="relay", password="...")`."""
    standin = MailboxStandin(**options)
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture(scope="session")
def mailbox_standin():
    standin = MailboxStandin()
    yield standin
    standin.stop()


@pytest.fixture
def mailbox(mailbox_standin):
    """The session's SMTP server, empty and accepting."""
    mailbox_standin.reset()
    yield mailbox_standin
    mailbox_standin.reset()
