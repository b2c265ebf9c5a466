"""The supplier page's payment terms and shipping prices inside the admin iframe, in English,
French and Hungarian: a rate added through the editor (its error swapped in first), the terms
saved, nothing overflowing. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.models.orders import Supplier
from domain.models.payments import ShippingRate
from domain.models.shop import Shop
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_languages_ui import OVERFLOWS
from tests.conftest import API_KEY


@pytest.mark.parametrize(
    ("locale", "saved", "add"),
    [
        ("en", "Payment terms saved.", "Add rate"),
        ("fr", "Conditions de paiement enregistrées.", "Ajouter le tarif"),
        ("hu", "Fizetési feltételek mentve.", "Díj hozzáadása"),
    ],
)
def test_payment_terms_and_shipping_prices_on_the_supplier_page(
    ctx, browser, devstore, relay_server, installed_shop, locale, saved, add
):
    shop_id = db.session.scalar(select(Shop.id).where(Shop.domain == installed_shop))
    supplier = Supplier(
        shop_id=shop_id, name="Mug Co", channel="portal", currency="EUR",
        contact_email="orders@mug.example", vat_rate=Decimal("27"), vat_applies=True,
    )  # fmt: skip
    db.session.add(supplier)
    db.session.flush()
    db.session.add(
        ShippingRate(
            shop_id=shop_id, supplier_id=supplier.id, zone="Europe", countries=["DE", "FR", "HU"],
            method="Standard", per_order=Decimal("4.50"), per_extra_item=Decimal("1.00"),
            delivery_days="3–5", position=1,
        )
    )  # fmt: skip
    db.session.commit()
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    admin = f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}?locale={locale}"
    page.goto(f"{admin}&path=suppliers/{supplier.id}")
    frame = page.frame_locator("#app-iframe")
    frame.locator("#shipping-rates").wait_for(timeout=15000)

    form = frame.locator("#rate-form-new")
    form.locator("[name=zone]").fill("World")
    form.locator("[name=method]").fill("Post")
    form.locator("[name=per_order]").fill("-2")
    form.get_by_role("button", name=add).click()
    frame.locator("#f-per_order-error").wait_for(timeout=10000)
    frame.locator("#rate-form-new [name=per_order]").fill("9.90")
    frame.locator("#rate-form-new").get_by_role("button", name=add).click()
    frame.locator("#shipping-rates .rate-notice").wait_for(timeout=10000)
    assert frame.locator("#shipping-rates .rate-row:not(.head)").count() == 2

    terms = frame.locator("#payment-terms")
    terms.locator("[name=accepts_paypal]").check()
    terms.locator("[name=paypal_email]").fill("pay@mug.example")
    terms.get_by_role("button").click()
    frame.locator("#payment-terms .banner.success", has_text=saved).wait_for(timeout=10000)
    db.session.expire_all()
    assert db.session.get(Supplier, supplier.id).paypal_email == "pay@mug.example"
    frame.locator("#supplier-payments").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"supplier-payments-{locale}.png"), full_page=True)
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []

    # Editing a rate swaps its row for the form, prices as typed in the currency.
    frame.locator("#shipping-rates .rate-row:not(.head) .actions a").first.click()
    edit = frame.locator("#shipping-rates .rate-edit form")
    edit.wait_for(timeout=10000)
    assert edit.locator("[name=per_order]").input_value() == "4.50"
    edit.locator("[name=countries]").fill("DE, FR, QQ")
    edit.locator("button[type=submit]").click()
    frame.locator("#shipping-rates .rate-edit #f-countries-error").wait_for(timeout=10000)
    frame.locator("#supplier-payments").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"supplier-shipping-edit-{locale}.png"), full_page=True)
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []
