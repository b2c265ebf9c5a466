"""The grid's search reads its matches in the sort's order and stops COUNT_CAP past the page's
start (issue 18): on PostgreSQL and on SQLite it shows exactly the orders a plain substring
filter of the shop's orders gives, in the same order, for every sort, direction and page;
the count is exact up to the cap and "more than N" beyond it, with a next page; another
shop's orders, with the same words, never show."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jwt
import pytest
from flask import current_app
from sqlalchemy import insert

from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from domain.orders import grid
from tests.conftest import API_KEY, API_SECRET

FIRST = ["anna", "bence", "nora", "zoltan", "ida", "kata", "hugo"]
LAST = ["nagy", "smith", "kiss", "dubois", "rossi", "varga"]
SKUS = ["brs-lamp-001", "brs-lamp-019", "mug-stn-004", "tote-rec-010", "pen-fnt-002"]
STATUSES = ["shipped", "shipped", "requested", "on_hold", "shipped", "in_progress", "ready"]
ORDERS = grid.COUNT_CAP + 230  # enough for a search matching them all to reach the cap
START = datetime(2026, 1, 1, tzinfo=UTC)
# common (all, most, a third), rare, none; 1, 2, 3 letters; order numbers, emails, SKUs
QUERIES = ["a", "na", "zq", "#1042", "nora.kiss", "brs-lamp", "lamp-019", "o", "ssi"]


def order_values(shop_id: int, i: int) -> dict:
    first, last = FIRST[i % len(FIRST)], LAST[i * 7 % len(LAST)]
    skus = " ".join(SKUS[(i + k) % len(SKUS)] for k in range(1 + i % 3))
    email = f"{first}.{last}{i % 13}@example.com"
    name = f"#{1000 + i}"
    return {
        "shop_id": shop_id,
        "shopify_gid": f"gid://shopify/Order/{shop_id}-{i}",
        "name": name,
        # Some orders share a time, a name sort and a total: the id breaks the ties.
        "created_at": START + timedelta(minutes=(i * 37) % ORDERS // 2),
        "shopify_updated_at": START,
        "financial_status": "PAID",
        "store_status": "FULFILLED" if i % 4 else "UNFULFILLED",
        "currency": "USD",
        "total": Decimal(i * 53 % 400) / 4,
        "customer_name": f"{first} {last}",
        "customer_email": email,
        "search_text": f"{name} {first} {last} {email} {skus}",
    }


def fill(db) -> tuple[Shop, list[dict]]:
    """Two shops with the same texts; returns the first and its orders (with ids, status)."""
    for shop_id in (1, 2):
        db.session.add(
            Shop(
                id=shop_id,
                domain=f"search-{shop_id}.myshopify.com",
                name=f"Search {shop_id}",
                currency="USD",
                access_token_encrypted="not-a-real-token",  # installed (never sent anywhere)
                scopes="read_orders",
                installed_at=START,
            )
        )
    db.session.flush()
    for shop_id in (2, 1):  # the other shop's rows first: its ids interleave nowhere near
        db.session.execute(insert(Order), [order_values(shop_id, i) for i in range(ORDERS)])
    ids = dict(
        db.session.execute(
            Order.__table__.select().with_only_columns(Order.shopify_gid, Order.id)
        ).all()
    )
    mine = []
    for i in range(ORDERS):
        values = order_values(1, i)
        values["id"] = ids[values["shopify_gid"]]
        values["status"] = STATUSES[i % len(STATUSES)]
        mine.append(values)
    parts = [{"order_id": o["id"], "shop_id": 1, "status": o["status"]} for o in mine]
    parts += [  # the other shop's orders: every status, so a status filter never hides them
        {"order_id": ids[order_values(2, i)["shopify_gid"]], "shop_id": 2, "status": status}
        for i in range(ORDERS)
        for status in ("shipped", "on_hold")
    ]
    db.session.execute(insert(SupplierOrder), parts)
    db.session.commit()
    return db.session.get(Shop, 1), mine


def expected(orders: list[dict], q: str, sort: str, direction: str, status=None) -> list[int]:
    """The definition: the shop's orders whose search text contains q, in the sort's order."""
    key = {"created": "created_at", "name": "name", "total": "total"}[sort]
    found = [o for o in orders if q in o["search_text"] and status in (None, o["status"])]
    found.sort(key=lambda o: (o[key], o["id"]), reverse=direction == "desc")
    return [o["id"] for o in found]


def check(shop, orders, q: str, sort: str, direction: str, page: int, status=None) -> None:
    args = {"q": q, "sort": sort, "dir": direction, "page": str(page)}
    if status:
        args["status"] = status
    result = grid.grid(shop, args)
    matches = expected(orders, q, sort, direction, status)
    shown = result.filters.page
    offset = (shown - 1) * grid.PAGE_SIZE
    where = (q, sort, direction, page, status)
    assert [o.id for o in result.orders] == matches[offset : offset + grid.PAGE_SIZE], where
    assert all(o.shop_id == shop.id for o in result.orders), where
    if len(matches) > offset + grid.COUNT_CAP:
        assert result.total_capped and result.total == offset + grid.COUNT_CAP, where
        assert result.pages > shown, where  # a next page to go on to
    else:
        assert not result.total_capped and result.total == len(matches), where
        assert result.pages == max(1, -(-len(matches) // grid.PAGE_SIZE)), where
    if page > result.pages:
        assert shown == result.pages, where  # "there are only n pages; showing the last one"


def empty(db) -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(params=["postgresql", "sqlite"])
def search_db(request, tmp_path):
    from extensions import db

    if request.param == "postgresql":
        flask_app = request.getfixturevalue("app")
        with flask_app.app_context():
            empty(db)  # the session's database: as clean_state leaves it for tests using `app`
            yield db
            db.session.rollback()
            empty(db)
        return
    from app import create_app

    sqlite_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'relay.sqlite3'}",
            "TESTING": True,
            "SHOPIFY_API_KEY": API_KEY,
            "SHOPIFY_API_SECRET": API_SECRET,
            "TOKEN_ENCRYPTION_KEYS": ["2N1fVt3R4m5cL8qkzVJd3hQq4bq1n2h0rV1Zb7m6sCw="],
        }
    )
    with sqlite_app.app_context():
        db.create_all()
        yield db
        db.session.remove()
        db.engine.dispose()


def test_every_search_shows_the_rows_a_substring_filter_gives_with_a_capped_count(search_db):
    shop, orders = fill(search_db)
    assert len(expected(orders, "a", "created", "desc")) > grid.COUNT_CAP  # reaches the cap
    assert expected(orders, "zq", "created", "desc") == []
    last = -(-ORDERS // grid.PAGE_SIZE)
    for q in QUERIES:
        for sort in ("created", "name", "total"):
            for direction in ("desc", "asc"):
                for page in (1, 2, last - 1, last + 3):
                    check(shop, orders, q, sort, direction, page)


def test_a_search_with_a_status_filter_counts_and_pages_the_same_way(search_db):
    shop, orders = fill(search_db)
    assert len(expected(orders, "a", "created", "desc", "shipped")) < grid.COUNT_CAP
    for q in ("a", "na", "brs-lamp", "lamp-019", "zq"):
        for status in ("shipped", "on_hold"):
            for page in (1, 3, 40):
                check(shop, orders, q, "created", "desc", page, status)
                check(shop, orders, q, "total", "asc", page, status)


def grid_swap(shop: Shop, **params) -> str:
    """The grid partial a search sends for, through the whole app (ID token, shop, template)."""
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": f"https://{shop.domain}/admin",
            "dest": f"https://{shop.domain}",
            "aud": API_KEY,
            "sub": "42",
            "exp": now + 60,
            "nbf": now,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "sid": uuid.uuid4().hex,
        },
        API_SECRET,
        algorithm="HS256",
    )
    response = current_app.test_client().get(
        "/orders",
        query_string=params,
        headers={"Authorization": f"Bearer {token}", "HX-Request": "true"},
    )
    assert response.status_code == 200, response.text[:300]
    return " ".join(response.text.split())


def test_the_grid_says_more_than_n_orders_with_a_next_page_and_the_exact_count_below(search_db):
    shop, orders = fill(search_db)
    first = grid_swap(shop, q="a")
    assert "more than 1000 orders · page 1</span>" in first
    assert "page=2" in first and "Next" in first
    ids = [int(i) for i in re.findall(r'<tr id="order-row-(\d+)"', first)]
    assert ids == expected(orders, "a", "created", "desc")[: grid.PAGE_SIZE]
    # From page 6 the 1,000 read past the page's start reach every match: counted exactly.
    sixth = grid_swap(shop, q="a", page=6)
    assert f"{ORDERS} orders · page 6 of 25</span>" in sixth
    # the one order of this shop, not the other shop's with the same number
    assert "1 order · page 1 of 1</span>" in grid_swap(shop, q="#1042")
