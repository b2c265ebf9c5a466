"""On SQLite (the embedded default) the grid's search uses an FTS5 trigram index that init-db
creates and triggers keep current; it finds exactly what a plain LIKE finds, and a database
made before the index existed gets it (filled) from the next init-db."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.models import order_search
from domain.models.orders import Order
from domain.models.shop import Shop

TEXTS = [
    "#1001 réka nagy reka.nagy@example.com mug-stn-spk",
    "#1002 anna kovács 50%_off@example.com brs-lamp",
    '#1003 o\'brien "quoted" tote-rec-olv',
    "#1004 <script>alert(1)</script> x@y.example pil-lin-nat",
]
QUERIES = ["nagy", "#100", "50%_", "%", "_", "o'brien", '"quoted"', "<script>", "kovács", "zzz"]


@pytest.fixture
def sqlite_app(tmp_path):
    from app import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'relay.sqlite3'}", "TESTING": True}
    )


def found(db, text: str, shop_id: int = 1) -> list[str]:
    rows = db.session.scalars(
        select(Order.name).where(Order.shop_id == shop_id, order_search.contains(shop_id, text))
    )
    return sorted(rows)


def like(db, text: str, shop_id: int = 1) -> list[str]:
    rows = db.session.execute(
        select(Order.name, Order.search_text).where(Order.shop_id == shop_id)
    ).all()
    return sorted(name for name, search_text in rows if text in search_text)


def add_orders(db, texts, shop_id: int = 1) -> list[Order]:
    if db.session.get(Shop, shop_id) is None:
        db.session.add(Shop(id=shop_id, domain=f"shop-{shop_id}.myshopify.com"))
        db.session.flush()
    now = datetime.now(UTC)
    orders = [
        Order(
            shop_id=shop_id,
            shopify_gid=f"gid://shopify/Order/{shop_id}-{text[1:5]}",
            name=text.split()[0],
            created_at=now,
            shopify_updated_at=now,
            financial_status="PAID",
            store_status="UNFULFILLED",
            currency="USD",
            total=Decimal("10.00"),
            search_text=text,
        )
        for text in texts
    ]
    db.session.add_all(orders)
    db.session.commit()
    return orders


def test_the_sqlite_search_index_finds_what_like_finds_and_follows_every_change(sqlite_app):
    from extensions import db

    with sqlite_app.app_context():
        db.create_all()
        shops = (1, 12, 123, 1123)
        orders = {shop_id: add_orders(db, TEXTS, shop_id) for shop_id in shops}
        assert db.session.execute(select(order_search._fts.c.rowid)).first() is not None
        # Shop ids are in the index too: searching digits never matches a shop's marker.
        queries = [*QUERIES, "123", "112", "\ue00a\ue001\ue00a"]
        for shop_id in shops:
            for text in queries:
                assert found(db, text, shop_id) == like(db, text, shop_id), (shop_id, text)
        assert found(db, "nagy", 12) == ["#1001"] and found(db, "%", 123) == ["#1002"]

        orders[1][0].search_text = "#1001 redacted"
        db.session.delete(orders[1][1])
        db.session.commit()
        assert found(db, "nagy") == [] and found(db, "redacted") == ["#1001"]
        assert found(db, "brs-lamp") == [] and found(db, "brs-lamp", 12) == ["#1002"]
        assert found(db, "nagy", 1123) == ["#1001"]


def test_init_db_adds_the_index_to_a_database_made_before_it(sqlite_app, tmp_path):
    from extensions import db

    with sqlite_app.app_context():
        db.create_all()
        add_orders(db, TEXTS)
        db.session.remove()
        db.engine.dispose()
    # As a database created by an earlier Relay: no search table, no triggers.
    with sqlite3.connect(tmp_path / "relay.sqlite3") as raw:
        raw.execute("DROP TABLE orders_search")
        for trigger in ("insert", "update", "delete"):
            raw.execute(f"DROP TRIGGER orders_search_{trigger}")
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with sqlite_app.app_context():
        assert found(db, "nagy") == ["#1001"]
        assert found(db, "<script>") == ["#1004"]
