"""App Bridge's own pieces in devstore's admin, drawn outside the app's iframe as Shopify's
admin draws them: the app's <ui-nav-menu> pages in the admin's sidebar (and not repeated in
the app) and shopify.toast.show toasts."""

from tests.browser.support import seed_orders
from tests.conftest import API_KEY


def test_relay_pages_are_in_the_admin_sidebar_and_open_the_app_there(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    seed_orders(devstore, installed_shop, drain, 2)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    admin = f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}"
    page.goto(admin)
    frame = page.frame_locator("#app-iframe")
    frame.locator("#orders-grid").wait_for(timeout=15000)
    sidebar = page.locator("#app-nav-menu")
    sidebar.get_by_role("link", name="Jobs").wait_for(timeout=10000)
    labels = sidebar.locator("#app-nav-items a").all_inner_texts()
    assert labels == ["Orders", "Suppliers", "Payments", "Balances", "Settings", "Jobs"]
    assert sidebar.locator("a[aria-current=page]").inner_text() == "Orders"
    assert not frame.locator("#app-nav .app-nav-link").first.is_visible(), "not drawn twice"

    sidebar.get_by_role("link", name="Suppliers").click()
    frame.locator("#suppliers-overview").wait_for(timeout=10000)
    page.wait_for_url(f"{admin}/suppliers*", timeout=10000)
    assert sidebar.locator("a[aria-current=page]").inner_text() == "Suppliers"
    assert "id_token" not in page.url


def test_toasts_are_drawn_by_the_admin_outside_the_iframe(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    seed_orders(devstore, installed_shop, drain, 1)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    app = page.frame(name="app-iframe")
    page.frame_locator("#app-iframe").locator("#orders-grid").wait_for(timeout=15000)
    toast_id = app.evaluate("shopify.toast.show('Could not save', {isError: true})")
    toast = page.locator("#toast[role=status]")
    toast.wait_for(state="visible", timeout=5000)
    assert toast.inner_text() == "Could not save" and toast.get_attribute("data-error") == "1"
    app.evaluate(f"shopify.toast.hide({toast_id!r})")
    toast.wait_for(state="hidden", timeout=5000)
    # Relay's own toasts (HX-Trigger relay:toast) go through the same API.
    app.evaluate(
        "document.body.dispatchEvent(new CustomEvent('relay:toast', {detail: {message: 'Done'}}))"
    )
    toast.wait_for(state="visible", timeout=5000)
    assert toast.inner_text() == "Done" and toast.get_attribute("data-error") == ""
