"""Paying a supplier from the admin iframe in Debian chromium, in English, French and
Hungarian, as a merchant would: Pay now on the grid's row, the checkout's figures, Stripe's
card field (the Stripe stand-in's Stripe.js shim) typed into, Pay, the paid receipt, and the
order then shows "Supplier: paid"; a 3-D Secure card pays once "Complete authentication" is
clicked in the shim's dialog. Then the payment pages around it (payments list, automatic
payment, the supplier's payment terms and its setup link, the portal's "Getting paid", the
Balances' payment figures, reconciliation) render translated and inside their boxes.
Screenshots go to test-artifacts/payments-*.png."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_languages_ui import OVERFLOWS
from tests.conftest import API_KEY
from tests.integration import stripe_flows
from tests.integration.payment_flows import paying_supplier, payment_of, requested_order
from tests.integration.test_fulfillment import refreshed, stock_at_relay

WORDS = {
    "en": {"pay": "Pay", "paid": "Supplier: paid", "card": "Card", "balanced": "Balanced"},
    "fr": {
        "pay": "Payer",
        "paid": "Fournisseur : payé",
        "card": "Carte",
        "balanced": "Équilibré",
    },
    "hu": {
        "pay": "Fizetés",
        "paid": "Beszállító: kifizetve",
        "card": "Kártya",
        "balanced": "Egyezik",
    },
}


@pytest.fixture
def retailer(ctx, installed_shop, devstore, relay_server):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


def _eur(amount: str, locale: str) -> str:
    return format_currency(Decimal(amount), "EUR", locale=locale)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"payments-{name}.png"), full_page=True)


def _fits(page, allowed: tuple[str, ...] = ()) -> None:
    found = page.frame(name="app-iframe").evaluate(OVERFLOWS)
    assert [f for f in found if not f.startswith(allowed)] == []


def _open(browser, devstore, domain: str, locale: str, path: str = ""):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
    admin = f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}?locale={locale}"
    page.goto(f"{admin}&path={path}" if path else admin)
    return page, page.frame_locator("#app-iframe")


def _type_card(frame, number: str) -> None:
    """Typed key by key into the shim's card element, as a person types."""
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "75001"),
    ):
        box = frame.locator(f"#card-element input[placeholder={field}]")
        box.click()
        box.press_sequentially(value)


def _pay_now_to_card_page(browser, devstore, domain, so, locale, shots: bool):
    page, frame = _open(browser, devstore, domain, locale)
    pay_now = frame.locator(f"#order-row-{so.order_id} [data-pay-now]")
    pay_now.wait_for(timeout=15000)
    if shots:
        _shot(page, f"grid-pay-now-{locale}")
    pay_now.click()
    frame.locator("#checkout-form").wait_for(timeout=15000)
    checkout = frame.locator("#checkout")
    assert _eur("15", locale) in checkout.inner_text(), "2 × 7.50 at cost"
    assert frame.locator("[data-total]").inner_text() == _eur("20", locale), "+ 4.00 + 1.00"
    assert WORDS[locale]["card"] in frame.locator(".pay-methods").inner_text()
    if shots:
        _shot(page, f"checkout-{locale}")
    _fits(page)
    frame.locator("input[name=method][value=card]").check()
    frame.locator("[data-pay]").click()
    frame.locator("#card-element input[placeholder=number]").wait_for(timeout=15000)
    return page, frame


@pytest.mark.parametrize("locale", ["en", "fr", "hu"])
def test_pay_now_by_card_from_the_grid_to_the_receipt(
    retailer, browser, devstore, stripe_standin, drain, locale
):
    """Pay now → checkout (2 × 7.50 at cost + 5.00 shipping = 20.00) → 4242 typed into the
    card field → Pay → the receipt's "Paid" banner; the grid then shows "Supplier: paid"."""
    paying_supplier(retailer, stripe_standin)
    so = requested_order(devstore, retailer, drain)
    page, frame = _pay_now_to_card_page(browser, devstore, retailer, so, locale, shots=True)
    _type_card(frame, stripe_flows.VISA)
    _shot(page, f"card-{locale}")
    _fits(page)
    frame.locator("#card-pay").click()
    frame.locator("[data-paid]").wait_for(timeout=15000)
    assert frame.locator("[data-payment-status=succeeded]").count() == 1
    assert "4242" in frame.locator(".receipt-meta").inner_text(), "the card's label"
    _shot(page, f"receipt-{locale}")
    _fits(page)
    assert payment_of(so.id).status == "succeeded"

    drain()
    db.session.expire_all()
    assert refreshed(so).supplier_paid_at is not None
    page, frame = _open(browser, devstore, retailer, locale)
    badge = frame.locator(f"#order-row-{so.order_id} [data-supplier-payment]")
    badge.wait_for(timeout=15000)
    assert badge.inner_text() == WORDS[locale]["paid"]
    _shot(page, f"grid-paid-{locale}")


