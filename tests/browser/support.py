"""Where the browser tests find Debian's chromium, how they launch it, where screenshots go."""

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def seed_orders(devstore, shop: str, drain, count: int) -> None:
    """`count` seeded orders (seed 1: the same ones every run) in devstore, and back only once
    Relay holds every one of them: webhooks arrive over HTTP, the worker turns them into orders.
    Needs an app context (the `ctx` fixture)."""
    from sqlalchemy import func, select

    from devstore.commerce.shops import SAMPLE_PRODUCTS
    from domain.models.orders import Order
    from domain.models.shop import Shop
    from extensions import db
    from tests.integration.merchant_pages import dropshipped
    from tests.integration.test_webhooks import wait_for

    # A dropshipping store: the catalog is stocked at Relay's location, so the orders' lines
    # go to suppliers (lines at the merchant's own location are the store's to ship).
    dropshipped(devstore, shop, [sku for _title, _variant, sku, _price in SAMPLE_PRODUCTS])
    devstore.control.post(
        f"/_devstore/shops/{shop}/seed", json={"orders": count, "seed": 1}
    ).raise_for_status()

    def orders_in_relay() -> int:
        db.session.expire_all()
        return db.session.scalar(
            select(func.count())
            .select_from(Order)
            .join(Shop, Shop.id == Order.shop_id)
            .where(Shop.domain == shop)
        )

    wait_for(lambda: drain() or orders_in_relay() == count, timeout=90)


# Relay's focused element, as the keyboard tests look at it (null when nothing in the frame has
# focus): its name, tag, text, whether it is inside the drawer, and its row when a row link.
ACTIVE = """() => {
  const a = document.activeElement;
  if (!document.hasFocus() || !a || a === document.body) return null;
  return {
    name: a.getAttribute('name'), tag: a.tagName, text: (a.textContent || '').trim().slice(0, 40),
    inDrawer: !!a.closest('#drawer'),
    rowLink: a.matches('a.order-link') ? a.closest('tr').id : null,
  };
}"""


def press_until(page, frame, key: str, script: str, limit: int = 200) -> int:
    """Press `key` until `script` (JS, `el`: the focused element in `frame`) is true; returns
    how many presses it took."""
    found = f"document.hasFocus() && !!({script})"
    test = f"() => {{ const el = document.activeElement; return {found}; }}"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if frame.evaluate(test):
            return presses
    raise AssertionError(f"{key} never reached {script}")


def escape_returns_to_row(page, frame, row_id: str) -> None:
    """Escape closes the drawer: the page behind is live again, focus is on the row's link."""
    page.keyboard.press("Escape")
    frame.wait_for_function("() => document.getElementById('drawer').children.length === 0")
    assert frame.evaluate(ACTIVE)["rowLink"] == row_id
    assert frame.evaluate("() => document.querySelector('[inert]') === null")
