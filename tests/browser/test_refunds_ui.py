"""In the browser, inside the admin iframe: the merchant opens the refund form in the drawer,
the total follows what they type, an over-refund comes back inline with its error, a corrected
partial refund reaches the store; then the supplier balances page shows what is owed."""

from decimal import Decimal

from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_refunds import (
    LAMP,
    MUG,
    devstore_order,
    line_of,
    paid_two_supplier_order,
)


def test_partial_refund_in_the_drawer_with_an_inline_error_then_balances(
    ctx,
    browser,
    devstore,
    relay_server,
    installed_shop,
    drain,
):
    shop = installed_shop
    order = paid_two_supplier_order(devstore, shop, drain)
    mug, lamp = line_of(order, MUG), line_of(order, LAMP)

    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.goto(f"{devstore.url}/store/{shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    frame.locator(f"#order-row-{order.id} a.order-link").click()
    drawer = frame.locator("#order-drawer")
    drawer.locator("#refund-panel").get_by_role("link", name="Refund").click()
    form = drawer.locator("#refund-form")
    form.wait_for(timeout=10000)

    form.locator(f'input[name="qty-{mug.id}"]').fill("1")
    total = form.locator("[data-refund-total]")
    assert total.inner_text() == "$20.00", "a quantity prefills its amount; the total follows"
    form.locator(f'input[name="amount-{lamp.id}"]').fill("60")  # more than the lamp's 55.00
    form.locator(f'input[name="restock-{mug.id}"]').fill("2")  # more than refunded
    form.locator('textarea[name="reason"]').fill("One mug arrived chipped")
    assert total.inner_text() == "$80.00"
    form.get_by_role("button", name="Refund").click()
    form.locator(".field-error").first.wait_for(timeout=10000)
    assert "at most $55.00 can still be refunded" in form.inner_text()
    assert "restock at most the 1 refunded" in form.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    drawer.screenshot(path=str(ARTIFACTS / "refund-form-error.png"))
    assert devstore_order(devstore, shop, order)["refunds"] == []

    form.locator(f'input[name="amount-{lamp.id}"]').fill("10")
    form.locator(f'input[name="restock-{mug.id}"]').fill("1")
    form.get_by_role("button", name="Refund").click()
    drawer.locator(".refund-history").wait_for(timeout=10000)
    assert "One mug arrived chipped" in drawer.inner_text()
    drawer.screenshot(path=str(ARTIFACTS / "refund-history.png"))
    assert Decimal(devstore_order(devstore, shop, order)["total_refunded"]) == Decimal("30.00")

    page.locator("#app-nav-menu").get_by_role("link", name="Balances").click()
    balances = frame.locator("#supplier-balances")
    balances.wait_for(timeout=10000)
    assert "Lamp Works" in balances.inner_text() and "Mug Makers" in balances.inner_text()
    page.screenshot(path=str(ARTIFACTS / "supplier-balances.png"), full_page=True)
