"""Keyboard only, inside the admin iframe: the merchant tabs to an order, opens its drawer with
Enter, lands inside a real modal dialog (the grid behind is inert), closes it with Escape and is
back on the row link; row and bulk actions keep focus and announce their result; the sorted
column carries aria-sort; small buttons are 24 px targets and the ⚡ icon is an image."""

from tests.browser.support import ACTIVE, ARTIFACTS, escape_returns_to_row, press_until
from tests.conftest import API_KEY
from tests.integration.test_fulfillment import (
    add_supplier,
    place_order,
    stock_at_relay,
    supplier_order_of,
)


def iframe(page):
    page.locator("#app-iframe").wait_for(timeout=15000)
    return page.locator("#app-iframe").element_handle().content_frame()


def test_keyboard_only_grid_drawer_escape_and_actions(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop)
    supplier = add_supplier(installed_shop)
    first = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    second = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    frame = iframe(page)
    frame.locator("#orders-grid table").wait_for(timeout=15000)
    row_id = f"order-row-{first.order_id}"

    # The default sort (newest first) is announced on its column header only.
    assert frame.locator("th[aria-sort]").count() == 1
    assert frame.locator("th[aria-sort=descending]").inner_text().startswith("Date")
    # Small buttons are 24 px targets. This supplier places orders by hand: no ⚡ (its role
    # and name where it shows: tests/integration/test_supplier_words.py).
    small = frame.locator(f"#{row_id} button.small").first
    assert small.bounding_box()["height"] >= 24
    assert frame.locator(f"#{row_id} .auto-order").count() == 0

    # Grid → drawer with Enter: focus lands on the dialog's Close button.
    frame.locator("body").focus()
    press_until(page, frame, "Tab", f"el.matches('#{row_id} a.order-link')")
    page.keyboard.press("Enter")
    frame.locator("#order-drawer").wait_for(timeout=10000)
    frame.wait_for_function("() => document.activeElement.closest('#drawer') !== null")
    dialog = frame.locator("#drawer")
    assert dialog.get_attribute("role") == "dialog"
    assert dialog.get_attribute("aria-modal") == "true"
    assert dialog.get_attribute("aria-live") is None
    title = frame.locator(f"#{dialog.get_attribute('aria-labelledby')}")
    assert title.inner_text().startswith(first.order.name)
    assert frame.evaluate(ACTIVE)["text"] == "✕"
    behind = "() => document.getElementById('orders-grid').closest('[inert]') !== null"
    assert frame.evaluate(behind), "the grid behind the dialog is inert"
    for _ in range(3):
        page.keyboard.press("Tab")
        assert frame.evaluate(ACTIVE)["inDrawer"], "Tab stays inside the dialog"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drawer-keyboard.png"))

    # Escape closes it, the page is live again and focus is back on the row link.
    escape_returns_to_row(page, frame, row_id)

    # A mouse click on the page behind closes the dialog too.
    page.keyboard.press("Enter")
    frame.locator("#order-drawer").wait_for(timeout=10000)
    box = page.locator("#app-iframe").bounding_box()
    page.mouse.click(box["x"] + 150, box["y"] + box["height"] - 100)  # left of the drawer
    frame.wait_for_function("() => document.getElementById('drawer').children.length === 0")
    assert frame.evaluate(ACTIVE)["rowLink"] == row_id

    # A row action: the row is swapped, focus stays on its link and the result is announced.
    action = f"el.closest('#{row_id}') && el.textContent.trim() == 'Request fulfillment'"
    press_until(page, frame, "Tab", action)
    page.keyboard.press("Enter")
    frame.locator(f'#{row_id} [data-status="scheduled"]').wait_for(timeout=10000)
    frame.wait_for_function("() => document.getElementById('relay-status').textContent !== ''")
    assert "Fulfillment requested" in frame.locator("#relay-status").text_content()
    frame.wait_for_function(f"() => document.activeElement.closest('#{row_id} a.order-link')")

    # A bulk action on the supplier's orders: focus goes to the result, which is announced.
    frame.locator("select[name=supplier]").select_option(str(supplier.id))
    frame.locator("#bulk-form input[name=supplier]").wait_for(state="attached", timeout=10000)
    frame.evaluate("() => { document.getElementById('relay-status').textContent = ''; }")
    frame.locator(f"#order-row-{second.order_id} input[name=order]").check()
    frame.locator("#bulk-form select[name=action]").select_option("request_fulfillment")
    frame.locator("#bulk-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    frame.locator(f'#order-row-{second.order_id} [data-status="scheduled"]').wait_for(timeout=10000)
    frame.wait_for_function("() => document.getElementById('relay-status').textContent !== ''")
    # Focus is on the result inside the new grid (a notice or the bulk bar), never <body>.
    frame.wait_for_function("() => document.activeElement.closest('#orders-grid') !== null")

    # Sorting by order name from the keyboard: aria-sort moves, focus stays on the header link.
    press_until(page, frame, "Tab", "el.matches('[data-sort=name]')")
    page.keyboard.press("Enter")
    frame.locator("th[aria-sort] [data-sort=name]").wait_for(timeout=10000)
    assert frame.locator("th[aria-sort]").count() == 1
    frame.wait_for_function("() => document.activeElement.dataset.sort === 'name'", timeout=5000)
