"""The orders grid's cost and its dashboard strip: a page costs the same queries whatever its
size, the dashboard counts follow every change (they are cached between changes), and the
late count and its tooltip follow the shop's late-after-days setting."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import event, func, select

from domain import states
from domain.clock import utcnow
from domain.models import order_search
from domain.models.orders import Order, Supplier, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.shop import settings as shop_settings
from extensions import db
from tests.integration.merchant_pages import dropshipped
from tests.integration.test_webhooks import wait_for

# devstore's catalogue, spread over three suppliers; TOTE-REC-OLV stays unmapped.
ROUTES = {
    "Mug Co": ("portal", ["MUG-STN-SPK", "CER-POUR-WHT", "WAL-BRD-L"]),
    "Lamp Works": ("manual", ["BRS-LAMP", "PIL-LIN-NAT", "PIL-LIN-CHA"]),
    "Thread House": ("store", ["TEE-ORG-M-SND", "TEE-ORG-L-SND", "MER-BEA-FOR"]),
}


def shop_row(domain: str) -> Shop:
    db.session.expire_all()
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def order_count(domain: str) -> int:
    shop = shop_row(domain)
    return db.session.scalar(
        select(func.count()).select_from(Order).where(Order.shop_id == shop.id)
    )


def add_suppliers(domain: str) -> dict[str, Supplier]:
    """Three suppliers with SKU mappings, so orders split over several of them."""
    shop = shop_row(domain)
    suppliers = {}
    for name, (channel, skus) in ROUTES.items():
        supplier = Supplier(
            shop_id=shop.id, name=name, channel=channel, website_url="https://s.example"
        )
        db.session.add(supplier)
        db.session.flush()
        db.session.add_all(
            VariantMapping(shop_id=shop.id, sku=sku, supplier_id=supplier.id) for sku in skus
        )
        suppliers[name] = supplier
    db.session.commit()
    return suppliers


# The orders the grid tests place, in this order, over and over: every supplier, the unassigned
# line, a pending order, and a Lamp Works line in 3 of every 5 orders. Explicit: every run sees
# the same data, and the data each assertion needs is there by construction.
ORDER_CYCLE = [
    ("paid", [("MUG-STN-SPK", 2), ("BRS-LAMP", 1)]),  # Mug Co + Lamp Works
    ("paid", [("TEE-ORG-M-SND", 1), ("TOTE-REC-OLV", 1)]),  # Thread House + Unassigned
    ("pending", [("PIL-LIN-NAT", 2)]),  # Lamp Works, not paid yet
    ("paid", [("CER-POUR-WHT", 1), ("MER-BEA-FOR", 1), ("PIL-LIN-CHA", 3)]),  # all three
    ("paid", [("TOTE-REC-OLV", 2)]),  # Unassigned only
]
LAMP_WORKS_PER_CYCLE = 3
BUYERS = ["Réka", "Liam", "Chloé", "Noah", "Zsófia", "Hugo"]


def place_orders(devstore, drain, domain: str, count: int) -> None:
    """The next `count` orders of ORDER_CYCLE, placed in devstore; they reach Relay by webhook,
    processed by an RQ worker."""
    already = order_count(domain)
    dropshipped(devstore, domain, sorted({sku for _, lines in ORDER_CYCLE for sku, _ in lines}))
    for number in range(already, already + count):
        financial_status, lines = ORDER_CYCLE[number % len(ORDER_CYCLE)]
        devstore.control.post(
            f"/_devstore/shops/{domain}/orders",
            json={
                "line_items": [{"sku": sku, "quantity": qty} for sku, qty in lines],
                "financial_status": financial_status,
                "customer": {
                    "first_name": BUYERS[number % len(BUYERS)],
                    "last_name": f"Buyer{number}",
                    "email": f"buyer{number}@example.com",
                },
            },
        ).raise_for_status()
    wait_for(lambda: drain() or order_count(domain) == already + count, timeout=60)


def place_paid_order(devstore, drain, domain: str, sku: str = "BRS-LAMP") -> Order:
    """One paid order of a mapped SKU: its supplier order is "ready"."""
    expected = order_count(domain) + 1
    placed = devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={"line_items": [{"sku": sku, "quantity": 1}], "financial_status": "paid"},
    )
    placed.raise_for_status()
    wait_for(lambda: drain() or order_count(domain) == expected, timeout=20)
    gid = f"gid://shopify/Order/{placed.json()['id']}"
    return db.session.scalar(select(Order).where(Order.shopify_gid == gid))


def grid_shop(devstore, make_shop, oauth_install, drain, orders: int, prefix="grid") -> str:
    domain = make_shop(prefix)
    oauth_install(domain)
    add_suppliers(domain)
    place_orders(devstore, drain, domain, orders)
    return domain


class QueryCounter:
    """Statements this thread sends (Relay's server thread may be busy with webhooks)."""

    def __init__(self):
        self.thread = threading.get_ident()
        self.count = 0

    def __call__(self, *args) -> None:
        if threading.get_ident() == self.thread:
            self.count += 1


def grid_request(app, token: str, *, htmx: bool, **params):
    """One GET /orders through the whole app (ID token, shop lookup, grid, template)."""
    headers = {"Authorization": f"Bearer {token}"}
    if htmx:
        headers["HX-Request"] = "true"
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        response = app.test_client().get("/orders", query_string=params, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert response.status_code == 200, response.text[:500]
    return response, counter.count


def rows_in(html: str) -> int:
    return len(re.findall(r'<tr id="order-row-\d+"', html))


def dashboard(html: str) -> dict[str, int]:
    return {
        key: int(n)
        for key, n in re.findall(r'<li data-status="(\w+)".*?<strong>(\d+)</strong>', html, re.S)
    }


def test_a_grid_page_costs_the_same_queries_for_5_or_60_orders_over_several_suppliers(
    ctx, app, devstore, make_shop, oauth_install, drain, id_token
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=5)
    lamp_works = db.session.scalar(select(Supplier.id).where(Supplier.name == "Lamp Works"))
    requests = {
        "grid swap": {"htmx": True},
        "document load": {"htmx": False},
        "supplier + search": {"htmx": True, "supplier": lamp_works, "q": "example.com"},
        "status filter": {"htmx": True, "status": "ready"},
        "supplier not paid": {"htmx": True, "supplier_payment": "not_paid"},
    }

    def costs():
        return {
            name: grid_request(app, id_token(domain), **params) for name, params in requests.items()
        }

    # Once per process, not per page (so not counted): on SQLite, the check that the FTS exists.
    order_search.contains(0, "warm")
    small = costs()
    assert rows_in(small["grid swap"][0].text) == 5
    # Every request finds rows on the small page too (an empty page costs fewer statements).
    assert rows_in(small["supplier + search"][0].text) == LAMP_WORKS_PER_CYCLE
    assert rows_in(small["status filter"][0].text) > 0
    assert rows_in(small["supplier not paid"][0].text) > 0
    place_orders(devstore, drain, domain, 55)
    large = costs()

    assert rows_in(large["grid swap"][0].text) == 50, "a full page of 50 rows"
    html = large["grid swap"][0].text
    assert all(name in html for name in ROUTES) and "Unassigned" in html, "several suppliers"
    assert rows_in(large["supplier + search"][0].text) > rows_in(small["supplier + search"][0].text)
    assert rows_in(large["supplier + search"][0].text) == 60 // 5 * LAMP_WORKS_PER_CYCLE
    for name in requests:
        assert large[name][1] == small[name][1], f"{name}: {small[name][1]} -> {large[name][1]}"
    # Both are small: the page and its splits come in a handful of statements, no N+1. A
    # document load also counts the bell's unread notifications (one indexed COUNT).
    assert large["grid swap"][1] <= 8 and large["document load"][1] <= 11


def test_the_dashboard_counts_follow_every_change_to_a_supplier_order(
    ctx, app, devstore, make_shop, oauth_install, drain, run_worker, id_token
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=4)
    first = dashboard(grid_request(app, id_token(domain), htmx=False)[0].text)
    shop = shop_row(domain)
    by_status = dict(
        db.session.execute(
            select(SupplierOrder.status, func.count())
            .where(SupplierOrder.shop_id == shop.id)
            .group_by(SupplierOrder.status)
        ).all()
    )
    assert {k: v for k, v in first.items() if k != "late"} == by_status
    assert dashboard(grid_request(app, id_token(domain), htmx=False)[0].text) == first

    # A new order, processed by a worker in another process, shows on the next page load.
    devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={"line_items": [{"sku": "BRS-LAMP", "quantity": 1}], "financial_status": "paid"},
    ).raise_for_status()
    wait_for(lambda: run_worker() and order_count(domain) == 5, timeout=30)
    after_order = dashboard(grid_request(app, id_token(domain), htmx=False)[0].text)
    assert after_order.get("ready", 0) == first.get("ready", 0) + 1

    # A status change from the grid's own action shows too.
    ready = db.session.scalar(
        select(SupplierOrder).where(
            SupplierOrder.shop_id == shop.id, SupplierOrder.status == "ready"
        )
    )
    response = app.test_client().post(
        f"/orders/supplier-orders/{ready.id}/hold",
        data={"view": "row"},
        headers={"Authorization": f"Bearer {id_token(domain)}", "HX-Request": "true"},
    )
    assert response.status_code == 200, response.text[:300]
    after_hold = dashboard(grid_request(app, id_token(domain), htmx=False)[0].text)
    assert after_hold.get("ready", 0) == after_order["ready"] - 1
    assert after_hold.get("on_hold", 0) == after_order.get("on_hold", 0) + 1


def test_the_late_count_and_its_tooltip_follow_the_shops_late_after_days(
    ctx, app, devstore, make_shop, oauth_install, drain, id_token
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=3)
    (supplier_order,) = place_paid_order(devstore, drain, domain).supplier_orders
    assert supplier_order.status == "ready"
    # Sent to the supplier five days ago, no tracking since.
    assert states.advance(supplier_order, "request_fulfillment")
    assert states.advance(supplier_order, "forward")
    supplier_order.status_changed_at = utcnow() - timedelta(days=5)
    db.session.commit()

    def late_item() -> str:
        html = grid_request(app, id_token(domain), htmx=False)[0].text
        return re.search(r'<li data-status="late".*?</li>', html, re.S).group(0)

    default = late_item()
    assert "no tracking for 7+ days" in default and "<strong>0</strong>" in default
    shop_settings.save(shop_row(domain), shop_settings.ShopSettings(late_after_days=3))
    db.session.commit()
    three_days = late_item()
    assert "no tracking for 3+ days" in three_days and "<strong>1</strong>" in three_days
    assert "7+" not in three_days
