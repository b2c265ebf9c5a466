"""Shop A cannot read or act on shop B: the grid, its search and dashboard, the drawer, the
supplier filter, row and bulk actions and the sync button all stay within the shop named by
the ID token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from domain.models.orders import Order, Supplier, SupplierOrder, SyncRun
from extensions import db
from tests.integration.test_grid import (
    dashboard,
    grid_request,
    grid_shop,
    order_count,
    shop_row,
)
from tests.integration.test_webhooks import wait_for

pytestmark = pytest.mark.attack


def order_ids(shop_id: int) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Order.id).where(Order.shop_id == shop_id)))


def rows(page_html: str) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="order-row-(\d+)"', page_html)}


def statuses(shop_id: int) -> dict[int, str]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(SupplierOrder.id, SupplierOrder.status).where(SupplierOrder.shop_id == shop_id)
        ).all()
    )


def test_shop_a_cannot_read_or_act_on_shop_b(
    ctx, app, devstore, make_shop, oauth_install, drain, id_token
):
    a = grid_shop(devstore, make_shop, oauth_install, drain, orders=4, prefix="shop-a")
    b = grid_shop(devstore, make_shop, oauth_install, drain, orders=3, prefix="shop-b")
    devstore.control.post(
        f"/_devstore/shops/{b}/orders",
        json={
            "line_items": [{"sku": "BRS-LAMP", "quantity": 1}],
            "customer": {"first_name": "Zebedee", "last_name": "Onlyinb", "email": "z@b.example"},
        },
    ).raise_for_status()
    wait_for(lambda: drain() or order_count(b) == 4, timeout=20)
    shop_a, shop_b = shop_row(a), shop_row(b)
    a_orders, b_orders = order_ids(shop_a.id), order_ids(shop_b.id)
    b_statuses = statuses(shop_b.id)
    b_synced = dict(
        db.session.execute(
            select(Order.id, Order.synced_at).where(Order.shop_id == shop_b.id)
        ).all()
    )
    client = app.test_client()

    def as_a(method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {id_token(a)}", "HX-Request": "true"}
        return client.open(path, method=method, headers=headers, **kwargs)

    # The grid, its search and its dashboard show A's orders only.
    page, _ = grid_request(app, id_token(a), htmx=False)
    assert rows(page.text) == a_orders
    counts = dashboard(page.text)
    assert sum(n for key, n in counts.items() if key != "late") == len(statuses(shop_a.id))
    found, _ = grid_request(app, id_token(a), htmx=True, q="zebedee")
    assert rows(found.text) == set() and "No orders match these filters" in found.text
    found_by_b, _ = grid_request(app, id_token(b), htmx=True, q="zebedee")
    assert len(rows(found_by_b.text)) == 1

    # B's order in A's drawer: not found, as if it did not exist.
    b_order = min(b_orders)
    assert as_a("GET", f"/orders/{b_order}").status_code == 404
    assert (
        client.get(
            f"/orders/{b_order}", headers={"Authorization": f"Bearer {id_token(b)}"}
        ).status_code
        == 200
    )

    # B's supplier as A's filter: refused with the notice, A's grid unfiltered.
    b_supplier = db.session.scalar(select(Supplier.id).where(Supplier.shop_id == shop_b.id))
    filtered, _ = grid_request(app, id_token(a), htmx=True, supplier=str(b_supplier))
    assert "That supplier does not exist in this store" in filtered.text
    assert rows(filtered.text) == a_orders

    # Acting on B's supplier orders from A: a row action is not found, a bulk action finds
    # nothing to act on; B's statuses do not move.
    b_part = min(b_statuses)
    for action in ("hold", "request_fulfillment"):
        response = as_a("POST", f"/orders/supplier-orders/{b_part}/{action}", data={"view": "row"})
        assert response.status_code == 404
    bulk = as_a(
        "POST",
        "/orders/bulk",
        data={"action": "hold", "order": [str(i) for i in b_orders], "supplier": str(b_supplier)},
    )
    assert bulk.status_code == 200
    assert "None of the selected orders" in bulk.text and rows(bulk.text) <= a_orders
    assert statuses(shop_b.id) == b_statuses

    # A's sync button starts A's sync only; B's orders are not touched by it.
    b_runs = db.session.scalar(
        select(func.count()).select_from(SyncRun).where(SyncRun.shop_id == shop_b.id)
    )
    assert as_a("POST", "/orders/sync").status_code == 200
    drain()
    db.session.expire_all()
    latest_a = db.session.scalar(
        select(SyncRun).where(SyncRun.shop_id == shop_a.id).order_by(SyncRun.id.desc())
    )
    assert latest_a.kind == "backfill" and latest_a.status == "done"
    assert latest_a.orders_seen == len(a_orders)
    assert (
        db.session.scalar(
            select(func.count()).select_from(SyncRun).where(SyncRun.shop_id == shop_b.id)
        )
        == b_runs
    )
    assert (
        dict(
            db.session.execute(
                select(Order.id, Order.synced_at).where(Order.shop_id == shop_b.id)
            ).all()
        )
        == b_synced
    )
    assert statuses(shop_b.id) == b_statuses and order_ids(shop_b.id) == b_orders
