"""Setting Relay up inside the admin iframe: the navigation, a supplier created through its form
(htmx swaps the errors in, then lands on the supplier's page), one-click SKU mapping, settings.
Screenshots of each page go to test-artifacts/."""

from decimal import Decimal

from sqlalchemy import select

from domain.models.orders import Supplier, VariantMapping
from domain.models.shop import Shop
from extensions import db
from tests.browser.support import ARTIFACTS, seed_orders
from tests.conftest import API_KEY


def shot(page, frame, name: str) -> None:
    frame.locator("body").evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_merchant_creates_a_supplier_and_maps_a_sku_inside_the_admin_iframe(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    seed_orders(devstore, installed_shop, drain, 12)
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    frame.locator("#orders-grid").wait_for(timeout=15000)

    # The app's pages are in the admin's sidebar (Relay's <ui-nav-menu>), as in Shopify.
    page.locator("#app-nav-menu").get_by_role("link", name="Suppliers").click()
    frame.locator("#suppliers-overview .empty-state").wait_for(timeout=10000)
    assert page.locator("#app-nav-menu a.active").inner_text() == "Suppliers"
    shot(page, frame, "suppliers-empty.png")

    frame.locator("#suppliers-overview").get_by_role("link", name="Add supplier").click()
    form = frame.locator("#supplier-form")
    form.wait_for(timeout=10000)
    form.get_by_label("Name").fill("Stoneware Studio")
    form.get_by_label("Currency").fill("XYZ")
    form.locator("label.choice", has_text="Website (non auto-order)").click()
    form.locator("label.choice", has_text="Automatically").first.click()  # place orders
    form.get_by_role("button", name="Add supplier").click()
    frame.locator("#f-currency-error").wait_for(timeout=10000)
    assert "ISO 4217" in frame.locator("#f-currency-error").inner_text()
    assert "cannot place" in frame.locator("#f-place_mode-error").inner_text()
    assert "need their website" in frame.locator("#f-website_url-error").inner_text()
    shot(page, frame, "supplier-form-errors.png")

    form = frame.locator("#supplier-form")
    form.get_by_label("Currency").fill("EUR")
    form.get_by_role("textbox", name="Website").fill("https://stoneware.example")
    form.locator("label.choice", has_text="Manually").first.click()
    form.get_by_role("button", name="Add supplier").click()
    frame.get_by_role("heading", name="Stoneware Studio").wait_for(timeout=10000)
    frame.locator(".banner.success", has_text="Supplier added").wait_for()
    db.session.expire_all()
    shop_id = db.session.scalar(select(Shop.id).where(Shop.domain == installed_shop))
    supplier = db.session.scalar(select(Supplier).where(Supplier.shop_id == shop_id))
    assert (supplier.name, supplier.channel, supplier.currency) == (
        "Stoneware Studio",
        "manual",
        "EUR",
    )
    assert "/suppliers/" in frame.locator("body").evaluate("() => location.pathname")

    # One click maps an SKU seen in the orders; the panel is swapped in place.
    frame.get_by_role("button", name="Map to Stoneware Studio").first.click()
    frame.locator("#sku-panel .banner.success").wait_for(timeout=10000)
    add_row = frame.locator("#mapping-new")
    add_row.get_by_label("SKU", exact=True).fill("MUG-STN-SPK-XL")
    add_row.get_by_label("Cost", exact=True).fill("6.40")
    add_row.get_by_role("button", name="Add SKU").click()
    frame.locator("#sku-panel .banner.success", has_text="MUG-STN-SPK-XL").wait_for(timeout=10000)
    db.session.expire_all()
    assert db.session.scalar(
        select(VariantMapping.cost).where(VariantMapping.sku == "MUG-STN-SPK-XL")
    ) == Decimal("6.40")
    shot(page, frame, "supplier-page.png")

    page.locator("#app-nav-menu").get_by_role("link", name="Suppliers").click()
    frame.locator("#suppliers-list table").wait_for(timeout=10000)
    shot(page, frame, "suppliers-list.png")

    page.locator("#app-nav-menu").get_by_role("link", name="Settings").click()
    settings = frame.locator("#settings-form")
    settings.wait_for(timeout=10000)
    settings.get_by_label("Hold window").fill("2000")
    settings.get_by_role("button", name="Save").click()
    frame.locator("#f-hold_minutes-error").wait_for(timeout=10000)
    shot(page, frame, "settings-errors.png")
    frame.locator("#settings-form").get_by_label("Hold window").fill("5")
    frame.locator("#settings-form").get_by_role("button", name="Save").click()
    frame.locator("#settings-form .banner.success").wait_for(timeout=10000)
    shot(page, frame, "settings.png")
