"""The demo's payments (issue 15), set up as people would, through Relay's pages and the
stand-ins: Atelier Lin (portal) connects its Stripe account at the Stripe stand-in and gives
its PayPal account, and charges shipping; Demo Supplier (a supplier store, paid automatically)
connects Stripe too, and the merchant saves the test card 4242 for automatic payment. Every
Atelier Lin order in the grid then has Pay now (card or PayPal). Idempotent."""

from __future__ import annotations

import html
import json
import re

import httpx

PAYPAL_PAYEE = "supplier@demo-supplier.example"  # a payee the PayPal stand-in knows (dev.sh)


def supplier_ids(relay: httpx.Client) -> dict[str, int]:
    page = relay.get("/suppliers").text
    found = re.findall(r'href="/suppliers/(\d+)[^"]*"[^>]*>\s*([^<]+?)\s*<', page)
    return {html.unescape(name): int(sid) for sid, name in found}


def _setup_link(relay: httpx.Client, supplier_id: int) -> str | None:
    page = relay.get(f"/suppliers/{supplier_id}").text
    match = re.search(r'id="payment-setup-url"[^>]*value="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def connect_stripe(link: str) -> None:
    """The supplier clicks Connect Stripe, agrees at Stripe's onboarding, comes back."""
    browser = httpx.Client(timeout=30)
    to_stripe = browser.post(link.rstrip("/") + "/stripe")
    if to_stripe.status_code != 303:
        return
    back = browser.post(to_stripe.headers["location"])
    if back.status_code == 303:
        browser.get(back.headers["location"])


def payment_setup(relay: httpx.Client, supplier_id: int, *, paypal: bool) -> None:
    link = _setup_link(relay, supplier_id)
    if link is None:
        return
    connect_stripe(link)
    form = {"accepts_card": "on", "refunds_taken_back": "on", "vat_rate": "0"}
    if paypal:
        form |= {"accepts_paypal": "on", "paypal_email": PAYPAL_PAYEE}
    relay.post(f"/suppliers/{supplier_id}/payment-terms", data=form)


def shipping_prices(relay: httpx.Client, supplier_id: int) -> None:
    for rate in (
        {"zone": "Europe", "countries": "FR, DE, HU, IT, ES, NL, BE, AT", "method": "Standard",
         "per_order": "4.90", "per_extra_item": "1.50", "delivery_days": "3–5"},
        {"zone": "Rest of the world", "countries": "", "method": "Standard",
         "per_order": "9.90", "per_extra_item": "2.50", "delivery_days": "7–14"},
        {"zone": "Rest of the world", "countries": "", "method": "Express",
         "per_order": "19.00", "per_extra_item": "4.00", "delivery_days": "2–4"},
    ):  # fmt: skip
        relay.post(f"/suppliers/{supplier_id}/shipping-rates", data=rate)  # again: refused


def save_test_card(relay: httpx.Client, stripe_url: str, publishable_key: str) -> None:
    """The merchant's Settings → Automatic payment: Save a card, 4242 typed in Stripe's field."""
    if 'data-saved-method="card"' in relay.get("/payments/methods").text:
        return
    page = relay.post("/payments/methods/card").text
    secret = re.search(r'data-client-secret="([^"]+)"', page)
    action = re.search(r'action="(/payments/methods/\d+/card-saved)', page)
    if not (secret and action):
        return
    client_secret = html.unescape(secret.group(1))
    setup_id = client_secret.split("_secret")[0]
    body = {
        "key": publishable_key,
        "client_secret": client_secret,
        "payment_method_data": {
            "type": "card",
            "card": {
                "number": "4242424242424242",
                "exp_month": "12",
                "exp_year": "2034",
                "cvc": "123",
            },
        },
    }
    httpx.post(f"{stripe_url}/v1/setup_intents/{setup_id}/confirm", content=json.dumps(body))
    relay.post(action.group(1))


def set_up(relay: httpx.Client, stripe_url: str | None, publishable_key: str | None) -> None:
    ids = supplier_ids(relay)
    if "Atelier Lin" in ids:
        shipping_prices(relay, ids["Atelier Lin"])
        payment_setup(relay, ids["Atelier Lin"], paypal=True)
    if "Demo Supplier" in ids:
        payment_setup(relay, ids["Demo Supplier"], paypal=False)
    if stripe_url and publishable_key:
        save_test_card(relay, stripe_url, publishable_key)
