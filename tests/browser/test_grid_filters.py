"""In the browser: a status chosen on the dashboard strip filters the grid, keeps the supplier
chosen in the form since the page loaded, and shows in the filter form's status select (htmx's
out-of-band swap); sorting by Total and then typing a search keeps the supplier, the status
and the sort."""

from tests.conftest import API_KEY
from tests.integration.test_grid import add_suppliers, place_orders


def test_strip_status_shows_in_the_select_and_a_search_keeps_it_and_the_sort(
    ctx, browser, devstore, relay_server, make_shop, oauth_install, drain
):
    shop = make_shop("gridui")
    oauth_install(shop)
    suppliers = add_suppliers(shop)
    place_orders(devstore, drain, shop, 5)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{devstore.url}/store/{shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    app_frame = page.locator("#app-iframe").element_handle().content_frame()
    supplier = suppliers["Mug Co"].id
    frame.locator('#grid-filters select[name="supplier"]').select_option(value=str(supplier))
    app_frame.wait_for_function("() => location.search.includes('supplier=')", timeout=10000)
    frame.locator('#orders-dashboard li[data-status="ready"] a').click()
    status = frame.locator("#grid-status")
    status.locator('option[value="ready"][selected]').wait_for(state="attached", timeout=10000)
    assert status.input_value() == "ready"

    frame.locator("#orders-grid th a", has_text="Total").click()
    frame.locator("#orders-grid th a", has_text="Total ↓").wait_for(timeout=10000)
    frame.locator("#grid-search").fill("example.com")
    frame.locator('#grid-state input[name="sort"][value="total"]').wait_for(
        state="attached", timeout=10000
    )
    app_frame.wait_for_function("() => location.search.includes('q=example.com')", timeout=10000)
    url = app_frame.evaluate("() => location.search")
    assert "status=ready" in url and "sort=total" in url, url
    assert f"supplier={supplier}" in url, "the strip's link kept the supplier chosen after load"
    assert frame.locator("#grid-status").input_value() == "ready"
    frame.locator("#orders-grid th a", has_text="Total ↓").wait_for(timeout=10000)
