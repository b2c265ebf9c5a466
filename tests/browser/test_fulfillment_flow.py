"""In the browser, inside the admin iframe: the merchant requests fulfillment from a grid row
(the row and the dashboard strip change with it), then types a manual supplier's tracking in
the drawer, and the parcel reaches the store."""

from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_fulfillment import (
    add_supplier,
    devstore_order,
    place_order,
    refreshed,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_webhooks import wait_for


def test_merchant_requests_fulfillment_and_enters_tracking_in_the_iframe(
    ctx,
    browser,
    devstore,
    relay_server,
    installed_shop,
    drain,
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="manual", website_url="https://supplier.example")
    placed = place_order(devstore, installed_shop)
    so = supplier_order_of(installed_shop, placed, drain)

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    row = frame.locator(f"#order-row-{so.order_id}")
    row.get_by_role("button", name="Request fulfillment").click()
    row.locator('[data-status="scheduled"]').wait_for(timeout=10000)
    strip = frame.locator("#orders-dashboard")
    strip.locator('li[data-status="scheduled"] strong').wait_for(timeout=10000)
    assert strip.locator('li[data-status="scheduled"] strong').inner_text() == "1"
    assert strip.locator('li[data-status="ready"]').count() == 0, "the strip moved with the row"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "grid-after-request.png"))

    wait_for(lambda: drain() or refreshed(so).status == "requested", timeout=15)
    frame.locator(f"#order-row-{so.order_id} a.order-link").click()
    drawer = frame.locator("#order-drawer")
    drawer.get_by_role("button", name="Mark as ordered").click()
    drawer.locator(".notice.success").wait_for(timeout=10000)
    drawer.locator('input[name="tracking_number"]').fill("1Z999AA10123456784")
    drawer.locator('input[name="carrier"]').fill("UPS")
    drawer.locator('input[name="tracking_url"]').fill(
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )
    drawer.get_by_role("button", name="Save tracking and notify the customer").click()
    drawer.locator(".parcel").wait_for(timeout=10000)
    wait_for(
        lambda: drain() or devstore_order(devstore, installed_shop, placed["id"])["fulfillments"],
        15,
    )
    page.keyboard.press("Escape")  # the drawer is modal: close it to reach the grid again
    frame.locator(f"#order-row-{so.order_id} a.order-link").click()
    drawer.locator(".parcel .badge.success").wait_for(timeout=10000)
    page.screenshot(path=str(ARTIFACTS / "drawer-manual-supplier.png"))
    (fulfillment,) = devstore_order(devstore, installed_shop, placed["id"])["fulfillments"]
    assert fulfillment["tracking"]["number"] == "1Z999AA10123456784"
