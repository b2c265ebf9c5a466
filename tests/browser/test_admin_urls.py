"""Shareable URLs inside devstore's admin, as App Bridge gives them in Shopify's: the admin's
address bar follows the app's path and query, a reload of it restores the app's filters, and
a deep link (sub-path or ?path=) opens the app there."""

from urllib.parse import parse_qs, quote, urlsplit

from tests.browser.support import seed_orders
from tests.conftest import API_KEY


def admin_query(page) -> dict:
    return {k: v for k, v in parse_qs(urlsplit(page.url).query).items()}


def filters(frame) -> dict:
    return {
        name: frame.locator(f"#grid-filters select[name={name}]").input_value()
        for name in ("supplier", "status")
    }


def test_grid_filters_follow_into_the_admin_url_and_survive_a_reload(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    seed_orders(devstore, installed_shop, drain, 3)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    base = f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}"
    page.goto(base)
    frame = page.frame_locator("#app-iframe")
    frame.locator("#orders-grid table").wait_for(timeout=15000)
    page.wait_for_url(f"{base}/orders*", timeout=10000)
    assert "id_token" not in page.url and "hmac" not in page.url, page.url

    frame.locator("#grid-filters select[name=supplier]").select_option("unassigned")
    page.wait_for_url("**supplier=unassigned**", timeout=10000)
    frame.locator("#grid-filters select[name=status]").select_option("requested")
    page.wait_for_url("**status=requested**", timeout=10000)
    assert urlsplit(page.url).path == urlsplit(f"{base}/orders").path
    query = admin_query(page)
    assert query["supplier"] == ["unassigned"] and query["status"] == ["requested"], page.url
    assert not {"embedded", "host", "shop", "id_token", "hmac", "session"} & set(query), page.url

    page.reload()
    frame.locator("#orders-grid").wait_for(timeout=15000)
    assert filters(frame) == {"supplier": "unassigned", "status": "requested"}
    assert admin_query(page)["status"] == ["requested"], "the admin URL stays shareable"


def test_deep_links_open_the_app_at_that_path_with_that_query(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    seed_orders(devstore, installed_shop, drain, 3)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    admin = f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}"
    frame = page.frame_locator("#app-iframe")
    for link in (
        f"{admin}/orders?supplier=unassigned&status=requested",
        f"{admin}?path={quote('orders?supplier=unassigned&status=requested', safe='')}",
    ):
        page.goto(link)
        frame.locator("#orders-grid").wait_for(timeout=15000)
        assert filters(frame) == {"supplier": "unassigned", "status": "requested"}, link
        src = page.locator("#app-iframe").get_attribute("src")
        assert src.count("?") == 1, src
        page.wait_for_url(f"{admin}/orders?supplier=unassigned&status=requested", timeout=10000)
