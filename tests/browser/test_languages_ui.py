"""French and Hungarian in the admin iframe: devstore's admin loads Relay with the staff
member's `locale` (as Shopify appends it to the app URL), the grid and the drawer speak it,
and its longer labels stay inside their buttons, badges and columns."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain import states
from domain.clock import utcnow
from domain.fulfillment import requesting as requests
from domain.fulfillment import shipments
from domain.models.orders import Supplier, SupplierOrder
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_grid import grid_shop, place_paid_order

# Elements whose text must fit their box, and the page must not scroll sideways.
OVERFLOWS = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    found.push(`page ${root.scrollWidth}px wide in ${root.clientWidth}px`);
  }
  const selector = 'button, .button, .badge, .app-nav-link, th, select, input, .stats li, ' +
    '.split-card, .drawer-panel, .bulk-bar, .filters, .actions, .pagination';
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length || getComputedStyle(el).display === 'inline') continue;
    if (el.matches('input[readonly]')) continue;  // a link to copy scrolls inside its box
    if (el.scrollWidth > el.clientWidth + 1) {
      const text = el.textContent.trim().slice(0, 60);
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${text}`);
    }
  }
  return found;
}"""


def varied_statuses(domain: str) -> None:
    """Sent, held and declined supplier orders beside the ready ones (Mug Co, the portal
    supplier, gets one sent; Lamp Works, the website one, two, of which one is declined)."""
    db.session.expire_all()
    ready = db.session.scalars(
        select(SupplierOrder)
        .join(Supplier)
        .where(SupplierOrder.status == "ready")
        .order_by(SupplierOrder.id)
    ).all()
    lamp = [so for so in ready if so.supplier.name == "Lamp Works"]
    mug = [so for so in ready if so.supplier.name == "Mug Co"]
    requests.request_fulfillment([*lamp[:2], *mug[:1]], actor="merchant")
    if len(mug) > 1:
        requests.hold(mug[1])
    db.session.commit()
    for so in db.session.scalars(select(SupplierOrder).where(SupplierOrder.status == "scheduled")):
        states.advance(so, "forward")  # as the forward job would after the hold window
        so.forwarded_at = utcnow()
    db.session.commit()
    if len(lamp) > 1:
        shipments.supplier_declines(
            lamp[1], "retour en stock en mai", code="INVENTORY_OUT_OF_STOCK"
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("locale", "grid_title", "drawer_heading"),
    [("fr", "Commandes", "Chronologie"), ("hu", "Rendelések", "Idővonal")],
)
def test_grid_and_drawer_speak_the_admins_language_and_long_labels_fit(
    ctx,
    browser,
    devstore,
    relay_server,
    make_shop,
    oauth_install,
    drain,
    locale,
    grid_title,
    drawer_heading,
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=14, prefix=locale)
    varied_statuses(domain)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}?locale={locale}")
    frame = page.frame_locator("#app-iframe")
    frame.locator("#orders-grid table").wait_for(timeout=15000)
    assert frame.locator("h1").first.inner_text() == grid_title
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"orders-grid-{locale}.png"))
    app = page.frame(name="app-iframe")
    assert app.evaluate("document.documentElement.lang") == locale
    assert app.evaluate(OVERFLOWS) == []

    # The drawer of an order with several suppliers, opened by htmx (X-Relay-Locale).
    rows = frame.locator("#orders-grid tbody tr")
    widest = max(range(rows.count()), key=lambda i: rows.nth(i).locator(".split").count())
    rows.nth(widest).locator(".order-link").click()
    frame.locator("#order-drawer .timeline li").first.wait_for(timeout=10000)
    assert drawer_heading in frame.locator("#order-drawer").text_content()
    page.screenshot(path=str(ARTIFACTS / f"order-drawer-{locale}.png"))
    assert app.evaluate(OVERFLOWS) == []


@pytest.mark.parametrize("locale", ["fr", "hu"])
def test_supplier_settings_and_portal_pages_fit_their_longer_labels(
    ctx, browser, devstore, relay_server, make_shop, oauth_install, drain, locale
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=14, prefix=locale)
    varied_statuses(domain)
    # A new order for Mug Co, the portal supplier, sent to it.
    sent = place_paid_order(devstore, drain, domain, sku="MUG-STN-SPK").supplier_orders[0]
    requests.request_fulfillment([sent], actor="merchant")
    states.advance(sent, "forward")
    sent.forwarded_at = utcnow()
    db.session.commit()
    mug = db.session.scalar(select(Supplier).where(Supplier.name == "Mug Co"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    admin = f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}?locale={locale}"
    for name, path, ready in [
        ("supplier", f"suppliers/{mug.id}", "#sku-panel"),
        ("supplier-form", "suppliers/new", "#supplier-form"),
        ("settings", "settings", "#settings-form"),
    ]:
        page.goto(f"{admin}&path={path}")
        page.frame_locator("#app-iframe").locator(ready).wait_for(timeout=15000)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{locale}.png"), full_page=True)
        assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == [], name

    # The supplier portal, in the supplier's browser language.
    from domain.suppliers import portal

    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    supplier_page = context.new_page()
    link = f"{relay_server.url}/portal/{portal.link_token(mug)}/"
    supplier_page.goto(link)
    supplier_page.locator("#orders-list").wait_for(timeout=15000)
    assert supplier_page.evaluate("document.documentElement.lang") == locale
    supplier_page.screenshot(path=str(ARTIFACTS / f"portal-{locale}.png"), full_page=True)
    assert supplier_page.evaluate(OVERFLOWS) == []
    supplier_page.locator("a.order-link").first.click()
    supplier_page.locator("#items").wait_for(timeout=15000)
    supplier_page.screenshot(path=str(ARTIFACTS / f"portal-order-{locale}.png"), full_page=True)
    assert supplier_page.evaluate(OVERFLOWS) == []
    context.close()
