"""integrations/stripe_api against the Stripe stand-in (localstripe + Connect), through the
official SDK over real HTTP: Connect onboarding, checkout on a connected account with Stripe's
test cards (success, declines, 3-D Secure), saved cards charged off-session, refunds and their
limits, Stripe-Account scoping, idempotency keys, 0- and 3-decimal currencies, Stripe down, and
webhook signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import ThreadingHTTPServer

import httpx
import pytest

from integrations import stripe_api
from integrations.stripe_api import payments as stripe_payments
from integrations.stripe_api.types import (
    InvalidStripeSignature,
    StripeRefused,
    StripeUnavailable,
)
from tests.conftest import free_port
from tests.integration.stripe_flows import (
    DECLINES_AFTER_ATTACH,
    INSUFFICIENT_FUNDS,
    THREE_DS_ALWAYS,
    THREE_DS_ONCE,
    VISA,
    Captured,
    charge_saved,
    checkout,
    key,
    onboarded_account,
    save_card,
    shim_authenticate,
    shim_confirm,
    wait_for_event,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def webhooks(stripe_standin):
    """A second webhook endpoint that keeps what the stand-in sends (payload and headers)."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Captured)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stripe_standin.register_webhook("capture", f"http://127.0.0.1:{server.server_port}/")
    yield Captured.received
    stripe_standin.control.delete("/_config/webhooks/capture")
    server.shutdown()


def test_connect_onboarding_enables_charges_and_sends_a_signed_account_updated(
    ctx, stripe_standin, webhooks
):
    """A new account cannot take charges; after "Agree and submit" on the onboarding page it
    can, the person is sent to return_url, the link is spent (refresh_url), and a signed
    account.updated event for that account arrives."""
    account = stripe_api.create_account(
        email="s@supplier.test", country="HU", idempotency_key=key()
    )
    assert (account.charges_enabled, account.details_submitted) == (False, False)
    assert account.default_currency == "HUF"
    with pytest.raises(StripeRefused) as refused:
        checkout(account.id)
    assert refused.value.code == "account_invalid"

    url = stripe_api.onboarding_link(
        account.id, refresh_url="http://relay.test/refresh", return_url="http://relay.test/back"
    )
    page = httpx.get(url)
    assert page.status_code == 200 and "Agree and submit" in page.text
    submitted = httpx.post(url, follow_redirects=False)
    assert submitted.status_code == 303
    assert submitted.headers["location"] == "http://relay.test/back"
    assert httpx.get(url, follow_redirects=False).headers["location"] == "http://relay.test/refresh"

    ready = stripe_api.retrieve_account(account.id)
    assert (ready.charges_enabled, ready.details_submitted) == (True, True)
    body, signature = wait_for_event(webhooks, "account.updated", account.id)
    event = stripe_api.verify_event(body, signature)
    assert event.account == account.id
    assert event.object == ready


def test_checkout_with_visa_succeeds_on_the_connected_account(ctx, stripe_standin, webhooks):
    """The browser confirms the intent with card 4242 on the supplier's account: it succeeds,
    with a charge, the card's label, and a payment_intent.succeeded event naming the account.
    A Mastercard is labelled as one."""
    account = onboarded_account(stripe_standin)
    intent = checkout(account.id, payment_id="42")
    assert (intent.status, intent.amount_minor, intent.currency) == (
        "requires_payment_method",
        2500,
        "EUR",
    )
    assert intent.client_secret.startswith(intent.id + "_secret_")
    assert shim_confirm(stripe_standin, intent, account.id, VISA).json()["status"] == "succeeded"

    paid = stripe_api.retrieve_intent(account.id, intent.id)
    assert paid.status == "succeeded" and paid.charge_id.startswith("ch_")
    assert paid.card_label == "Visa •••• 4242"
    assert paid.metadata == {"relay_payment_id": "42"}
    body, signature = wait_for_event(webhooks, "payment_intent.succeeded", intent.id)
    event = stripe_api.verify_event(body, signature)
    assert (event.account, event.object.id, event.object.status) == (
        account.id,
        intent.id,
        "succeeded",
    )
    mastercard = checkout(account.id)
    shim_confirm(stripe_standin, mastercard, account.id, "5555555555554444").raise_for_status()
    label = stripe_api.retrieve_intent(account.id, mastercard.id).card_label
    assert label == "Mastercard •••• 4444"


