"""Bad input to the grid gets a readable answer and changes nothing: unknown filter values,
a page beyond the end, malformed dates, SQL and HTML in the search text; an order webhook for
an unknown or an uninstalled shop is acknowledged and nothing is stored."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from domain.models.orders import LineItem, Order, SupplierOrder
from domain.models.shop import Shop, WebhookReceipt
from extensions import db
from tests.integration.test_grid import grid_request, grid_shop, order_count, rows_in
from tests.integration.test_webhooks import deliver, example, wait_for


@pytest.fixture
def shop_with_orders(ctx, devstore, make_shop, oauth_install, drain):
    return grid_shop(devstore, make_shop, oauth_install, drain, orders=6)


def notices(page_html: str) -> list[str]:
    return [
        html.unescape(n)
        for n in re.findall(r'<div class="notice[^"]*"[^>]*>(.*?)</div>', page_html)
    ]


def test_unknown_filter_values_are_dropped_with_a_notice(app, shop_with_orders, id_token):
    response, _ = grid_request(
        app,
        id_token(shop_with_orders),
        htmx=True,
        supplier="999999",
        status="teleported",
        store_status="lost_in_space",
        sort="price; DROP TABLE orders",
        dir="sideways",
        page="two",
    )
    said = " ".join(notices(response.text))
    assert "That supplier does not exist in this store" in said
    assert "Unknown Relay status “teleported”" in said
    assert "Unknown store status “LOST_IN_SPACE”" in said
    assert rows_in(response.text) == 6, "every order, as if no filter had been given"
    for odd in ("²", "٣", "-1", "1e3", "0x10", " 7"):
        response, _ = grid_request(
            app, id_token(shop_with_orders), htmx=True, supplier=odd, page=odd
        )
        assert rows_in(response.text) == 6, odd


def test_a_page_beyond_the_end_shows_the_last_page(app, shop_with_orders, id_token):
    response, _ = grid_request(app, id_token(shop_with_orders), htmx=True, page="99999999999999")
    assert rows_in(response.text) == 6
    assert "page 1 of 1" in response.text
    with_search, _ = grid_request(
        app, id_token(shop_with_orders), htmx=True, q="example.com", page="40"
    )
    assert rows_in(with_search.text) == 6 and "page 1 of 1" in with_search.text
    nothing, _ = grid_request(app, id_token(shop_with_orders), htmx=True, q="zzzz-none", page="3")
    assert rows_in(nothing.text) == 0 and "No orders match these filters" in nothing.text


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"from": "2024-13-45"}, "“2024-13-45” is not a date (from)"),
        ({"to": "yesterday"}, "“yesterday” is not a date (to)"),
        ({"from": "<b>1</b>"}, "“<b>1</b>” is not a date (from)"),
        ({"from": "2030-01-01", "to": "2020-01-01"}, "dates swapped"),
    ],
)
def test_malformed_dates_are_ignored_with_a_notice(app, shop_with_orders, id_token, given, said):
    response, _ = grid_request(app, id_token(shop_with_orders), htmx=True, **given)
    assert any(said in n for n in notices(response.text)), notices(response.text)
    assert "<b>1</b>" not in response.text, "echoed back escaped"
    assert rows_in(response.text) == 6


@pytest.mark.attack
def test_extreme_dates_are_answered_not_crashed_on(app, shop_with_orders, id_token):
    everything, _ = grid_request(
        app, id_token(shop_with_orders), htmx=True, **{"from": "0001-01-01", "to": "9999-12-31"}
    )
    assert rows_in(everything.text) == 6
    future, _ = grid_request(app, id_token(shop_with_orders), htmx=True, **{"from": "9999-12-31"})
    assert rows_in(future.text) == 0


def table_sizes(shop_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Order).where(Order.shop_id == shop_id)),
        db.session.scalar(select(func.count()).select_from(LineItem)),
        db.session.scalar(
            select(func.count()).select_from(SupplierOrder).where(SupplierOrder.shop_id == shop_id)
        ),
    )


@pytest.mark.attack
@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE orders; --",
        "x' OR '1'='1",
        "<script>alert('relay')</script>",
        '"><img src=x onerror=alert(1)>',
        "%",
        "_",
        "\\",
        "nul\x00byte",
        "é" * 300,
    ],
)
def test_sql_and_html_in_the_search_come_back_escaped_and_are_never_executed(
    app, shop_with_orders, id_token, text
):
    shop_id = db.session.scalar(select(Shop.id).where(Shop.domain == shop_with_orders))
    before = table_sizes(shop_id)
    for htmx in (True, False):
        response, _ = grid_request(app, id_token(shop_with_orders), htmx=htmx, q=text)
        assert rows_in(response.text) == 0, "matched literally: no order contains it"
        assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page, _ = grid_request(app, id_token(shop_with_orders), htmx=False, q=text)
    if "<" in text:
        assert str(escape(text)) in page.text, "the search box shows it, escaped"
    assert table_sizes(shop_id) == before
    assert order_count(shop_with_orders) == 6


@pytest.mark.attack
def test_html_in_a_customer_name_is_shown_as_text(
    ctx, app, devstore, make_shop, oauth_install, drain, id_token
):
    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=0)
    devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={
            "line_items": [{"sku": "BRS-LAMP", "quantity": 1}],
            "customer": {"first_name": "<script>alert(1)</script>", "last_name": "O'Brien"},
        },
    ).raise_for_status()
    wait_for(lambda: drain() or order_count(domain) == 1, timeout=20)
    response, _ = grid_request(app, id_token(domain), htmx=True, q="<script>")
    assert rows_in(response.text) == 1, "a search for the literal text finds it"
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize("case", ["unknown shop", "uninstalled shop"])
def test_an_order_webhook_for_a_shop_without_relay_is_acknowledged_and_stores_nothing(
    ctx, relay_server, installed_shop, devstore, drain, case
):
    domain = "nobody-here.myshopify.com"
    if case == "uninstalled shop":
        domain = installed_shop
        devstore.control.post(
            f"/_devstore/shops/{domain}/apps/relay-test-client-id/uninstall"
        ).raise_for_status()
        wait_for(lambda: drain() or not _installed(domain), timeout=15)
    response = deliver(relay_server, domain, "orders/create", example("orders/create"))
    assert response.status_code == 200
    drain()
    db.session.expire_all()
    receipt = db.session.scalar(
        select(WebhookReceipt).where(
            WebhookReceipt.shop_domain == domain, WebhookReceipt.topic == "orders/create"
        )
    )
    assert receipt.processed_at is not None and "not installed" in receipt.error
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(func.count()).select_from(LineItem)) == 0


def _installed(domain: str) -> bool:
    db.session.expire_all()
    shop = db.session.scalar(select(Shop).where(Shop.domain == domain))
    return shop is not None and shop.is_installed
