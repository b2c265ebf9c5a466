"""A webhook job and the backfill can bring the same new order at the same moment. Both must
succeed: one creates the order, the other finds it and updates it; never a UNIQUE violation
(which used to greet a new user as failed jobs on the Jobs page)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select, text

from domain.models.orders import LineItem, Order
from domain.models.shop import Shop
from domain.orders import sync
from extensions import db
from integrations.shopify_admin.order_shapes import ShopifyLineItem, ShopifyOrder

pytestmark = [pytest.mark.attack, pytest.mark.postgresql]  # waits on pg_stat_activity


def snapshot(gid: str) -> ShopifyOrder:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return ShopifyOrder(
        gid=gid,
        name="#1001",
        created_at=now,
        updated_at=now,
        financial_status="PAID",
        store_status="UNFULFILLED",
        cancelled_at=None,
        currency="EUR",
        total=Decimal("20.00"),
        customer_name="Alex Doe",
        customer_email="alex@example.com",
        shipping_address=None,
        lines=(
            ShopifyLineItem(
                gid=gid.replace("Order", "LineItem"),
                sku="MUG-1",
                title="Mug",
                variant_title=None,
                quantity=2,
                unit_price=Decimal("10.00"),
            ),
        ),
    )


def wait_until_a_transaction_waits_on_a_lock(deadline_s: float = 60) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    give_up = time.monotonic() + deadline_s
    with db.engine.connect() as connection:
        while connection.execute(waiting).scalar() == 0:
            assert time.monotonic() < give_up, "the second upsert never waited on the first"
            time.sleep(0.02)
            connection.rollback()


def test_two_transactions_upserting_one_new_order_at_once_both_succeed(app, ctx, installed_shop):
    shop_id = db.session.scalar(select(Shop.id).where(Shop.domain == installed_shop))
    gid = "gid://shopify/Order/987654321"
    first_inserted = threading.Event()
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def upsert(name: str, hold_open: bool) -> None:
        with app.app_context():
            try:
                shop = db.session.get(Shop, shop_id)
                results[name] = sync.upsert(shop, snapshot(gid), source=name)
                if hold_open:
                    # The other transaction now meets this one's uncommitted row: commit only
                    # once PostgreSQL shows it waiting on our lock, so the race really happens.
                    first_inserted.set()
                    wait_until_a_transaction_waits_on_a_lock()
                db.session.commit()
            except BaseException as exc:  # collected: asserted empty below
                errors.append(exc)
                first_inserted.set()
            finally:
                db.session.remove()

    first = threading.Thread(target=upsert, args=("webhook", True))
    second = threading.Thread(target=lambda: first_inserted.wait(30) and upsert("backfill", False))
    first.start()
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert errors == []
    assert results == {"webhook": "created", "backfill": "unchanged"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.scalar(select(func.count()).select_from(LineItem)) == 1


def test_a_new_shops_first_requests_at_once_install_it_once(
    ctx, devstore, relay_server, make_shop, register_relay, id_token
):
    """The admin loads the app and fires its first htmx requests together: each exchanges its
    ID token and installs the shop; all succeed, and there is one shop row."""
    domain = make_shop("managed")
    start = threading.Barrier(4)
    answers: list[int] = []

    def first_load() -> None:
        start.wait(timeout=30)
        answers.append(
            httpx.get(
                f"{relay_server.url}/",
                follow_redirects=True,
                params={"embedded": "1", "shop": domain, "id_token": id_token(domain)},
                timeout=60,
            ).status_code
        )

    threads = [threading.Thread(target=first_load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert answers == [200, 200, 200, 200]
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(Shop).where(Shop.domain == domain)) == 1
    )