@pytest.mark.parametrize("locale", ["en", "fr", "hu"])
def test_a_three_d_secure_card_pays_once_authentication_is_completed(
    retailer, browser, devstore, stripe_standin, drain, locale
):
    """4000 0027 6000 3184: Pay opens the shim's authentication dialog; "Complete
    authentication" pays and the receipt shows Paid."""
    paying_supplier(retailer, stripe_standin)
    so = requested_order(devstore, retailer, drain)
    page, frame = _pay_now_to_card_page(browser, devstore, retailer, so, locale, shots=False)
    _type_card(frame, stripe_flows.THREE_DS_ALWAYS)
    frame.locator("#card-pay").click()
    frame.locator("text=Complete authentication").wait_for(timeout=15000)
    _shot(page, f"3ds-{locale}")
    frame.locator("text=Complete authentication").click()
    frame.locator("[data-paid]").wait_for(timeout=15000)
    assert payment_of(so.id).status == "succeeded"


@pytest.mark.parametrize("locale", ["en", "fr", "hu"])
def test_the_pages_around_payments_render_translated_and_fit(
    retailer, browser, devstore, stripe_standin, drain, locale
):
    """After one card payment: payments list, automatic payment, the supplier's payment terms
    with its setup link, the portal's Getting paid page, Balances with payment figures and
    a balanced reconciliation, each screenshotted and checked for overflow."""
    supplier = paying_supplier(retailer, stripe_standin)
    so = requested_order(devstore, retailer, drain)
    page, frame = _pay_now_to_card_page(browser, devstore, retailer, so, locale, shots=False)
    _type_card(frame, stripe_flows.VISA)
    frame.locator("#card-pay").click()
    frame.locator("[data-paid]").wait_for(timeout=15000)
    drain()

    for name, path, ready in (
        ("list", "payments", "#payments-list table"),
        ("balances", "balances", f"[data-payment-figures='{supplier.id}']"),
        (
            "reconciliation",
            f"payments/suppliers/{supplier.id}/reconciliation",
            "#reconciliation",
        ),
    ):
        page, frame = _open(browser, devstore, retailer, locale, path)
        frame.locator(ready).wait_for(timeout=15000)
        _shot(page, f"{name}-{locale}")
        _fits(page)
        if name == "reconciliation":
            assert (
                frame.locator("[data-balanced=yes]")
                .inner_text()
                .startswith(WORDS[locale]["balanced"])
            )

    # Settings → Automatic payment: a card saved through the card field (confirmCardSetup).
    page, frame = _open(browser, devstore, retailer, locale, "settings")
    frame.locator("#automatic-payment-link a").click()
    frame.locator("[data-add-card]").click()
    frame.locator("#card-element input[placeholder=number]").wait_for(timeout=15000)
    _type_card(frame, stripe_flows.VISA)
    frame.locator("#card-save").click()
    frame.locator("[data-saved-method=card]").wait_for(timeout=15000)
    assert "4242" in frame.locator("[data-saved-method=card]").inner_text()
    _shot(page, f"methods-{locale}")
    _fits(page)

    page, frame = _open(browser, devstore, retailer, locale, f"suppliers/{supplier.id}")
    frame.locator("#payment-terms").wait_for(timeout=15000)
    frame.locator("#payment-setup-url").scroll_into_view_if_needed()
    _shot(page, f"terms-{locale}")
    _fits(page, allowed=("input.link-copy",))  # a long link scrolls inside its read-only box
    setup_url = frame.locator("#payment-setup-url").input_value()

    portal = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
    portal.goto(setup_url)
    portal.locator("#pay-by-card [data-stripe=connected]").wait_for(timeout=15000)
    ARTIFACTS.mkdir(exist_ok=True)
    portal.screenshot(path=str(ARTIFACTS / f"payments-portal-{locale}.png"), full_page=True)
    assert portal.evaluate(OVERFLOWS) == []
