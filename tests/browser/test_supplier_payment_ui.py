"""The supplier's payment beside the customer's, in the admin iframe in English, French and
Hungarian: the "Supplier: not paid" filter and its count, per-part badges (paid, not paid,
payment failed with its reason as a tooltip and in the drawer), and "Customer: …" labels,
all inside their boxes. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.clock import utcnow
from domain.models.orders import Supplier, SupplierOrder
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_languages_ui import OVERFLOWS
from tests.conftest import API_KEY
from tests.integration.test_grid import grid_shop

FAILURE = "Your card was declined (insufficient funds)."


def one_paid_one_failed() -> int:
    """Of the auto-order suppliers' ready parts, the first is paid and the second's automatic
    payment failed; returns the failed part's order id."""
    db.session.expire_all()
    ready = db.session.scalars(
        select(SupplierOrder)
        .join(Supplier)
        .where(SupplierOrder.status == "ready", Supplier.channel != "manual")
        .order_by(SupplierOrder.id)
    ).all()
    ready[0].supplier_paid_at = utcnow()
    ready[1].payment_failure = FAILURE
    db.session.commit()
    return ready[1].order_id


@pytest.mark.parametrize(
    ("locale", "not_paid", "failed"),
    [
        ("en", "Supplier: not paid", "Payment failed"),
        ("fr", "Fournisseur : non payé", "Échec du paiement"),
        ("hu", "Beszállító: nincs kifizetve", "Sikertelen fizetés"),
    ],
)
def test_supplier_payment_filter_and_badges_fit_in_every_language(
    ctx, browser, devstore, relay_server, make_shop, oauth_install, drain, locale, not_paid, failed
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=10, prefix=f"pay{locale}")
    failed_order = one_paid_one_failed()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}?locale={locale}")
    frame = page.frame_locator("#app-iframe")
    frame.locator("#orders-grid table").wait_for(timeout=15000)
    app = page.frame(name="app-iframe")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"supplier-payment-grid-{locale}.png"), full_page=True)
    assert app.evaluate(OVERFLOWS) == []
    assert not_paid in frame.locator('[data-supplier-payment="not_paid"]').first.inner_text()

    # The filter, from the strip's count: only not-paid parts' orders remain.
    strip = frame.locator('#orders-dashboard [data-supplier-payment="not_paid"] a')
    expected = int(strip.locator("strong").inner_text())
    strip.click()
    frame.locator('select[name="supplier_payment"] option[value="not_paid"]').wait_for(
        state="attached"
    )
    app.wait_for_function("() => location.search.includes('supplier_payment=not_paid')")
    rows = frame.locator("#orders-grid tbody tr")
    assert 0 < rows.count() <= expected
    badge = frame.locator(f"#order-row-{failed_order} [data-supplier-payment='failed']")
    assert badge.inner_text() == failed and badge.get_attribute("title") == FAILURE
    page.screenshot(path=str(ARTIFACTS / f"supplier-payment-filter-{locale}.png"), full_page=True)

    frame.locator(f"#order-row-{failed_order} .order-link").click()
    frame.locator("#order-drawer [data-payment-failure]").wait_for(timeout=10000)
    assert FAILURE in frame.locator("#order-drawer [data-payment-failure]").inner_text()
    assert frame.locator("#order-drawer [data-customer-payment]").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"supplier-payment-drawer-{locale}.png"))
    assert app.evaluate(OVERFLOWS) == []
