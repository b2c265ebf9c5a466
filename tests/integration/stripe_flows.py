"""What the Stripe gateway tests do through the stand-in: onboard an account, confirm intents
as the Stripe.js shim does from the browser, save cards as confirmCardSetup does, and catch the
webhooks the stand-in sends."""

from __future__ import annotations

import json
import time
import uuid
from http.server import BaseHTTPRequestHandler

import httpx

from integrations import stripe_api
from integrations.stripe_api.types import StripeAccount

VISA = "4242424242424242"
INSUFFICIENT_FUNDS = "4000000000009995"
THREE_DS_ALWAYS = "4000002760003184"
THREE_DS_ONCE = "4000002500003155"
DECLINES_AFTER_ATTACH = "4000000000000341"


class Captured(BaseHTTPRequestHandler):
    received: list[tuple[bytes, dict]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Captured.received.append((body, dict(self.headers)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def wait_for_event(received, event_type: str, object_id: str) -> tuple[bytes, str]:
    """Webhooks are sent after the API answer; wait until this one has arrived."""
    for _ in range(200):
        for body, headers in list(received):
            event = json.loads(body)
            if event["type"] == event_type and event["data"]["object"].get("id") == object_id:
                return body, headers["Stripe-Signature"]
        time.sleep(0.05)
    raise AssertionError(f"no {event_type} for {object_id}")


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def onboarded_account(stripe_standin, country: str = "HU") -> StripeAccount:
    account = stripe_api.create_account(
        email=f"{uuid.uuid4().hex[:6]}@supplier.test", country=country, idempotency_key=key()
    )
    url = stripe_api.onboarding_link(
        account.id, refresh_url="http://relay.test/refresh", return_url="http://relay.test/back"
    )
    assert httpx.post(url, follow_redirects=False).status_code == 303
    return stripe_api.retrieve_account(account.id)


def shim_confirm(stripe_standin, intent, account: str | None, number: str) -> httpx.Response:
    """What the Stripe.js shim's confirmCardPayment sends from the browser (publishable key,
    client secret, the card element's fields, the connected account)."""
    body = {
        "key": stripe_standin.publishable_key,
        "client_secret": intent.client_secret,
        "payment_method_data": {
            "type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        },
    }
    if account:
        body["_stripe_account"] = account
    return httpx.post(
        f"{stripe_standin.url}/v1/payment_intents/{intent.id}/confirm", content=json.dumps(body)
    )


def shim_authenticate(stripe_standin, intent, account: str, success: bool) -> httpx.Response:
    """The shim's 3-D Secure dialog: "Complete authentication" or "Fail authentication"."""
    body = {
        "key": stripe_standin.publishable_key,
        "client_secret": intent.client_secret,
        "_stripe_account": account,
    }
    return httpx.post(
        f"{stripe_standin.url}/v1/payment_intents/{intent.id}/_authenticate"
        f"?success={'true' if success else 'false'}",
        content=json.dumps(body),
    )


def checkout(account_id: str, amount: int = 2500, currency: str = "EUR", **kw):
    return stripe_api.create_checkout_intent(
        account_id=account_id,
        amount_minor=amount,
        currency=currency,
        description="Relay: supplier orders #1001",
        metadata={"relay_payment_id": kw.pop("payment_id", "1")},
        idempotency_key=kw.pop("idempotency_key", None) or key(),
    )


def save_card(stripe_standin, number: str, *, complete_3ds: bool = True):
    """A merchant saves a card on the platform (SetupIntent confirmed as confirmCardSetup)."""
    customer = stripe_api.ensure_customer(
        shop_domain="shop.myshopify.com",
        email="m@shop.test",
        existing_id=None,
        idempotency_key=key(),
    )
    setup = stripe_api.create_setup_intent(customer_id=customer, idempotency_key=key())
    url = f"{stripe_standin.url}/v1/setup_intents/{setup.id}/confirm"
    body = {
        "key": stripe_standin.publishable_key,
        "client_secret": setup.client_secret,
        "use_stripe_sdk": True,
        "payment_method_data": {
            "type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        },
    }
    answer = httpx.post(url, content=json.dumps(body)).json()
    if answer["status"] == "requires_action" and complete_3ds:
        again = {k: body[k] for k in ("key", "client_secret", "use_stripe_sdk")}
        httpx.post(url, content=json.dumps(again)).raise_for_status()
    return customer, stripe_api.retrieve_setup_intent(setup.id)


def charge_saved(account_id, customer, setup, amount=1800, idempotency_key=None):
    return stripe_api.charge_saved_card(
        account_id=account_id,
        customer_id=customer,
        payment_method_id=setup.payment_method_id,
        amount_minor=amount,
        currency="EUR",
        description="Relay: automatic payment",
        metadata={"relay_payment_id": "auto-1"},
        idempotency_key=idempotency_key or key(),
    )
