"""Pay now, end to end: the merchant pays a supplier through Relay's pages (card on the
supplier's own Stripe account through the Stripe stand-in, PayPal through the PayPal stand-in),
and the paid order goes to the supplier. Declines, 3-D Secure, an abandoned PayPal approval,
two tabs, and every refusal leave the order unpaid and unsent."""

from __future__ import annotations

import re
from decimal import Decimal as D

import httpx
import pytest
from sqlalchemy import func, select

from domain.models.orders import Order, Supplier, VariantMapping
from domain.models.payments import SupplierPayment
from extensions import db
from integrations import stripe_api
from tests.integration import stripe_flows
from tests.integration.merchant_pages import Merchant
from tests.integration.payment_flows import (
    approve_at_paypal,
    authenticate,
    confirm_card,
    intent_of,
    mapping_cost,
    paying_supplier,
    payment_of,
    requested_order,
)
from tests.integration.test_fulfillment import (
    SKU,
    refreshed,
    shop_row,
    stock_at_relay,
    supplier_order_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def retailer(ctx, installed_shop, devstore, relay_server, paypal_webhooks):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


@pytest.fixture
def merchant(retailer, relay_server, id_token):
    return Merchant(relay_server.url, retailer, id_token)


def _pay(merchant, supplier_order_ids, method: str) -> httpx.Response:
    return merchant.post("/payments", {"so": supplier_order_ids, "method": method}, htmx=False)


def test_a_waiting_order_is_paid_by_card_and_then_sent(merchant, stripe_standin, devstore, drain):
    """Requested, the order waits for its payment; the checkout prices it at cost with
    shipping; paying with 4242 in the card page pays the supplier's own Stripe account and
    the order goes to the supplier."""
    supplier = paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    assert so.status == "scheduled" and so.supplier_paid_at is None, "not sent unpaid"

    page = merchant.get("/payments/checkout", so=so.id)
    assert page.status_code == 200
    assert "€15.00" in page.text, "2 × 7.50 at cost"
    assert "€5.00" in page.text, "Standard: 4.00 + 1.00 for the second item"
    assert "€20.00" in page.text

    answer = _pay(merchant, [so.id], "card")
    assert answer.status_code == 303
    payment = payment_of(so.id)
    assert payment.status == "requires_action" and payment.amount == 20
    assert payment.provider_account == supplier.stripe_account_id
    shown = merchant.get(f"/payments/{payment.id}")
    assert 'id="card-element"' in shown.text and payment.provider_account in shown.text

    assert confirm_card(stripe_standin, payment, stripe_flows.VISA)["status"] == "succeeded"
    assert merchant.post(f"/payments/{payment.id}/confirmed", htmx=False).status_code == 303
    payment = payment_of(so.id)
    assert payment.status == "succeeded" and payment.capture_reference
    drain()
    so = refreshed(so)
    assert so.supplier_paid_at is not None and so.status == "requested", "sent once paid"
    intent = stripe_api.retrieve_intent(supplier.stripe_account_id, payment.provider_reference)
    assert intent.amount_minor == 2000 and intent.currency == "EUR"
    receipt = merchant.get(f"/payments/{payment.id}/receipt")
    assert payment.receipt_number in receipt.text and "€20.00" in receipt.text


def test_a_declined_card_pays_nothing_and_the_order_stays_unsent(
    merchant, stripe_standin, devstore, drain
):
    paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    _pay(merchant, [so.id], "card")
    payment = payment_of(so.id)
    declined = confirm_card(stripe_standin, payment, stripe_flows.INSUFFICIENT_FUNDS)
    assert "error" in declined
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    payment = payment_of(so.id)
    assert payment.status == "requires_action", "the payer may try another card"
    drain()
    assert refreshed(so).supplier_paid_at is None and refreshed(so).status == "scheduled"
    assert "insufficient" in (payment.failure_message or "").lower() or payment.failure_code


def test_a_three_d_secure_card_pays_once_authenticated(merchant, stripe_standin, devstore, drain):
    paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    _pay(merchant, [so.id], "card")
    payment = payment_of(so.id)
    first = confirm_card(stripe_standin, payment, stripe_flows.THREE_DS_ALWAYS)
    assert first["status"] == "requires_action"
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    assert payment_of(so.id).status == "requires_action" and refreshed(so).supplier_paid_at is None
    authenticate(stripe_standin, payment)
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    assert payment_of(so.id).status == "succeeded"
    drain()
    assert refreshed(so).status == "requested"


def _approve_url(page: str) -> str:
    return re.search(r'href="([^"]+)"[^>]*data-paypal-approve', page).group(1).replace("&amp;", "&")


def test_paypal_approved_at_paypal_is_captured_and_the_order_sent(
    merchant, stripe_standin, devstore, drain
):
    paying_supplier(merchant.domain, stripe_standin, card=False)
    so = requested_order(devstore, merchant.domain, drain)
    answer = _pay(merchant, [so.id], "paypal")
    assert answer.status_code == 200
    back = approve_at_paypal(_approve_url(answer.text))
    assert back.startswith(merchant.url + "/payments/paypal/return")
    returned = httpx.get(back, follow_redirects=False)
    assert returned.status_code == 302 and "/admin/apps/" in returned.headers["location"]
    payment = payment_of(so.id)
    assert payment.status == "succeeded" and payment.capture_reference
    drain()
    assert refreshed(so).status == "requested"
    again = httpx.get(back, follow_redirects=False)
    assert again.status_code == 302, "coming back twice captures nothing more"
    assert payment_of(so.id).status == "succeeded"


def test_an_abandoned_paypal_approval_pays_nothing(merchant, stripe_standin, devstore, drain):
    paying_supplier(merchant.domain, stripe_standin, card=False)
    so = requested_order(devstore, merchant.domain, drain)
    answer = _pay(merchant, [so.id], "paypal")
    back = approve_at_paypal(_approve_url(answer.text), action="cancel")
    assert "/payments/paypal/cancel" in back
    httpx.get(back, follow_redirects=False)
    assert payment_of(so.id).status == "cancelled"
    drain()
    assert refreshed(so).supplier_paid_at is None and refreshed(so).status == "scheduled"
    retry = _pay(merchant, [so.id], "paypal")
    assert retry.status_code == 200, "a new payment can be started after an abandoned one"


def test_two_tabs_and_a_double_click_make_one_payment_and_one_intent(
    merchant, stripe_standin, devstore, drain
):
    supplier = paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    first, second = _pay(merchant, [so.id], "card"), _pay(merchant, [so.id], "card")
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(select(func.count(SupplierPayment.id))) == 1
    payment = payment_of(so.id)
    intents = stripe_api.list_intents(supplier.stripe_account_id)
    assert [i.id for i in intents] == [payment.provider_reference]
    other = _pay(merchant, [so.id], "paypal")
    assert other.status_code == 409 and "already in progress" in other.text


def test_paying_what_cannot_be_paid_is_refused_and_changes_nothing(
    merchant, stripe_standin, devstore, drain, make_shop, oauth_install
):
    supplier = paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    assert _pay(merchant, [], "card").status_code == 422
    assert _pay(merchant, [so.id], "cheque").status_code == 409
    assert _pay(merchant, [so.id + 10_000], "card").status_code == 404
    supplier.accepts_card = False  # the supplier turned card payments off meanwhile
    db.session.commit()
    refused = _pay(merchant, [so.id], "card")
    assert refused.status_code == 409 and "no longer takes payment by card" in refused.text
    assert db.session.scalar(select(func.count(SupplierPayment.id))) == 0
    assert refreshed(so).supplier_paid_at is None


def test_an_order_paid_already_is_refused_and_another_stores_order_is_not_found(
    merchant, stripe_standin, devstore, drain, make_shop, oauth_install, id_token, relay_server
):
    paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    _pay(merchant, [so.id], "card")
    payment = payment_of(so.id)
    confirm_card(stripe_standin, payment, stripe_flows.VISA)
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    again = _pay(merchant, [so.id], "card")
    assert again.status_code == 409 and "already paid" in again.text
    other = make_shop("other")
    oauth_install(other)
    stranger = Merchant(relay_server.url, other, id_token)
    assert stranger.get("/payments/checkout", so=so.id).status_code == 404
    assert stranger.get(f"/payments/{payment.id}").status_code == 404


def test_stripe_down_during_checkout_is_a_clear_503_and_nothing_is_paid(
    merchant, stripe_standin, devstore, drain, app
):
    paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    base = app.config["STRIPE_API_BASE"]
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        answer = _pay(merchant, [so.id], "card")
    finally:
        app.config["STRIPE_API_BASE"] = base
    assert answer.status_code == 503 and "could not be reached" in answer.text
    assert refreshed(so).supplier_paid_at is None


def test_bulk_pay_now_for_one_supplier_takes_the_selection_or_all_matching_the_filter(
    merchant, stripe_standin, devstore, drain
):
    supplier = paying_supplier(merchant.domain, stripe_standin)
    first = requested_order(devstore, merchant.domain, drain)
    second = requested_order(devstore, merchant.domain, drain)
    picked = merchant.post(
        f"/orders/bulk?supplier={supplier.id}",
        {"action": "pay_now", "order": [first.order_id], "supplier": supplier.id},
    )
    location = picked.headers["HX-Location"]
    assert "/payments/checkout" in location and f"so={first.id}" in location
    assert f"so={second.id}" not in location
    everything = merchant.post(
        f"/orders/bulk?supplier={supplier.id}",
        {"action": "pay_now", "all_matching": "1", "supplier": supplier.id},
    )
    location = everything.headers["HX-Location"]
    assert f"so={first.id}" in location and f"so={second.id}" in location
    page = merchant.get("/payments/checkout", so=[first.id, second.id])
    assert page.status_code == 200 and "€40.00" in page.text, "two orders of 20.00"


def test_a_selection_of_several_suppliers_is_refused_with_a_clear_message(
    merchant, stripe_standin, devstore, drain
):
    """One order, two suppliers' parts: paying both at once, or Pay now in bulk with no
    supplier filter, is refused by name; nothing is paid."""
    paying_supplier(merchant.domain, stripe_standin)
    shop = shop_row(merchant.domain)
    lamps = Supplier(shop_id=shop.id, name="Lamp Works", channel="portal", currency="EUR")
    db.session.add(lamps)
    db.session.flush()
    db.session.add(
        VariantMapping(
            shop_id=shop.id, sku="BRS-LAMP", supplier_id=lamps.id, cost=D("30"), cost_currency="EUR"
        )
    )
    db.session.commit()
    stock_at_relay(devstore, merchant.domain, skus=(SKU, "BRS-LAMP"))
    placed = devstore.control.post(
        f"/_devstore/shops/{merchant.domain}/orders",
        json={"line_items": [{"sku": SKU, "quantity": 1}, {"sku": "BRS-LAMP", "quantity": 1}]},
    ).json()
    order_id = supplier_order_of(merchant.domain, placed, drain).order_id
    db.session.expire_all()
    parts = db.session.get(Order, order_id).supplier_orders
    assert len(parts) == 2
    mixed = _pay(merchant, [p.id for p in parts], "card")
    assert mixed.status_code == 422 and "Pay one supplier at a time" in mixed.text
    bulk = merchant.post("/orders/bulk", {"action": "pay_now", "order": [parts[0].order_id]})
    assert "HX-Location" not in bulk.headers and "one supplier at a time" in bulk.text
    assert db.session.scalar(select(func.count(SupplierPayment.id))) == 0


@pytest.mark.parametrize(
    ("currency", "cost", "vat", "total", "minor"),
    [
        # 2 x 1000 yen + shipping 4 + 1 (the test rate, in yen): no decimals at all.
        ("JPY", "1000", None, D("2005"), 2005),
        # 2 x 1.235 + 5.000 = 7.470, VAT 10 % = 0.747: 8.217 dinars, charged 8.220 (Stripe
        # takes three-decimal currencies in steps of 0.010); the receipt shows the rounding.
        ("KWD", "1.235", "10", D("8.220"), 8220),
    ],
)
def test_zero_and_three_decimal_currencies_are_charged_to_the_unit(
    merchant, stripe_standin, devstore, drain, currency, cost, vat, total, minor
):
    supplier = paying_supplier(merchant.domain, stripe_standin, paypal=False, vat=vat)
    supplier.currency = currency
    db.session.commit()
    mapping_cost(merchant.domain, cost, currency)
    so = requested_order(devstore, merchant.domain, drain)
    page = merchant.get("/payments/checkout", so=so.id)
    assert page.status_code == 200
    if currency == "KWD":
        assert "data-rate-problem" in page.text, "the ECB publishes no KWD: no guessed rate"
    _pay(merchant, [so.id], "card")
    payment = payment_of(so.id)
    assert payment.amount == total and payment.currency == currency
    assert intent_of(payment).amount_minor == minor
    confirm_card(stripe_standin, payment, stripe_flows.VISA)
    merchant.post(f"/payments/{payment.id}/confirmed", htmx=False)
    receipt = merchant.get(f"/payments/{payment.id}")
    assert payment_of(so.id).status == "succeeded"
    assert ("data-rounding" in receipt.text) == (currency == "KWD")


def test_a_cancelled_order_cannot_be_paid(merchant, stripe_standin, devstore, drain):
    paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    cancelled = merchant.post(
        f"/orders/supplier-orders/{so.id}/cancellation/request",
        {"note": "Customer changed their mind", "scope": "supplier"},
    )
    assert cancelled.status_code == 200 and refreshed(so).status == "cancelled"
    answer = _pay(merchant, [so.id], "card")
    assert answer.status_code == 409 and "cannot be paid" in answer.text
    assert db.session.scalar(select(func.count(SupplierPayment.id))) == 0


def test_paypal_down_during_checkout_is_a_clear_503_and_nothing_is_paid(
    merchant, stripe_standin, devstore, drain, app
):
    paying_supplier(merchant.domain, stripe_standin, card=False)
    so = requested_order(devstore, merchant.domain, drain)
    base = app.config["PAYPAL_API_BASE"]
    app.config["PAYPAL_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        answer = _pay(merchant, [so.id], "paypal")
    finally:
        app.config["PAYPAL_API_BASE"] = base
    assert answer.status_code == 503 and "could not be reached" in answer.text
    assert refreshed(so).supplier_paid_at is None
    retried = _pay(merchant, [so.id], "paypal")
    assert retried.status_code == 200 and "data-paypal-approve" in retried.text


def test_the_card_page_of_a_payment_paid_meanwhile_shows_the_receipt_not_the_card_field(
    merchant, stripe_standin, devstore, drain
):
    """Paid in another tab (or the browser closed before coming back): opening the payment
    again reads Stripe first, so nobody is asked for their card a second time."""
    paying_supplier(merchant.domain, stripe_standin)
    so = requested_order(devstore, merchant.domain, drain)
    _pay(merchant, [so.id], "card")
    payment = payment_of(so.id)
    assert confirm_card(stripe_standin, payment, stripe_flows.VISA)["status"] == "succeeded"
    page = merchant.get(f"/payments/{payment.id}")
    assert "data-paid" in page.text and 'id="card-element"' not in page.text
    assert payment_of(so.id).status == "succeeded"
