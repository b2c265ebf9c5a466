"""The real thing in a browser: devstore's admin frames Relay, App Bridge mints ID tokens,
and an htmx request inside the iframe is authenticated with one."""

from tests.browser.support import ARTIFACTS, seed_orders
from tests.conftest import API_KEY


def test_embedded_app_loads_in_the_admin_iframe_with_a_valid_id_token(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    seed_orders(devstore, installed_shop, drain, 12)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    authorizations = []
    page.on(
        "request",
        lambda r: (
            authorizations.append(r.headers.get("authorization"))
            if r.url.startswith(f"{relay_server.url}/orders?")
            else None
        ),
    )
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    frame.locator("#orders-grid table").wait_for(timeout=15000)
    assert frame.locator("#orders-grid tbody tr").count() == 12
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "orders-grid.png"))

    frame.locator("#grid-search").fill("no-such-order-zzz")
    frame.locator("#orders-grid .empty-state").wait_for(timeout=10000)
    assert authorizations and authorizations[-1].startswith("Bearer ey"), authorizations
    frame.locator("#grid-search").fill("")
    frame.locator("#orders-grid tbody tr").first.wait_for(timeout=10000)
    frame.locator("#orders-grid tbody tr").first.click()
    frame.locator("#order-drawer .timeline li").first.wait_for(timeout=10000)
    page.screenshot(path=str(ARTIFACTS / "order-drawer.png"))