def test_a_declined_card_leaves_the_intent_payable_with_the_reason(ctx, stripe_standin):
    """Card 4000000000009995: Stripe.js gets a card_error; the intent waits for another card
    and says why (insufficient_funds)."""
    account = onboarded_account(stripe_standin)
    intent = checkout(account.id)
    answer = shim_confirm(stripe_standin, intent, account.id, INSUFFICIENT_FUNDS)
    assert answer.status_code == 402
    error = answer.json()["error"]
    assert (error["type"], error["decline_code"]) == ("card_error", "insufficient_funds")
    assert error["payment_intent"]["id"] == intent.id

    failed = stripe_api.retrieve_intent(account.id, intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.failure_code == "insufficient_funds"
    assert failed.failure_message == "Your card has insufficient funds."


def test_three_d_secure_asks_then_succeeds_or_fails(ctx, stripe_standin):
    """Card 4000002760003184 needs 3-D Secure: the intent requires_action; completing the
    challenge pays, failing it leaves the intent payable with the authentication failure."""
    account = onboarded_account(stripe_standin)
    for success, status in ((True, "succeeded"), (False, "requires_payment_method")):
        intent = checkout(account.id)
        assert (
            shim_confirm(stripe_standin, intent, account.id, THREE_DS_ALWAYS).json()["status"]
            == "requires_action"
        )
        assert stripe_api.retrieve_intent(account.id, intent.id).status == "requires_action"
        shim_authenticate(stripe_standin, intent, account.id, success).raise_for_status()
        after = stripe_api.retrieve_intent(account.id, intent.id)
        assert after.status == status
        if not success:
            assert after.failure_code == "payment_intent_authentication_failure"


def test_saved_card_is_charged_off_session_on_the_supplier_account(ctx, stripe_standin, webhooks):
    """A card saved on the platform is cloned onto the supplier's account and charged there
    off-session; the same idempotency key twice charges once. Events of platform objects
    name no account."""
    account = onboarded_account(stripe_standin)
    customer, setup = save_card(stripe_standin, VISA)
    body, signature = wait_for_event(webhooks, "setup_intent.succeeded", setup.id)
    saved = stripe_api.verify_event(body, signature)
    assert saved.account is None
    assert (saved.object.id, saved.object.status) == (setup.id, "succeeded")
    assert saved.object.payment_method_id == setup.payment_method_id  # an id: not expanded
    assert setup.status == "succeeded" and setup.customer_id == customer
    assert setup.card_label == "Visa •••• 4242"
    same = key()
    paid = charge_saved(account.id, customer, setup, idempotency_key=same)
    assert (paid.status, paid.amount_minor, paid.currency) == ("succeeded", 1800, "EUR")
    assert paid.charge_id and paid.card_label == "Visa •••• 4242"
    assert charge_saved(account.id, customer, setup, idempotency_key=same) == paid
    on_account = stripe_api.list_intents(account.id)
    assert [i.id for i in on_account] == [paid.id]
    with pytest.raises(StripeRefused) as elsewhere:
        stripe_api.retrieve_intent(onboarded_account(stripe_standin).id, paid.id)
    assert elsewhere.value.code == "resource_missing"


def test_off_session_declines_and_authentication_requests_are_results_not_errors(
    ctx, stripe_standin
):
    """Off-session, a card that always needs 3-D Secure comes back authentication_required and
    one that declines comes back card_declined (status requires_payment_method, no exception);
    a card authenticated when it was saved (4000002500003155) is charged."""
    account = onboarded_account(stripe_standin)
    expected = {
        THREE_DS_ALWAYS: ("requires_payment_method", "authentication_required"),
        DECLINES_AFTER_ATTACH: ("requires_payment_method", "generic_decline"),
        THREE_DS_ONCE: ("succeeded", None),
    }
    for number, (status, failure) in expected.items():
        customer, setup = save_card(stripe_standin, number)
        assert setup.status == "succeeded", number
        result = charge_saved(account.id, customer, setup)
        assert (result.status, result.failure_code) == (status, failure), number
        assert stripe_api.retrieve_intent(account.id, result.id).status == status


def test_refunds_partial_full_and_over_the_amount(ctx, stripe_standin):
    """Refund part, then the rest; a refund over what is left is refused (amount_too_large)
    and one on a fully refunded charge too; the list reports both refunds."""
    account = onboarded_account(stripe_standin)
    intent = checkout(account.id, amount=5000)
    shim_confirm(stripe_standin, intent, account.id, VISA).raise_for_status()
    common = {"account_id": account.id, "intent_id": intent.id, "metadata": {"relay_refund": "1"}}
    first = stripe_api.refund(amount_minor=1500, idempotency_key=key(), **common)
    assert (first.status, first.amount_minor, first.currency) == ("succeeded", 1500, "EUR")
    assert first.payment_intent_id == intent.id
    with pytest.raises(StripeRefused) as too_much:
        stripe_api.refund(amount_minor=3501, idempotency_key=key(), **common)
    assert too_much.value.code == "amount_too_large"
    stripe_api.refund(amount_minor=3500, idempotency_key=key(), **common)
    with pytest.raises(StripeRefused) as again:
        stripe_api.refund(amount_minor=1, idempotency_key=key(), **common)
    assert again.value.code == "charge_already_refunded"
    assert sorted(r.amount_minor for r in stripe_api.list_refunds(account.id)) == [1500, 3500]


def test_objects_of_one_account_are_invisible_to_others(ctx, stripe_standin):
    """An intent of account A: 404 resource_missing from account B and from the platform, not
    refundable from B, not confirmable by Stripe.js acting for B; an unknown account is 403."""
    a, b = onboarded_account(stripe_standin), onboarded_account(stripe_standin)
    intent = checkout(a.id)
    shim_confirm(stripe_standin, intent, a.id, VISA).raise_for_status()
    for other in (b.id, None):
        with pytest.raises(StripeRefused) as missing:
            stripe_api.retrieve_intent(other, intent.id)
        assert missing.value.code == "resource_missing"
    with pytest.raises(StripeRefused) as no_refund:
        stripe_api.refund(
            account_id=b.id, intent_id=intent.id, amount_minor=1, idempotency_key=key(), metadata={}
        )
    assert no_refund.value.code == "resource_missing"
    assert shim_confirm(stripe_standin, checkout(a.id), b.id, VISA).status_code == 404
    assert stripe_api.list_intents(b.id) == []
    with pytest.raises(StripeRefused) as unknown:
        stripe_api.retrieve_intent("acct_doesnotexist", intent.id)
    assert (unknown.value.code, unknown.value.http_status) == ("account_invalid", 403)


def test_idempotency_key_replays_and_refuses_other_parameters(ctx, stripe_standin):
    """Same key, same parameters: the first intent, marked Idempotent-Replayed; same key with
    another amount: idempotency_error."""
    account = onboarded_account(stripe_standin)
    same = key()
    first = checkout(account.id, idempotency_key=same)
    assert checkout(account.id, idempotency_key=same) == first
    raw = httpx.post(
        f"{stripe_standin.url}/v1/payment_intents",
        auth=(stripe_standin.secret_key, ""),
        headers={"Stripe-Account": account.id, "Idempotency-Key": same},
        data={
            "amount": "2500",
            "currency": "eur",
            "description": "Relay: supplier orders #1001",
            "metadata[relay_payment_id]": "1",
            "payment_method_types[0]": "card",
        },
    )
    assert raw.headers.get("Idempotent-Replayed") == "true" and raw.json()["id"] == first.id
    with pytest.raises(StripeRefused) as mismatch:
        checkout(account.id, amount=2600, idempotency_key=same)
    assert mismatch.value.code == "idempotency_error"


def test_zero_and_three_decimal_currencies(ctx, stripe_standin):
    """JPY 1234 is 1234 minor units; KWD 12.345 rounds to 12350 (last digit 0, as Stripe
    requires); a KWD amount ending in another digit is refused."""
    account = onboarded_account(stripe_standin, country="JP")
    yen = checkout(account.id, amount=stripe_api.to_minor(Decimal("1234"), "JPY"), currency="JPY")
    assert (yen.amount_minor, yen.currency) == (1234, "JPY")
    assert stripe_api.from_minor(yen.amount_minor, "JPY") == Decimal("1234")
    minor = stripe_api.to_minor(Decimal("12.345"), "KWD")
    assert minor == 12350
    dinar = checkout(account.id, amount=minor, currency="KWD")
    shim_confirm(stripe_standin, dinar, account.id, VISA).raise_for_status()
    paid = stripe_api.retrieve_intent(account.id, dinar.id)
    assert (paid.status, stripe_api.from_minor(paid.amount_minor, "KWD")) == (
        "succeeded",
        Decimal("12.350"),
    )
    with pytest.raises(StripeRefused) as odd:
        checkout(account.id, amount=12345, currency="KWD")
    assert odd.value.code == "invalid_amount"


def test_list_intents_reads_every_page(ctx, stripe_standin, monkeypatch):
    """Reconciliation lists every intent Relay made, across pages, leaving out others."""
    monkeypatch.setattr(stripe_payments, "LIST_PAGE", 2)
    account = onboarded_account(stripe_standin)
    made = {checkout(account.id, payment_id=str(n)).id for n in range(5)}
    stripe_api.create_checkout_intent(
        account_id=account.id,
        amount_minor=100,
        currency="EUR",
        description="not Relay's",
        metadata={},
        idempotency_key=key(),
    )
    assert {i.id for i in stripe_api.list_intents(account.id)} == made


@pytest.mark.attack
def test_stripe_down_is_stripe_unavailable(ctx, monkeypatch):
    """Nothing listening where Stripe should be: StripeUnavailable, not a crash."""
    monkeypatch.setitem(ctx.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr("integrations.stripe_api.client.NETWORK_RETRIES", 0)
    with pytest.raises(StripeUnavailable, match="Stripe could not be reached"):
        stripe_api.retrieve_account("acct_any")


@pytest.mark.attack
def test_webhook_signatures_forged_missing_or_old_are_refused(ctx, stripe_standin):
    """A payload signed with another secret, no signature, a tampered body, or a genuine
    signature older than the tolerance (a replay) is InvalidStripeSignature."""
    payload = json.dumps(
        {"id": "evt_1", "type": "payment_intent.succeeded", "created": 1, "data": {"object": {}}}
    ).encode()

    def sign(secret: str, at: int) -> str:
        digest = hmac.new(secret.encode(), b"%d.%s" % (at, payload), hashlib.sha256).hexdigest()
        return f"t={at},v1={digest}"

    now = int(time.time())
    good = stripe_api.verify_event(payload, sign(stripe_standin.webhook_secret, now))
    assert (good.id, good.type, good.account, good.object) == (
        "evt_1",
        "payment_intent.succeeded",
        None,
        None,
    )
    for header in (
        sign("whsec_forged", now),
        None,
        sign(stripe_standin.webhook_secret, now - 3600),
    ):
        with pytest.raises(InvalidStripeSignature):
            stripe_api.verify_event(payload, header)
    with pytest.raises(InvalidStripeSignature):
        stripe_api.verify_event(payload + b" ", sign(stripe_standin.webhook_secret, now))
