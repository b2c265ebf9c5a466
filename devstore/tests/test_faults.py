"""Outages and late answers, per shop, as Shopify has them (devstore/faults.py)."""

import threading
import time
from collections import Counter

import httpx
import pytest

from devstore import commerce, faults

from .conftest import SHOP
from .test_oauth_and_delivery import exchange, id_token, register

GRAPHQL = f"/store/{SHOP}/admin/api/2026-07/graphql.json"
SHOP_QUERY = {"query": "{ shop { name } }"}


@pytest.fixture
def token(server):
    register(server)
    return exchange(server, id_token()).json()["access_token"]


def ask(server, token, body=SHOP_QUERY):
    return server.client.post(GRAPHQL, json=body, headers={"X-Shopify-Access-Token": token})


def test_an_outage_answers_shopifys_error_page_for_that_shop_only_then_ends(server, token):
    commerce.ensure_shop(server.store, "other.myshopify.com")
    server.client.post(
        "/_devstore/settings",
        json={"outage": "503", "outage_shop": SHOP, "outage_requests": 2},
    ).raise_for_status()
    first, second = ask(server, token), ask(server, token)
    assert first.status_code == second.status_code == 503
    assert first.headers["content-type"].startswith("text/html")
    assert "Service Unavailable" in first.text and first.headers["X-Request-Id"]
    other = server.client.post(
        "/store/other.myshopify.com/admin/api/2026-07/graphql.json",
        json=SHOP_QUERY,
        headers={"X-Shopify-Access-Token": token},
    )
    assert other.status_code == 401, "another shop is served as usual (here: not installed)"
    assert ask(server, token).json()["data"]["shop"]["name"], "two calls failed, then it ended"


def test_an_internal_error_is_a_200_with_shopifys_error_code_and_a_request_id(server, token):
    server.settings.outage, server.settings.outage_requests = "internal_error", 1
    body = ask(server, token)
    assert body.status_code == 200
    (error,) = body.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] in error["message"]
    assert "data" not in body.json()


def test_a_dropped_connection_gets_no_answer_at_all(server, token):
    server.settings.outage, server.settings.outage_requests = "drop", -1
    try:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(
                server.url + GRAPHQL, json=SHOP_QUERY, headers={"X-Shopify-Access-Token": token}
            )
    finally:
        server.settings.outage_requests = 0
    assert ask(server, token).status_code == 200


def test_a_late_answer_comes_after_the_mutation_took_effect(server, token):
    server.settings.answer_delay_seconds, server.settings.answer_delay_shop = 1.0, SHOP
    mutation = {
        "query": "mutation Tag($order: OrderCreateOrderInput!) { orderCreate(order: $order) "
        "{ order { id } userErrors { message } } }",
        "variables": {"order": {"currency": "USD", "lineItems": [{"title": "Mug", "quantity": 1}]}},
    }
    before = len(commerce.list_orders(server.store, SHOP))
    held_before = faults.held.copy()
    answered = []
    thread = threading.Thread(target=lambda: answered.append(ask(server, token, mutation)))
    started = time.monotonic()
    thread.start()
    deadline = started + 30  # a generous wait for the store, not a speed limit
    while len(commerce.list_orders(server.store, SHOP)) == before:
        assert time.monotonic() < deadline, "the mutation never took effect"
        time.sleep(0.02)
    assert not answered, "the order exists in the store before the app hears back"
    thread.join()
    assert time.monotonic() - started >= 1.0
    assert faults.held - held_before == Counter({"Tag": 1}), "the mutation's answer was held"
    assert answered[0].json()["data"]["orderCreate"]["order"]["id"]
    held_before = faults.held.copy()
    assert ask(server, token).status_code == 200
    assert faults.held == held_before, "queries are not delayed"


def test_usage_adds_up_calls_and_cost_per_shop_app_and_operation(server, token):
    server.client.delete("/_devstore/usage")
    for _ in range(3):
        ask(server, token, {"query": "query ShopName { shop { name } }"})
    ask(server, token)
    (row,) = server.client.get("/_devstore/usage", params={"shop": SHOP}).json()
    assert (row["calls"], row["throttled"]) == (4, 0)
    assert row["operations"]["ShopName"]["calls"] == 3
    assert row["operations"]["(anonymous)"]["calls"] == 1
    assert row["actual_cost"] == 4 * row["operations"]["ShopName"]["actual_cost"] // 3 > 0
