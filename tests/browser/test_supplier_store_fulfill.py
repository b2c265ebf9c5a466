"""In the browser, as the supplier's staff: the order Relay placed in the supplier's store is
found in the store admin's order list, fulfilled with "Fulfill items" in two parcels (some
units now, the rest later) by clicking and typing, and each parcel's tracking shows on the
retailer's order in the retailer's store. Relay inside the supplier's store says whose order
it is."""

import re

from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_fulfillment import devstore_order, refreshed, shop_row
from tests.integration.test_supplier_store_admin import _forwarded
from tests.integration.test_webhooks import wait_for


def _fulfill(page, in_store, quantity: str, number: str, carrier: str) -> None:
    page.get_by_role("link", name="Fulfill items").click()
    form = page.locator("#fulfill-form")
    form.wait_for(timeout=10000)
    (line,) = in_store["fulfillment_orders"][0]["line_items"]
    form.locator(f"#quantity-{line['id']}").fill(quantity)
    form.get_by_label("Tracking number").fill(number)
    form.get_by_label("Shipping carrier").fill(carrier)
    form.get_by_role("button", name="Fulfill items").click()
    page.locator(".flash").wait_for(timeout=10000)


def test_supplier_fulfills_by_clicking_and_the_retailer_gets_the_tracking(
    ctx, browser, devstore, relay_server, make_shop, oauth_install, installed_shop, drain
):
    retailer = installed_shop
    devstore.control.post(
        f"/_devstore/shops/{retailer}/stock", json={"client_id": API_KEY, "skus": ["MUG-STN-SPK"]}
    ).raise_for_status()
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    placed, supplier_order, in_store = _forwarded(devstore, retailer, supplier_domain, drain)
    retailer_name = shop_row(retailer).name or retailer

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{supplier_domain}/admin")
    page.locator("#orders").get_by_role("link", name=in_store["name"]).click()
    page.locator("#order-po").wait_for(timeout=10000)
    assert f"{retailer_name} {placed['name']}" in page.locator("#order-po").inner_text()
    assert "None" not in page.locator("#order-customer").inner_text()

    _fulfill(page, in_store, "1", "LX100", "La Poste")
    assert page.locator(".flash").inner_text() == "Fulfilled 1 item"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supplier-store-first-parcel.png"), full_page=True)
    _fulfill(page, in_store, "1", "LX200", "La Poste")
    assert page.locator(".flash").inner_text() == "Fulfilled 1 item"
    assert page.get_by_role("link", name="Fulfill items").count() == 0, "nothing left"

    def both_parcels_in_retailer_store():
        drain()
        return len(devstore_order(devstore, retailer, placed["id"])["fulfillments"]) == 2

    wait_for(both_parcels_in_retailer_store, timeout=20)
    page.goto(f"{devstore.url}/store/{retailer}/admin")
    page.locator("#orders").get_by_role("link", name=placed["name"]).click()
    fulfillments = page.locator("#fulfillments")
    fulfillments.get_by_text("LX200").wait_for(timeout=10000)
    text = fulfillments.inner_text()
    assert "La Poste LX100" in text and "La Poste LX200" in text
    page.screenshot(path=str(ARTIFACTS / "retailer-store-tracking.png"), full_page=True)
    assert refreshed(supplier_order).status == "shipped"

    # Relay inside the supplier's store: the retailer's order, shipped by the store itself.
    page.goto(f"{devstore.url}/store/{supplier_domain}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    badge = frame.locator("[data-from-retailer]").first
    badge.wait_for(timeout=15000)
    assert re.fullmatch(rf"Order {re.escape(placed['name'])} from .+", badge.inner_text())
    rows = frame.locator('tr[id^="order-row-"]')
    assert rows.count() == 1 and rows.filter(has_text="No supplier").count() == 0
    assert "Shipped by the store" in rows.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "supplier-store-relay-grid.png"))
