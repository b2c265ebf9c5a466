"""The whole grid → drawer → refund → close path with the keyboard only (Tab, Shift+Tab, Enter,
Space, arrows, Escape; no click, no programmatic focus), inside devstore's admin: Tab from the
admin into Relay's grid reaches a row, Enter opens its drawer and focus lands in the dialog, Tab
and Shift+Tab go round inside the dialog and never reach the page behind (nor leave the
iframe), the refund form opens on its first field, a partial refund is typed and sent, its
result is announced in role="status", Escape returns focus to the row's link. Then a bulk Hold
by keyboard, its result announced and focused. axe-core runs on the drawer with the refund form
open and after the refund."""

from decimal import Decimal

from tests.browser.axe import describe, run_axe
from tests.browser.support import ACTIVE, ARTIFACTS, escape_returns_to_row, press_until
from tests.conftest import API_KEY
from tests.integration.test_refunds import (
    LAMP,
    MUG,
    devstore_order,
    line_of,
    paid_two_supplier_order,
    place,
)

IS_FIRST = "() => document.activeElement === document.querySelector('#drawer [data-close-drawer]')"


def announced(frame, text: str) -> str:
    frame.wait_for_function(
        "(t) => document.getElementById('relay-status').textContent.includes(t)", arg=text
    )
    return frame.locator("#relay-status").text_content()


def test_grid_drawer_refund_close_and_bulk_with_the_keyboard_only(
    ctx, browser, devstore, relay_server, installed_shop, drain
):
    shop = installed_shop
    order = paid_two_supplier_order(devstore, shop, drain)
    other = place(devstore, shop, drain, [(LAMP, 1, "55.00")])
    mug = line_of(order, MUG)
    row = f"order-row-{order.id}"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{shop}/admin/apps/{API_KEY}")
    page.frame_locator("#app-iframe").locator(f"#{row} a.order-link").wait_for(timeout=15000)
    frame = page.frame(name="app-iframe")
    frame.wait_for_load_state("load")

    # From the top of the admin, Tab goes through the admin's sidebar into Relay, to the row.
    press_until(page, frame, "Tab", f"el.matches('#{row} a.order-link')")
    page.keyboard.press("Enter")
    frame.locator("#order-drawer").wait_for(timeout=10000)
    frame.wait_for_function(IS_FIRST)
    assert frame.evaluate(ACTIVE)["inDrawer"]

    # The focus trap: Shift+Tab from the first stop goes to the last, Tab from it to the first;
    # a whole round of Tab stays in the dialog and comes back to Close.
    page.keyboard.press("Shift+Tab")
    last = frame.evaluate(ACTIVE)
    assert last and last["inDrawer"], "Shift+Tab from Close goes to the dialog's last stop"
    page.keyboard.press("Tab")
    assert frame.evaluate(IS_FIRST), "Tab from the last stop comes back to Close"
    page.keyboard.press("Tab")
    before, presses = None, 0
    while not frame.evaluate(IS_FIRST):
        current = frame.evaluate(ACTIVE)
        assert current and current["inDrawer"], "Tab never reaches the page behind"
        before, presses = current, presses + 1
        assert presses < 60, "Tab comes back to Close"
        page.keyboard.press("Tab")
    assert presses > 3 and before == last, "a whole round of Tab, ending on the last stop"

    # The refund form: Enter on its link, focus on the form's first field (the mode radio).
    press_until(page, frame, "Tab", "el.closest('#refund-panel') && el.matches('a')")
    page.keyboard.press("Enter")
    frame.locator("#refund-form").wait_for(timeout=10000)
    frame.wait_for_function("() => document.activeElement.name === 'mode'")
    press_until(page, frame, "Tab", f"el.name === 'qty-{mug.id}'")
    page.keyboard.type("1")
    total = frame.locator("[data-refund-total]")
    assert total.inner_text() == "$20.00", "the quantity prefilled its amount"
    press_until(page, frame, "Tab", "el.name === 'reason'")
    page.keyboard.type("One mug arrived chipped")
    found = {"drawer, refund form open": run_axe(frame)}
    press_until(page, frame, "Tab", "el.type === 'submit' && el.closest('#refund-form')")
    page.keyboard.press("Space")

    # Refunded: the result is announced, focus stays in the dialog (on the notice).
    assert "Refunded $20.00." in announced(frame, "Refunded")
    frame.locator("#order-drawer .refund-history").wait_for(timeout=10000)
    assert frame.evaluate(ACTIVE)["inDrawer"]
    assert Decimal(devstore_order(devstore, shop, order)["total_refunded"]) == Decimal("20.00")
    found["drawer after a refund"] = run_axe(frame)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "keyboard-refund.png"))

    # Escape: closed, the page behind is live again, focus is back on the row's link.
    escape_returns_to_row(page, frame, row)

    # A bulk Hold on the other order: Space ticks it, arrows choose the action, Enter applies.
    other_row = f"order-row-{other.id}"
    press_until(page, frame, "Tab", f"el.closest('#{other_row}') && el.name === 'order'")
    page.keyboard.press("Space")
    assert frame.locator(f"#{other_row} input[name=order]").is_checked()
    press_until(page, frame, "Shift+Tab", "el.matches('#bulk-form select[name=action]')")
    action = frame.locator("#bulk-form select[name=action]")
    press_until(page, frame, "ArrowDown", "el.value === 'hold'", limit=10)
    assert action.input_value() == "hold"
    press_until(page, frame, "Tab", "el.matches('#bulk-form button[type=submit]')")
    page.keyboard.press("Enter")
    frame.locator("#bulk-summary").wait_for(timeout=10000)
    summary = frame.locator("#bulk-summary strong").inner_text()
    assert summary == "1 order updated." and summary in announced(frame, summary)
    frame.wait_for_function("() => document.activeElement.closest('#bulk-summary') !== null")
    frame.locator(f'#{other_row} [data-status="on_hold"]').wait_for(timeout=10000)

    failing = {where: v for where, v in found.items() if v}
    assert not failing, f"axe violations:\n{describe(failing)}"
