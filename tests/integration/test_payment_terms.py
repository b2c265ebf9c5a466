"""A supplier's payment terms and shipping prices, edited on the supplier's page over HTTP (htmx
and plain posts): what is saved, each bad field refused beside its field with nothing saved,
what a manual supplier or an unconnected Stripe account offers, and the shipping editor's add,
edit and remove."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.models.orders import Supplier
from domain.models.payments import ShippingRate
from domain.payments import terms
from extensions import db
from tests.integration.merchant_pages import Merchant


@pytest.fixture
def merchant(ctx, relay_server, installed_shop, id_token):
    return Merchant(relay_server.url, installed_shop, id_token)


def make_supplier(merchant, name="Mug Co", **fields) -> int:
    values = {"channel": "portal", "currency": "EUR", "contact_email": "o@mug.example"}
    supplier = Supplier(shop_id=merchant.shop.id, name=name, **{**values, **fields})
    db.session.add(supplier)
    db.session.commit()
    return supplier.id


def fresh(supplier_id: int) -> Supplier:
    db.session.expire_all()
    return db.session.get(Supplier, supplier_id)


def rates(supplier_id: int) -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(ShippingRate)
        .where(ShippingRate.supplier_id == supplier_id)
        .order_by(ShippingRate.id)
    )
    return [(r.zone, r.countries, r.method, r.per_order, r.per_extra_item) for r in rows]


TERMS = {
    "vat_rate": "20",
    "vat_applies": "on",
    "refunds_taken_back": "on",
    "accepts_paypal": "on",
    "paypal_email": "Pay@Mug.example",
}


def test_the_supplier_page_shows_the_terms_and_an_empty_shipping_editor(merchant):
    supplier_id = make_supplier(merchant)
    page = merchant.get(f"/suppliers/{supplier_id}")
    assert page.status_code == 200
    assert 'id="payment-terms"' in page.text and 'id="shipping-rates"' in page.text
    assert "Not connected — the supplier connects Stripe from its payment setup link" in page.text
    assert "No shipping prices yet" in page.text


def test_valid_terms_are_saved_and_saving_them_twice_changes_nothing(merchant):
    supplier_id = make_supplier(merchant)
    first = merchant.post(f"/suppliers/{supplier_id}/payment-terms", TERMS)
    assert first.status_code == 200
    assert first.text.lstrip().startswith('<section class="card" id="payment-terms"')
    assert "Payment terms saved." in first.text
    supplier = fresh(supplier_id)
    assert supplier.vat_rate == Decimal("20.00") and supplier.vat_applies
    assert supplier.refunds_taken_back and supplier.accepts_paypal
    assert supplier.paypal_email == "pay@mug.example" and not supplier.accepts_card
    assert terms.methods_available(supplier) == ["paypal"]
    assert terms.why_not_payable(supplier) is None

    again = merchant.post(f"/suppliers/{supplier_id}/payment-terms", TERMS, htmx=False)
    assert again.status_code == 200 and "<html" in again.text.lower()
    assert fresh(supplier_id).paypal_email == "pay@mug.example"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"vat_rate": "101"}, "vat_rate", "between 0 and 100."),
        ({"vat_rate": "-1"}, "vat_rate", "between 0 and 100."),
        ({"vat_rate": "12.345"}, "vat_rate", "at most two decimals"),
        ({"vat_rate": "twenty"}, "vat_rate", "as a percentage"),
        ({"vat_rate": ""}, "vat_rate", "Enter the VAT rate"),
        ({"paypal_email": "not-an-email"}, "paypal_email", "Enter an email address"),
        ({"paypal_email": ""}, "paypal_email", "PayPal email address"),
        ({"accepts_card": "on"}, "accepts_card", "Stripe account, which is not connected"),
    ],
)
def test_each_bad_terms_field_is_refused_beside_it_and_nothing_is_saved(
    merchant, overrides, field, message
):
    supplier_id = make_supplier(merchant)
    form = {**TERMS, **overrides}
    response = merchant.post(f"/suppliers/{supplier_id}/payment-terms", form)
    assert response.status_code == 200  # htmx swaps only 2xx: the card again, with the error
    assert response.text.lstrip().startswith('<section class="card" id="payment-terms"')
    assert f'id="f-{field}-error"' in response.text and message in response.text
    plain = merchant.post(f"/suppliers/{supplier_id}/payment-terms", form, htmx=False)
    assert plain.status_code == 422 and message in plain.text
    supplier = fresh(supplier_id)
    assert supplier.vat_rate is None and not supplier.accepts_paypal and not supplier.vat_applies


def test_card_is_offered_once_the_suppliers_stripe_account_can_take_charges(merchant):
    supplier_id = make_supplier(merchant, stripe_account_id="acct_123", stripe_charges_enabled=True)
    page = merchant.get(f"/suppliers/{supplier_id}")
    assert "Not connected" not in page.text and "acct_123" in page.text
    saved = merchant.post(f"/suppliers/{supplier_id}/payment-terms", {"accepts_card": "on"})
    assert "Payment terms saved." in saved.text
    supplier = fresh(supplier_id)
    assert supplier.accepts_card and terms.methods_available(supplier) == ["card"]
    supplier.stripe_charges_enabled = False  # Stripe disabled its charges meanwhile
    db.session.commit()
    assert terms.methods_available(fresh(supplier_id)) == []
    assert "not connected" in terms.why_not_payable(fresh(supplier_id))


def test_a_manual_supplier_is_paid_on_its_website_and_offers_no_method(merchant):
    supplier_id = make_supplier(
        merchant, name="Web Co", channel="manual", website_url="https://web.example"
    )
    page = merchant.get(f"/suppliers/{supplier_id}")
    assert "you pay it on its own website" in page.text
    assert 'name="accepts_card"' not in page.text and 'name="accepts_paypal"' not in page.text
    refused = merchant.post(
        f"/suppliers/{supplier_id}/payment-terms", {"accepts_paypal": "on", "vat_rate": "5"}
    )
    assert 'id="f-methods-error"' in refused.text
    supplier = fresh(supplier_id)
    assert not supplier.accepts_paypal and supplier.vat_rate is None
    assert terms.methods_available(supplier) == []
    assert "non auto-order" in terms.why_not_payable(supplier)
    assert (
        merchant.post(f"/suppliers/{supplier_id}/payment-terms", {"vat_rate": "5"}).status_code
        == 200
    )
    assert fresh(supplier_id).vat_rate == Decimal("5.00")


RATE = {
    "zone": "Europe",
    "countries": "de, fr",
    "method": "Standard",
    "per_order": "4.50",
    "per_extra_item": "1",
    "delivery_days": "3–5",
}


def test_shipping_rates_are_added_edited_and_removed_over_htmx(merchant):
    supplier_id = make_supplier(merchant)
    added = merchant.post(f"/suppliers/{supplier_id}/shipping-rates", RATE)
    assert added.status_code == 200
    assert added.text.lstrip().startswith('<section class="card flush" id="shipping-rates"')
    assert "Added Standard to Europe." in added.text
    assert rates(supplier_id) == [
        ("Europe", ["DE", "FR"], "Standard", Decimal("4.500"), Decimal("1.000"))
    ]
    (rate_id,) = [r.id for r in db.session.scalars(select(ShippingRate))]

    form = merchant.get(f"/suppliers/{supplier_id}/shipping-rates", htmx=True, edit_rate=rate_id)
    assert f'id="rate-form-{rate_id}"' in form.text and 'value="DE, FR"' in form.text
    assert 'value="4.50"' in form.text and 'value="1.00"' in form.text

    edited = merchant.post(
        f"/suppliers/{supplier_id}/shipping-rates/{rate_id}", {**RATE, "per_order": "5"}
    )
    assert "Saved Standard for Europe." in edited.text
    assert rates(supplier_id)[0][3] == Decimal("5.000")

    removed = merchant.post(f"/suppliers/{supplier_id}/shipping-rates/{rate_id}/delete")
    assert "Removed Standard from Europe." in removed.text and rates(supplier_id) == []
    again = merchant.post(f"/suppliers/{supplier_id}/shipping-rates/{rate_id}/delete")
    assert again.status_code == 404


def test_shipping_rates_work_as_plain_form_posts_too(merchant):
    supplier_id = make_supplier(merchant)
    added = merchant.post(f"/suppliers/{supplier_id}/shipping-rates", RATE, htmx=False)
    assert added.status_code == 200 and "<html" in added.text.lower()
    assert "Added Standard to Europe." in added.text
    world = {**RATE, "zone": "Rest of the world", "countries": "", "per_order": "9"}
    merchant.post(f"/suppliers/{supplier_id}/shipping-rates", world, htmx=False)
    page = merchant.get(f"/suppliers/{supplier_id}")
    assert "Rest of the world" in page.text and "Germany" in page.text  # the code's title
    bad = merchant.post(
        f"/suppliers/{supplier_id}/shipping-rates",
        {**RATE, "method": "Express", "per_order": "-1"},
        htmx=False,
    )
    assert bad.status_code == 422 and "cannot be negative" in bad.text
    assert len(rates(supplier_id)) == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"per_order": "-1"}, "per_order", "cannot be negative"),
        ({"per_order": ""}, "per_order", "price per order"),
        ({"per_order": "4.555"}, "per_order", "at most two decimals"),
        ({"per_extra_item": "abc"}, "per_extra_item", "Enter an amount"),
        ({"countries": "DE, XX, Germany"}, "countries", "Not a country code: GERMANY, XX"),
        ({"method": " "}, "method", "Method is required"),
        ({"zone": ""}, "zone", "Zone is required"),
        ({"zone": "europe", "method": "STANDARD"}, "method", "already has a method"),
        ({"zone": "Germany", "countries": "DE"}, "countries", "Already in zone Europe: DE"),
        ({"zone": "World", "countries": ""}, "countries", "already covers the rest of the world"),
    ],
)
def test_each_bad_shipping_rate_is_refused_beside_its_field_and_nothing_changes(
    merchant, overrides, field, message
):
    supplier_id = make_supplier(merchant)
    merchant.post(f"/suppliers/{supplier_id}/shipping-rates", RATE)
    world = {**RATE, "zone": "Rest of the world", "countries": "", "method": "Post"}
    merchant.post(f"/suppliers/{supplier_id}/shipping-rates", world)
    before = rates(supplier_id)
    response = merchant.post(f"/suppliers/{supplier_id}/shipping-rates", {**RATE, **overrides})
    assert response.status_code == 200
    assert f'id="f-{field}-error"' in response.text and message in response.text
    assert rates(supplier_id) == before and len(before) == 2


def test_yen_prices_take_no_decimals_and_a_zones_countries_are_shared(merchant):
    supplier_id = make_supplier(merchant, currency="JPY")
    refused = merchant.post(
        f"/suppliers/{supplier_id}/shipping-rates", {**RATE, "per_order": "450.5"}
    )
    assert "JPY amounts have no decimals" in refused.text and rates(supplier_id) == []
    merchant.post(f"/suppliers/{supplier_id}/shipping-rates", {**RATE, "per_order": "450"})
    merchant.post(
        f"/suppliers/{supplier_id}/shipping-rates",
        {**RATE, "countries": "DE FR AT", "method": "Express", "per_order": "900"},
    )
    assert [r[1] for r in rates(supplier_id)] == [["AT", "DE", "FR"], ["AT", "DE", "FR"]]


def test_another_shops_supplier_has_no_terms_or_rates_here(
    merchant, relay_server, make_shop, oauth_install, id_token
):
    other_domain = make_shop("other")
    oauth_install(other_domain)
    theirs = make_supplier(Merchant(relay_server.url, other_domain, id_token), name="Theirs")
    assert merchant.post(f"/suppliers/{theirs}/payment-terms", TERMS).status_code == 404
    assert merchant.post(f"/suppliers/{theirs}/shipping-rates", RATE).status_code == 404
    assert fresh(theirs).vat_rate is None and rates(theirs) == []
