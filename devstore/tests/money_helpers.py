"""Shared by the money tests: an app with a token, GraphQL over HTTP, orders placed through
the control route, and the REST payloads devstore sent."""

from __future__ import annotations

import json

from devstore import commerce

from .conftest import CLIENT_ID, SHOP
from .test_oauth_and_delivery import exchange, id_token, register
from .test_payload_schemas import SCHEMAS

GRAPHQL = f"/store/{SHOP}/admin/api/2026-07/graphql.json"
MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"


def app_token(server) -> str:
    register(server)
    token = exchange(server, id_token()).json()["access_token"]
    for topic in ("ORDERS_CREATE", "ORDERS_UPDATED", "REFUNDS_CREATE", "FULFILLMENTS_CREATE"):
        commerce.create_webhook_subscription(
            server.store, SHOP, client_id=CLIENT_ID, topic=topic, uri="http://127.0.0.1:9/wh"
        )
    return token


def gql(server, token, query, variables=None) -> dict:
    response = server.client.post(
        GRAPHQL,
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": token},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def place(server, line_items, **fields) -> dict:
    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders", json={"line_items": line_items, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def sent(server, topic: str) -> list[dict]:
    """The payloads devstore sent for a topic, by the id of what they describe (orders and
    refunds are numbered in the order they were made; deliveries move as they are retried)."""
    deliveries = server.store.find("webhook_delivery", shop=SHOP)
    payloads = [json.loads(d["body"]) for d in deliveries if d["topic"] == topic]
    return sorted(payloads, key=lambda p: p["id"])


def schema(topic: str) -> dict:
    return json.loads((SCHEMAS / f"{topic}.json").read_text())


def pair(bag: dict) -> tuple:
    return (
        bag["shopMoney"]["amount"],
        bag["shopMoney"]["currencyCode"],
        bag["presentmentMoney"]["amount"],
        bag["presentmentMoney"]["currencyCode"],
    )


REFUND = """mutation($input: RefundInput!) { refundCreate(input: $input) {
    refund { totalRefundedSet { MONEY }
      refundLineItems(first: 10) { nodes { quantity subtotalSet { MONEY }
        totalTaxSet { MONEY } } } }
    userErrors { field message } } }""".replace("MONEY", MONEY)


def refund(server, token, order, **input) -> dict:
    data = gql(
        server, token, REFUND, {"input": {"orderId": f"gid://shopify/Order/{order['id']}", **input}}
    )
    return data["refundCreate"]


def line_gid(order, index=0) -> str:
    return f"gid://shopify/LineItem/{order['line_items'][index]['id']}"
