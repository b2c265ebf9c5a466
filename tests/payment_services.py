"""Payment services for the tests: stand-ins started once per session, reached over HTTP only
through Relay's configured seams (the Stripe stand-in has its section here too)."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest
from werkzeug.serving import make_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Served:
    """A WSGI app in a thread on a free port."""

    def __init__(self, app):
        port = _free_port()
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


# == PayPal (standins/paypal) ===============================================================

PAYPAL_CLIENT_ID = "relay-test-paypal-client-id"
PAYPAL_CLIENT_SECRET = "relay-test-paypal-client-secret-32-bytes"
PAYPAL_WEBHOOK_ID = "WH-RELAYTEST0000000000000000"
PAYPAL_SUPPLIER = "supplier@demo-supplier.example"  # a payee account that exists


def start_paypal_standin():
    """A PayPal stand-in in memory on a free port, with the test credentials and the demo
    supplier's payee account. `.store` is its state, `.control` an httpx client of it."""
    from standins.paypal.control import ensure_default_merchants
    from standins.paypal.server import Settings, create_app
    from standins.paypal.store import Store

    store = Store()
    ensure_default_merchants(store)
    store.add_merchant(PAYPAL_SUPPLIER, "SUPPLIERTEST1")
    settings = Settings(
        client_id=PAYPAL_CLIENT_ID,
        client_secret=PAYPAL_CLIENT_SECRET,
        webhook_attempts=2,
        webhook_retry_seconds=0.05,
    )
    served = _Served(create_app(store, settings))
    served.store = store
    served.settings = settings
    served.webhook_id = PAYPAL_WEBHOOK_ID
    served.control = httpx.Client(base_url=served.url, timeout=30)
    return served


@pytest.fixture(scope="session")
def paypal_standin():
    served = start_paypal_standin()
    yield served
    served.stop()


@pytest.fixture(scope="session")
def paypal_webhooks(paypal_standin, relay_server):
    """PayPal's events go to Relay's /webhooks/paypal, signed for PAYPAL_WEBHOOK_ID."""
    paypal_standin.control.post(
        "/_standin/webhooks",
        json={"url": relay_server.url + "/webhooks/paypal", "id": PAYPAL_WEBHOOK_ID},
    ).raise_for_status()
    return paypal_standin


def paypal_config(paypal_standin) -> dict:
    """Relay's PAYPAL_* configuration for the stand-in (tests/conftest.py relay_config)."""
    return {
        "PAYPAL_API_BASE": paypal_standin.url,
        "PAYPAL_CLIENT_ID": PAYPAL_CLIENT_ID,
        "PAYPAL_CLIENT_SECRET": PAYPAL_CLIENT_SECRET,
        "PAYPAL_WEBHOOK_ID": PAYPAL_WEBHOOK_ID,
    }


# == end of PayPal ==========================================================================
