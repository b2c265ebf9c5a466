"""The README's first steps, walked as written, in chromium inside devstore's admin, on the demo
as scripts/demo_setup.py seeds it (its `populate`, with a fixed seed and fewer random orders),
moving between Relay's pages with the admin's sidebar (#app-nav-menu):

1. Orders: each order split per supplier; the ⚡ only beside Demo Supplier.
2. Demo Supplier's rows need no click: "Sending soon" until the hold window (counted from the
   customer's payment) is over, then "In progress" and "Supplier: paid".
3. The supplier store lists the order Relay placed; fulfilled there by clicking Fulfill items
   with tracking, the demo store's order is fulfilled with it and the row reads "Shipped".
4. Request fulfillment on an Atelier Lin row: "Sending soon", waiting for payment; Pay now by
   card 4242: "Sent to supplier" and "Supplier: paid".
5. The one "No supplier" row: its drawer says how to map it; Map SKUs to a supplier → Suppliers
   lists TOTE-REC-OLV → Atelier Lin → Map to Atelier Lin: the order moves to Atelier Lin, and
   the Unassigned view says every item has a supplier.

"Time passes" (the 2-minute hold window) is the forward job run as the scheduler runs it when
its time comes: the part's forward time set to now, its job brought forward."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from sqlalchemy import func, select

from domain.clock import utcnow
from domain.fulfillment import forwarding
from domain.models.orders import Order, Supplier, SupplierOrder
from domain.models.shop import Shop
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_payments_ui import _type_card
from tests.conftest import API_KEY
from tests.integration import stripe_flows
from tests.integration.test_fulfillment import devstore_order, refreshed
from tests.integration.test_webhooks import wait_for

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
RANDOM_ORDERS = 8


def _demo_setup():
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))  # demo_setup imports demo_payments beside it
    return importlib.import_module("demo_setup")


def _seed_demo(devstore, relay_server, make_shop, oauth_install, drain, stripe_standin):
    retailer = make_shop("demo-retailer", name="Demo Retailer", currency="USD")
    supplier_store = make_shop("demo-supplier", name="Demo Supplier", currency="EUR")
    oauth_install(retailer)
    oauth_install(supplier_store)
    demo = _demo_setup()
    stripe = (stripe_standin.url, stripe_standin.publishable_key)
    demo.populate(
        devstore.control, relay_server.url, API_KEY, retailer, supplier_store, RANDOM_ORDERS,
        stripe, seed=1,
    )  # fmt: skip
    expected = RANDOM_ORDERS + len(demo.REAL_SHAPED_ORDERS)

    def all_in_relay() -> bool:
        drain()
        db.session.expire_all()
        count = select(func.count()).select_from(Order).join(Shop, Shop.id == Order.shop_id)
        return db.session.scalar(count.where(Shop.domain == retailer)) == expected

    wait_for(all_in_relay, timeout=240)  # a startup wait, not a figure: webhooks + sync
    return retailer, supplier_store


def _parts(supplier: str, status: str) -> list[SupplierOrder]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SupplierOrder)
            .join(Supplier, Supplier.id == SupplierOrder.supplier_id)
            .where(Supplier.name == supplier, SupplierOrder.status == status)
            .order_by(SupplierOrder.id)
        )
    )


def _time_passes(so: SupplierOrder, drain) -> None:
    """The hold window is over: the forward job runs, as the scheduler runs it then."""
    so = refreshed(so)
    so.forward_at = utcnow()
    db.session.commit()
    forwarding.forward.run_now_unless_pending(so.id, shop_id=so.shop_id)
    drain()


def _sidebar(page, name: str):
    page.locator("#app-nav-menu").get_by_role("link", name=name, exact=True).click()
    return page.frame_locator("#app-iframe")


def _split(frame, so: SupplierOrder, supplier: str):
    return frame.locator(f"#order-row-{so.order_id} .split", has_text=supplier)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-steps-{name}.png"), full_page=True)


def test_the_readme_first_steps_as_written(
    ctx, browser, devstore, relay_server, make_shop, oauth_install, drain, stripe_standin
):
    retailer, supplier_store = _seed_demo(
        devstore, relay_server, make_shop, oauth_install, drain, stripe_standin
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{devstore.url}/store/{retailer}/admin/apps/{API_KEY}")

    # 1. Orders, from the sidebar: split per supplier, the ⚡ only where orders go by themselves.
    frame = _sidebar(page, "Orders")
    frame.locator("#orders-grid table").wait_for(timeout=15000)
    options = frame.locator("select[name=supplier] option")
    labels = [text.strip() for text in options.all_inner_texts()]
    assert "Demo Supplier" in labels and "Atelier Lin" in labels
    assert "Budapest Woodworks" in labels
    bolts = frame.locator(".auto-order[role=img]")
    assert bolts.count() >= 1
    for i in range(bolts.count()):
        assert bolts.nth(i).locator("xpath=..").inner_text().startswith("Demo Supplier")
    assert (
        frame.locator(".split", has_text="Budapest Woodworks")
        .first.inner_text()
        .find("Non auto-order")
        > 0
    )
    _shot(page, "1-orders")

    # 2. Demo Supplier's rows need no click: requested on arrival, "Sending soon"...
    (auto, *_) = _parts("Demo Supplier", "scheduled")
    assert refreshed(auto).requested_at is not None, "requested by Relay, not by a click"
    assert "Sending soon" in _split(frame, auto, "Demo Supplier").inner_text()
    # ...until the window counted from the customer's payment is over; paid with the saved card.
    assert refreshed(auto).forward_at > refreshed(auto).order.paid_at
    _time_passes(auto, drain)
    wait_for(lambda: drain() or refreshed(auto).status == "in_progress", timeout=30)
    frame = _sidebar(page, "Orders")
    split = _split(frame, auto, "Demo Supplier")
    split.locator('[data-status="in_progress"]').wait_for(timeout=15000)
    assert "In progress" in split.inner_text() and "Supplier: paid" in split.inner_text()
    _shot(page, "2-in-progress")

    # 3. The supplier store lists the order Relay placed; fulfilled there with tracking.
    placed_id = int(refreshed(auto).supplier_reference.rsplit("/", 1)[1])
    store_page = browser.new_page(viewport={"width": 1400, "height": 1000})
    store_page.goto(f"{devstore.url}/store/{supplier_store}/admin")
    placed_link = store_page.locator(f'a[href$="/admin/orders/{placed_id}"]')
    placed_link.wait_for(timeout=15000)
    _shot(store_page, "3-supplier-store")
    placed_link.click()  # the order's page: Fulfill items, tracking, carrier, by clicking
    store_page.get_by_role("link", name="Fulfill items").click()
    store_page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    store_page.get_by_label("Shipping carrier").fill("UPS")
    store_page.get_by_role("button", name="Fulfill items").click()
    store_page.locator(".flash").wait_for(timeout=15000)
    _shot(store_page, "3-supplier-store-fulfilled")
    wait_for(lambda: drain() or refreshed(auto).status == "shipped", timeout=30)
    retailer_order_id = int(refreshed(auto).order.shopify_gid.rsplit("/", 1)[1])
    fulfilled = devstore_order(devstore, retailer, retailer_order_id)["fulfillments"]
    assert any("1Z999AA10123456784" in str(f) for f in fulfilled)
    frame = _sidebar(page, "Orders")
    _split(frame, auto, "Demo Supplier").locator('[data-status="shipped"]').wait_for(timeout=15000)

    # 4. Request fulfillment on an Atelier Lin row: it waits for payment; Pay now by card.
    (lin, *_) = _parts("Atelier Lin", "ready")
    split = _split(frame, lin, "Atelier Lin")
    split.get_by_role("button", name="Request fulfillment").click()
    split = _split(frame, lin, "Atelier Lin")
    split.locator('[data-status="scheduled"]').wait_for(timeout=15000)
    _time_passes(lin, drain)
    assert refreshed(lin).status == "scheduled", "never sent to Atelier Lin unpaid"
    frame = _sidebar(page, "Orders")
    _split(frame, lin, "Atelier Lin").locator("[data-pay-now]").click()
    frame.locator("#checkout-form").wait_for(timeout=15000)
    frame.locator("input[name=method][value=card]").check()
    frame.locator("[data-pay]").click()
    frame.locator("#card-element input[placeholder=number]").wait_for(timeout=15000)
    _type_card(frame, stripe_flows.VISA)
    frame.locator("#card-pay").click()
    frame.locator("[data-paid]").wait_for(timeout=15000)
    wait_for(lambda: drain() or refreshed(lin).status == "requested", timeout=30)
    frame = _sidebar(page, "Orders")
    split = _split(frame, lin, "Atelier Lin")
    split.locator('[data-status="requested"]').wait_for(timeout=15000)
    assert "Sent to supplier" in split.inner_text() and "Supplier: paid" in split.inner_text()
    _shot(page, "4-sent-to-atelier-lin")

    # 5. The one "No supplier" row: the drawer says how; the link, one click, and it moves.
    (unmapped,) = _parts_without_supplier(retailer)
    frame.locator(f"#order-row-{unmapped.order_id} a.order-link").click()
    drawer = frame.locator("#order-drawer")
    drawer.locator("[data-unmapped]").wait_for(timeout=15000)
    assert "No supplier ships TOTE-REC-OLV yet" in drawer.inner_text()
    _shot(page, "5-no-supplier-drawer")
    page.keyboard.press("Escape")
    frame.locator(f"#order-row-{unmapped.order_id} [data-map-skus]").click()
    summary = frame.locator("#unmapped-summary")
    summary.wait_for(timeout=15000)
    assert "TOTE-REC-OLV" in summary.inner_text()
    frame.get_by_role("link", name="Atelier Lin", exact=True).click()
    frame.get_by_role("button", name="Map to Atelier Lin").click()
    frame.locator("#sku-panel .banner.success").wait_for(timeout=15000)
    drain()
    assert refreshed(unmapped).supplier is not None
    assert refreshed(unmapped).supplier.name == "Atelier Lin"
    assert refreshed(unmapped).status == "ready"
    frame = _sidebar(page, "Orders")
    _split(frame, unmapped, "Atelier Lin").locator('[data-status="ready"]').wait_for(timeout=15000)
    frame.locator("select[name=supplier]").select_option("unassigned")
    frame.locator("[data-unassigned-empty]").wait_for(timeout=15000)
    _shot(page, "5-every-item-has-a-supplier")


def _parts_without_supplier(shop: str) -> list[SupplierOrder]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SupplierOrder)
            .join(Shop, Shop.id == SupplierOrder.shop_id)
            .where(Shop.domain == shop, SupplierOrder.supplier_id.is_(None))
        )
    )
