"""Automatic payment: the merchant saves a card (or PayPal) once; when an order is due to go to
a pay-automatically supplier, Relay charges it off-session first, and sends the order only once
paid. A decline or a bank asking for 3-D Secure sends nothing: the order shows "Payment failed"
with the reason and a Pay now link. A worker killed between the charge and recording it never
makes the next run charge twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.fulfillment import forwarding
from domain.models.payments import SavedPaymentMethod, SupplierPayment
from domain.payments import automatic, providers
from extensions import db
from integrations import stripe_api
from tests.integration import stripe_flows
from tests.integration.merchant_pages import Merchant
from tests.integration.payment_flows import paying_supplier, payment_of, requested_order
from tests.integration.test_fulfillment import refreshed, shop_row, stock_at_relay

pytestmark = pytest.mark.integration


@pytest.fixture
def retailer(ctx, installed_shop, devstore, relay_server, paypal_webhooks):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


def saved_card(domain, stripe_standin, number=stripe_flows.VISA) -> SavedPaymentMethod:
    """The merchant saved this card on the Settings → Automatic payment page (SetupIntent
    confirmed by Stripe.js's confirmCardSetup)."""
    customer, setup = stripe_flows.save_card(stripe_standin, number)
    saved = SavedPaymentMethod(
        shop_id=shop_row(domain).id,
        kind="card",
        status="active",
        label=setup.card_label,
        stripe_customer_id=customer,
        stripe_payment_method_id=setup.payment_method_id,
    )
    db.session.add(saved)
    db.session.commit()
    return saved


def test_an_automatic_supplier_is_charged_off_session_then_sent(
    retailer, stripe_standin, devstore, drain
):
    supplier = paying_supplier(retailer, stripe_standin, pay="auto", paypal=False)
    saved_card(retailer, stripe_standin)
    so = requested_order(devstore, retailer, drain)
    payment = payment_of(so.id)
    assert payment.automatic and payment.status == "succeeded" and payment.amount == 20
    assert refreshed(so).status == "requested" and refreshed(so).supplier_paid_at is not None
    intents = stripe_api.list_intents(supplier.stripe_account_id)
    assert len(intents) == 1 and intents[0].amount_minor == 2000


def test_a_declined_automatic_payment_is_not_sent_and_says_why(
    retailer, stripe_standin, devstore, drain, relay_server, id_token
):
    paying_supplier(retailer, stripe_standin, pay="auto", paypal=False)
    saved_card(retailer, stripe_standin, stripe_flows.DECLINES_AFTER_ATTACH)
    so = requested_order(devstore, retailer, drain)
    payment = payment_of(so.id)
    assert payment.status == "failed"
    so = refreshed(so)
    assert so.status == "scheduled" and so.supplier_paid_at is None and so.payment_failure
    drain()  # the forward job again: a failed automatic payment is not charged again
    assert db.session.scalar(select(func.count(SupplierPayment.id))) == 1
    merchant = Merchant(relay_server.url, retailer, id_token)
    drawer = merchant.get(f"/orders/{so.order_id}")
    assert "data-pay-now" in drawer.text, "Pay now is offered where the payment failed"
    strip = merchant.get("/orders").text
    assert "data-payment-failed" in strip and "1 automatic payment failed" in strip


def test_a_bank_asking_for_3ds_fails_the_automatic_payment_with_that_reason(
    retailer, stripe_standin, devstore, drain
):
    paying_supplier(retailer, stripe_standin, pay="auto", paypal=False)
    saved_card(retailer, stripe_standin, stripe_flows.THREE_DS_ALWAYS)
    so = requested_order(devstore, retailer, drain)
    assert payment_of(so.id).failure_code == "authentication_required"
    assert "3-D Secure" in refreshed(so).payment_failure
    assert refreshed(so).status == "scheduled"


def test_no_saved_method_sends_nothing_and_says_how_to_fix_it(
    retailer, stripe_standin, devstore, drain
):
    supplier = paying_supplier(retailer, stripe_standin)  # no card saved by the merchant
    supplier.pay_mode = "auto"
    db.session.commit()
    so = requested_order(devstore, retailer, drain)
    assert payment_of(so.id) is None
    assert "saved card" in refreshed(so).payment_failure and refreshed(so).status == "scheduled"


def test_a_worker_killed_after_charging_never_charges_twice(
    retailer, stripe_standin, devstore, drain, app
):
    """The charge went through, then the worker died before recording it: the payment row
    stays `processing`. The next run charges again with the row's idempotency key, Stripe
    answers with the first charge, and the order is sent: one charge in all."""
    supplier = paying_supplier(retailer, stripe_standin, pay="auto", paypal=False)
    saved = saved_card(retailer, stripe_standin)
    shop_settings_hold(retailer, minutes=60)  # hold the forward job back while we set this up
    so = requested_order(devstore, retailer, drain)
    so.forward_at = so.requested_at  # the hold window is over now
    db.session.commit()
    payment_id = automatic.payment_due(so.id)
    payment = db.session.get(SupplierPayment, payment_id)
    charged = providers.charge_saved(payment, saved)  # ... and the worker dies here
    assert charged.status == providers.SUCCEEDED and payment.status == "processing"
    assert forwarding.forward(so.id) == "forwarded"
    payment = payment_of(so.id)
    assert payment.status == "succeeded" and payment.provider_reference == charged.reference
    assert len(stripe_api.list_intents(supplier.stripe_account_id)) == 1


def shop_settings_hold(domain, *, minutes: int) -> None:
    from domain.shop import settings as shop_settings

    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=minutes))
    db.session.commit()
