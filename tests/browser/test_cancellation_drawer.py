"""In the browser: the merchant requests a cancellation from the drawer inside the admin iframe,
sees it waiting with its deadline, the supplier declines it in the portal with a reason, and
the drawer and the grid show "Request declined" with that reason."""

from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_cancellations import LAMP, portal_post, with_supplier
from tests.integration.test_fulfillment import refreshed, stock_at_relay


def test_request_then_declined_in_the_drawer(
    ctx,
    browser,
    devstore,
    relay_server,
    installed_shop,
    drain,
):
    from domain.suppliers import portal

    stock_at_relay(devstore, installed_shop, skus=("MUG-STN-SPK", LAMP))
    so = with_supplier(devstore, installed_shop, drain)
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    frame.locator(f"#order-row-{so.order_id} a.order-link").click()
    card = frame.locator(f"#cancellation-{so.id}")
    card.locator("summary").click()
    card.locator("textarea[name=note]").fill("The customer ordered the wrong colour")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drawer-cancellation-form.png"), full_page=True)
    card.get_by_role("button", name="Request cancellation").click()
    frame.locator(f"#cancellation-{so.id} .cancellation-open").wait_for(timeout=10000)
    assert "cancelled automatically" in frame.locator(f"#cancellation-{so.id}").inner_text()
    page.screenshot(path=str(ARTIFACTS / "drawer-cancellation-pending.png"), full_page=True)

    drain()
    supplier = refreshed(so).supplier
    supplier_page = browser.new_page(viewport={"width": 1100, "height": 900})
    supplier_page.goto(f"{relay_server.url}/portal/{portal.link_token(supplier)}/orders/{so.id}")
    supplier_page.locator("#cancellation").wait_for(timeout=10000)
    supplier_page.screenshot(
        path=str(ARTIFACTS / "portal-cancellation-request.png"), full_page=True
    )
    portal_post(
        relay_server,
        supplier,
        f"orders/{so.id}/cancellation/decline",
        {"reason": "Already handed to the carrier this morning"},
    )
    drain()

    page.goto(
        f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}", wait_until="networkidle"
    )
    row = frame.locator(f"#order-row-{so.order_id}")
    row.locator("[data-cancellation=declined]").wait_for(timeout=10000)
    assert "Already handed to the carrier" in row.inner_text()
    row.locator("a.order-link").click()
    declined = frame.locator(f"#cancellation-{so.id} .cancellation-declined")
    declined.wait_for(timeout=10000)
    assert "Already handed to the carrier" in declined.inner_text()
    page.screenshot(path=str(ARTIFACTS / "drawer-cancellation-declined.png"), full_page=True)


def test_a_decline_without_a_reason_comes_back_inline_in_the_drawer(
    ctx,
    browser,
    devstore,
    relay_server,
    installed_shop,
    drain,
):
    from domain.fulfillment import shipments
    from extensions import db
    from tests.integration.test_cancellations import ask

    stock_at_relay(devstore, installed_shop)
    so = with_supplier(devstore, installed_shop, drain, channel="manual", accepted=False)
    shipments.supplier_accepts(refreshed(so), actor="merchant", reference="WEB-1")
    db.session.commit()
    ask(so)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}")
    frame = page.frame_locator("#app-iframe")
    frame.locator(f"#order-row-{so.order_id} a.order-link").click()
    card = frame.locator(f"#cancellation-{so.id}")
    card.get_by_role("button", name="Record the decline").click()
    card.locator(".field-error").wait_for(timeout=10000)
    assert "Give a reason" in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "drawer-cancellation-manual-error.png"), full_page=True)
    assert refreshed(so).status == "cancellation_requested"
    frame.locator(f"#cancellation-{so.id} input[name=reason]").fill("Already shipped yesterday")
    frame.locator(f"#cancellation-{so.id}").get_by_role("button", name="Record the decline").click()
    frame.locator(f"#cancellation-{so.id} .cancellation-declined").wait_for(timeout=10000)
    assert refreshed(so).status == "in_progress"
