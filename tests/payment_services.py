"""Payment-service stand-ins for the tests, each its own process on a free port, as in
development (scripts/dev.sh). Loaded from conftest with `pytest_plugins`; each service keeps
to its own marked section."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Startup wait, not a test assertion: poll the health URL while the process lives."""
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited at start:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer; see {log}")


# == Stripe (standins/stripe: localstripe + Connect, scoping, idempotency) ===========


class StripeStandin:
    """The Stripe stand-in process. Keys are test constants (localstripe takes any sk_test_);
    relay_config gives Relay the same ones, so its webhooks verify."""

    secret_key = "sk_test_relay_tests_0123456789abcdefghij"
    publishable_key = "pk_test_relay_tests_0123456789abcdefghij"
    webhook_secret = "whsec_relay_tests_0123456789abcdefghijkl"

    def __init__(self, port: int, process: subprocess.Popen):
        self.url = f"http://127.0.0.1:{port}"
        self.js_url = f"{self.url}/js.stripe.com/v3/"
        self.process = process
        self.control = httpx.Client(base_url=self.url, timeout=30)

    def register_webhook(self, name: str, url: str, secret: str | None = None) -> None:
        self.control.post(
            f"/_config/webhooks/{name}", data={"url": url, "secret": secret or self.webhook_secret}
        ).raise_for_status()

    def reset(self) -> None:
        """Forget every object and account (webhook endpoints stay)."""
        self.control.post("/_standin/reset").raise_for_status()

    def deliveries(self) -> list[dict]:
        return self.control.get("/_standin/deliveries").json()["data"]

    def config(self) -> dict:
        return {
            "STRIPE_API_BASE": self.url,
            "STRIPE_SECRET_KEY": self.secret_key,
            "STRIPE_PUBLISHABLE_KEY": self.publishable_key,
            "STRIPE_WEBHOOK_SECRET": self.webhook_secret,
            "STRIPE_JS_URL": self.js_url,
        }


@pytest.fixture(scope="session")
def stripe_standin(relay_port, tmp_path_factory):
    """`python -m standins.stripe serve` on a free port; it sends webhooks to Relay's
    /webhooks/stripe (a 404 until that endpoint exists is harmless)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("stripe-standin") / "stripe-standin.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "standins.stripe", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    standin = StripeStandin(port, process)
    try:
        _wait_healthy(f"{standin.url}/_standin/health", process, log)
        standin.register_webhook("relay", f"http://127.0.0.1:{relay_port}/webhooks/stripe")
        yield standin
    finally:
        standin.control.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# == end of Stripe ==========================================================================
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
