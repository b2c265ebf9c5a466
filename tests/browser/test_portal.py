"""A supplier works its orders in the portal with a real browser: accepts a new order, gets an
inline error for a bad tracking URL (htmx swaps the form back), ships a parcel, and the
fulfillment with tracking lands in devstore. Screenshots of every portal page, the packing
slip (screen and print) and the merchant's link card go to test-artifacts/."""

import pytest

from domain.fulfillment import shipments
from domain.suppliers import portal
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_portal import (
    MUG,
    PILLOW,
    add_portal_supplier,
    devstore_order,
    line_ids,
    refreshed,
    sent_to_supplier,
)


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/stock",
        json={"client_id": API_KEY, "skus": [MUG, PILLOW]},
    ).raise_for_status()
    return installed_shop


def test_a_supplier_accepts_and_ships_a_parcel_through_the_portal_form(
    ctx, browser, devstore, relay_server, retailer, drain
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG, PILLOW))
    # A realistic list: one shipped, one half shipped, one new.
    shipped = sent_to_supplier(devstore, retailer, {MUG: 1}, drain)
    shipments.record_shipment(shipped, shipments.Tracking("tracked", "LX1", "La Poste", None))
    db.session.commit()  # never hold a write open while Relay takes webhooks (SQLite: locked)
    half = sent_to_supplier(devstore, retailer, {MUG: 2, PILLOW: 1}, drain)
    shipments.record_shipment(
        half,
        shipments.Tracking("tracked", "1Z1", "UPS", "https://www.ups.com/track?tracknum=1Z1"),
        quantities={line_ids(half)[PILLOW]: 1},
    )
    db.session.commit()
    new = sent_to_supplier(devstore, retailer, {MUG: 2, PILLOW: 1}, drain)
    drain()
    base = f"{relay_server.url}/portal/{portal.link_token(supplier)}"
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    page.goto(base + "/")
    page.locator("#orders-list tbody tr").first.wait_for(timeout=10000)
    assert page.locator("#orders-list tbody tr").count() == 3
    first_row = page.locator("#orders-list tbody tr").first
    assert first_row.get_attribute("data-supplier-order") == str(new.id), "new requests first"
    page.screenshot(path=str(ARTIFACTS / "portal-orders.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "portal-orders-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    first_row.get_by_role("link", name="Review").click()
    page.locator("#answer").wait_for(timeout=10000)
    page.screenshot(path=str(ARTIFACTS / "portal-order-new.png"), full_page=True)
    page.locator("#accept-button").click()
    page.get_by_text("Order accepted.").wait_for(timeout=10000)
    assert refreshed(new.id).status == "in_progress"

    form = page.locator("#ship-form")
    form.locator(f"input[name=qty-{line_ids(new)[PILLOW]}]").fill("0")
    form.locator("input[name=tracking_number]").fill("CP123456789FR")
    form.locator("input[name=carrier]").fill("Colissimo")
    form.locator("input[name=tracking_url]").fill("ftp://colissimo.example/CP123456789FR")
    url_before = page.url
    form.locator("#ship-button").click()
    page.locator("#ship-form .field-error").wait_for(timeout=10000)
    assert "must be a web address starting with http" in page.locator("#ship-form").inner_text()
    assert page.url == url_before, "htmx swapped the form in place"
    assert page.locator("#ship-form input[name=tracking_number]").input_value() == "CP123456789FR"
    page.locator("#ship-form").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "portal-ship-error.png"), full_page=True)
    assert refreshed(new.id).parcels == []

    page.locator("#ship-form input[name=tracking_url]").fill(
        "https://www.laposte.fr/outils/suivre-vos-envois?code=CP123456789FR"
    )
    page.locator("#ship-button").click()
    page.get_by_text("Parcel recorded.").wait_for(timeout=10000)
    drain()
    supplier_order = refreshed(new.id)
    assert supplier_order.status == "partially_shipped"
    (fulfillment,) = devstore_order(devstore, retailer, supplier_order)["fulfillments"]
    assert fulfillment["tracking"]["number"] == "CP123456789FR"
    assert fulfillment["tracking"]["url"].startswith("https://www.laposte.fr/")
    page.reload()
    page.locator("#parcels .badge.success").wait_for(timeout=10000)
    page.screenshot(path=str(ARTIFACTS / "portal-order-shipped.png"), full_page=True)

    # The rest leaves without tracking: the warning is in plain sight when it is chosen.
    page.locator("#ship-form input[value=untracked]").check()
    assert page.locator("#ship-form .tracking-fields").is_hidden()
    page.locator("#ship-form label.untracked").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "portal-ship-untracked.png"))

    with page.expect_popup() as popup:
        page.get_by_role("link", name="Print packing slip").click()
    slip = popup.value
    slip.locator("#packing-slip").wait_for(timeout=10000)
    slip.screenshot(path=str(ARTIFACTS / "packing-slip.png"), full_page=True)
    slip.emulate_media(media="print")
    slip.screenshot(path=str(ARTIFACTS / "packing-slip-print.png"), full_page=True)

    page.goto(f"{relay_server.url}/portal/not-a-real-link/")
    page.screenshot(path=str(ARTIFACTS / "portal-bad-link.png"))


def test_the_merchant_sees_the_portal_link_card_in_the_admin(
    ctx, browser, devstore, relay_server, retailer
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{retailer}/admin/apps/{API_KEY}?path=/suppliers/{supplier.id}")
    frame = page.frame_locator("#app-iframe")
    card = frame.locator("#portal-link")
    card.wait_for(timeout=15000)
    link = card.locator("#portal-link-url").input_value()
    card.locator("summary").click()
    page.screenshot(path=str(ARTIFACTS / "supplier-portal-link.png"))
    card.locator("#revoke-portal-links").click()
    frame.get_by_text("Every earlier link stopped working.").wait_for(timeout=10000)
    assert frame.locator("#portal-link-url").input_value() != link
    page.screenshot(path=str(ARTIFACTS / "supplier-portal-link-revoked.png"))
