"""Payment webhooks verified and processed once, whatever order they come in; and money taken
back from a supplier's payment when its items are refunded (when the supplier allows it),
once, never more than it was paid."""

from __future__ import annotations

import json
import time
from decimal import Decimal as D

import httpx
import pytest
from sqlalchemy import func, select

from domain.models.orders import Order
from domain.models.payments import PaymentEvent, SupplierTakeBack
from domain.models.refunds import SupplierLedgerEntry
from domain.money import refund_checks, refunds
from domain.money.amounts import round_to_currency
from extensions import db
from integrations import stripe_api
from standins.stripe.webhooks import signature_header
from tests.integration import stripe_flows
from tests.integration.merchant_pages import Merchant
from tests.integration.payment_flows import (
    confirm_card,
    paying_supplier,
    payment_of,
    requested_order,
)
from tests.integration.test_fulfillment import refreshed, shop_row, stock_at_relay
from tests.integration.test_webhooks import wait_for
from tests.payment_services import StripeStandin

pytestmark = pytest.mark.integration


@pytest.fixture
def retailer(ctx, installed_shop, devstore, relay_server, paypal_webhooks):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


@pytest.fixture
def merchant(retailer, relay_server, id_token):
    return Merchant(relay_server.url, retailer, id_token)


def _paid_by_card(merchant, stripe_standin, devstore, drain, **supplier):
    paying_supplier(merchant.domain, stripe_standin, **supplier)
    so = requested_order(devstore, merchant.domain, drain)
    merchant.post("/payments", {"so": [so.id], "method": "card"}, htmx=False)
    payment = payment_of(so.id)
    assert confirm_card(stripe_standin, payment, stripe_flows.VISA)["status"] == "succeeded"
    return so, payment


def _event(standin, kind: str, intent_id: str, account: str, event_id="evt_test_1") -> bytes:
    """A Stripe event as Stripe sends it, around the intent as the stand-in holds it now."""
    intent = httpx.get(
        f"{standin.url}/v1/payment_intents/{intent_id}",
        headers={
            "Authorization": f"Bearer {StripeStandin.secret_key}",
            "Stripe-Account": account,
        },
    ).json()
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "account": account,
            "created": int(time.time()),
            "data": {"object": intent},
        }
    ).encode()


def _post(relay_url: str, body: bytes, signature: str) -> httpx.Response:
    return httpx.post(
        f"{relay_url}/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def test_a_payment_the_browser_never_reported_is_recorded_from_stripes_webhook(
    merchant, stripe_standin, devstore, drain
):
    """The card was confirmed, then the tab closed before coming back to Relay: Stripe's
    payment_intent.succeeded (signed, from the stand-in) records it and the order is sent."""
    so, _payment = _paid_by_card(merchant, stripe_standin, devstore, drain)

    def recorded():
        return payment_of(so.id).status == "succeeded"

    wait_for(recorded, timeout=15)
    drain()
    assert refreshed(so).status == "requested"


def test_forged_stale_and_replayed_stripe_events_change_nothing(
    merchant, stripe_standin, devstore, drain, relay_server
):
    so, payment = _paid_by_card(merchant, stripe_standin, devstore, drain)
    body = _event(
        stripe_standin,
        "payment_intent.succeeded",
        payment.provider_reference,
        payment.provider_account,
    )
    secret = StripeStandin.webhook_secret
    assert _post(relay_server.url, body, signature_header(body, "whsec_wrong")).status_code == 400
    stale = signature_header(body, secret, timestamp=int(time.time()) - 3600)
    assert _post(relay_server.url, body, stale).status_code == 400
    assert _post(relay_server.url, body, "").status_code == 400
    assert not db.session.scalar(
        select(func.count(PaymentEvent.id)).where(PaymentEvent.event_id == "evt_test_1")
    )
    good = signature_header(body, secret)
    first = _post(relay_server.url, body, good)
    again = _post(relay_server.url, body, good)
    assert first.status_code == again.status_code == 200
    assert again.json()["result"] == "duplicate"
    assert payment_of(so.id).status == "succeeded"


def test_a_failure_event_arriving_after_success_never_moves_a_payment_back(
    merchant, stripe_standin, devstore, drain, relay_server
):
    so, payment = _paid_by_card(merchant, stripe_standin, devstore, drain)
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    late = _event(
        stripe_standin,
        "payment_intent.payment_failed",
        payment.provider_reference,
        payment.provider_account,
        event_id="evt_late_failure",
    )
    answer = _post(relay_server.url, late, signature_header(late, StripeStandin.webhook_secret))
    assert answer.status_code == 200
    assert payment_of(so.id).status == "succeeded" and refreshed(so).supplier_paid_at


def test_a_forged_paypal_event_is_refused(relay_server):
    body = json.dumps({"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED"}).encode()
    answer = httpx.post(
        f"{relay_server.url}/webhooks/paypal",
        content=body,
        headers={
            "PAYPAL-TRANSMISSION-ID": "x",
            "PAYPAL-TRANSMISSION-TIME": "2026-12-07T10:00:00Z",
            "PAYPAL-TRANSMISSION-SIG": "forged",
            "PAYPAL-CERT-URL": "https://api.paypal.com/cert.pem",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 400


def _refund_one_unit(domain, order_id):
    shop = shop_row(domain)
    order = db.session.get(Order, order_id)
    line = order.line_items[0]
    context = refunds.context_of(shop, order)
    capped = refund_checks.refundable_of(order, shipping_paid=D(0), context=context)
    amount = round_to_currency(capped.line(line.id).amount_left / line.quantity, capped.currency)
    form = {
        "key": refunds.new_key(),
        "mode": "partial",
        f"qty-{line.id}": "1",
        f"amount-{line.id}": str(amount),
    }
    return refunds.create_refund(shop, order.id, form)


def test_a_refund_of_paid_items_is_taken_back_from_the_suppliers_payment_once(
    merchant, stripe_standin, devstore, drain
):
    so, payment = _paid_by_card(merchant, stripe_standin, devstore, drain, takes_back=True)
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    _refund_one_unit(merchant.domain, so.order_id)
    drain()
    take = db.session.scalar(select(SupplierTakeBack))
    assert take.status == "succeeded" and take.amount == D("7.50"), "one unit at cost"
    refunds_at_stripe = [
        r
        for r in stripe_api.list_refunds(payment.provider_account)
        if r.payment_intent_id == payment.provider_reference
    ]
    assert [r.amount_minor for r in refunds_at_stripe] == [750]
    entry = db.session.scalar(select(SupplierLedgerEntry))
    assert entry.status == "settled" and payment_of(so.id).taken_back == D("7.50")
    from domain.payments import take_back

    assert take_back.run(take.id) == "succeeded", "run again: nothing more is taken"
    assert len(stripe_api.list_refunds(payment.provider_account)) == 1
    page = merchant.get(f"/payments/suppliers/{payment.supplier_id}/reconciliation")
    assert 'data-balanced="yes"' in page.text


def test_a_supplier_that_does_not_allow_it_keeps_the_entry_to_settle_by_hand(
    merchant, stripe_standin, devstore, drain
):
    so, payment = _paid_by_card(merchant, stripe_standin, devstore, drain, takes_back=False)
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    _refund_one_unit(merchant.domain, so.order_id)
    drain()
    assert db.session.scalar(select(func.count(SupplierTakeBack.id))) == 0
    assert db.session.scalar(select(SupplierLedgerEntry)).status in ("pending", "automatic")
    assert stripe_api.list_refunds(payment.provider_account) == []
