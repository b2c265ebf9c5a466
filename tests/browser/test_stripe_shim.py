"""The Stripe stand-in's Stripe.js shim in Debian chromium, as Relay's checkout will use it:
Stripe(pk, {stripeAccount}), a card element, confirmCardPayment (4242 pays, a declined card
answers card_declined, 3-D Secure shows a challenge the person completes or fails), and
confirmCardSetup on the platform; plus the hosted onboarding page."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import free_port

PAY = """<!doctype html><html><body><script src="{js}"></script>
<div id="card"></div><button id="go">Pay</button><pre id="out"></pre>
<script>
const stripe = {stripe};
const card = stripe.elements().create("card");
card.mount("#card");
document.getElementById("go").onclick = async () => {{
  const r = await stripe.{confirm}("{secret}", {{payment_method: {{card}}}});
  const intent = r.paymentIntent || r.setupIntent;
  document.getElementById("out").textContent = JSON.stringify(
    r.error ? {{error: r.error.code || r.error.message, decline: r.error.decline_code || null}}
            : {{status: intent.status}});
}};
</script></body></html>"""


class Pages(BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        body = Pages.pages.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write((body or "").encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pages():
    """Checkout pages on an origin of their own (the shim calls the stand-in cross-origin)."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def api(stripe_standin):
    with httpx.Client(base_url=stripe_standin.url, auth=(stripe_standin.secret_key, "")) as client:
        yield client


def run_page(browser, url: str, number: str, challenge: str | None = None) -> dict:
    page = browser.new_page()
    page.goto(url)
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "75001"),
    ):
        page.fill(f"#card input[placeholder={field}]", value)
    page.click("#go")
    if challenge:
        page.click(f"text={challenge}")
    page.wait_for_function("document.getElementById('out').textContent.length > 0")
    return json.loads(page.text_content("#out"))


def test_onboarding_page_and_card_payments_on_a_connected_account(
    browser, stripe_standin, api, pages
):
    """Onboarding in the browser returns to return_url with charges enabled; then each test
    card through the card element shows what Stripe.js would, and Stripe agrees."""
    account = api.post("/v1/accounts", data={"type": "standard", "country": "FR"}).json()["id"]
    link = api.post(
        "/v1/account_links",
        data={
            "account": account,
            "type": "account_onboarding",
            "refresh_url": f"{pages}/refresh",
            "return_url": f"{pages}/back",
        },
    ).json()["url"]
    Pages.pages["/back"] = "<p>Back in Relay</p>"
    page = browser.new_page()
    page.goto(link)
    page.click("text=Agree and submit")
    page.wait_for_url(f"{pages}/back")
    assert api.get(f"/v1/accounts/{account}").json()["charges_enabled"] is True

    cases = [
        ("4242424242424242", None, {"status": "succeeded"}, "succeeded"),
        (
            "4000000000000002",
            None,
            {"error": "card_declined", "decline": "generic_decline"},
            "requires_payment_method",
        ),
        ("4000002760003184", "Complete authentication", {"status": "succeeded"}, "succeeded"),
        (
            "4000002760003184",
            "Fail authentication",
            {"error": "payment_intent_authentication_failure", "decline": None},
            "requires_payment_method",
        ),
    ]
    for n, (number, challenge, shown, status) in enumerate(cases):
        intent = api.post(
            "/v1/payment_intents",
            headers={"Stripe-Account": account},
            data={"amount": 1000, "currency": "eur", "payment_method_types[]": "card"},
        ).json()
        Pages.pages[f"/pay{n}"] = PAY.format(
            js=stripe_standin.js_url,
            stripe=f'Stripe("{stripe_standin.publishable_key}", {{stripeAccount: "{account}"}})',
            confirm="confirmCardPayment",
            secret=intent["client_secret"],
        )
        assert run_page(browser, f"{pages}/pay{n}", number, challenge) == shown, number
        on_stripe = api.get(
            f"/v1/payment_intents/{intent['id']}", headers={"Stripe-Account": account}
        ).json()
        assert on_stripe["status"] == status, number


def test_saving_a_card_on_the_platform_with_and_without_3d_secure(
    browser, stripe_standin, api, pages
):
    """confirmCardSetup saves the card (after the 3-D Secure challenge when it asks for one)
    and Stripe attaches it to the merchant's customer, ready to be cloned and charged."""
    customer = api.post("/v1/customers", data={"email": "m@shop.test"}).json()["id"]
    for n, (number, challenge) in enumerate(
        [("4242424242424242", None), ("4000002500003155", "Complete authentication")]
    ):
        setup = api.post(
            "/v1/setup_intents", data={"customer": customer, "payment_method_types[]": "card"}
        ).json()
        Pages.pages[f"/save{n}"] = PAY.format(
            js=stripe_standin.js_url,
            stripe=f'Stripe("{stripe_standin.publishable_key}")',
            confirm="confirmCardSetup",
            secret=setup["client_secret"],
        )
        assert run_page(browser, f"{pages}/save{n}", number, challenge) == {"status": "succeeded"}
        saved = api.get(f"/v1/setup_intents/{setup['id']}").json()
        method = api.get(f"/v1/payment_methods/{saved['payment_method']}").json()
        assert method["customer"] == customer and method["card"]["last4"] == number[-4:]
