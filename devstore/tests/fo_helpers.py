"""What the tests of locations, holds and schedules share: an app with a fulfillment service,
its token, GraphQL over HTTP, and the webhook payloads devstore recorded per topic."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from devstore import commerce, events

from .conftest import CLIENT_ID, SHOP
from .test_oauth_and_delivery import exchange, id_token, register

GRAPHQL = f"/store/{SHOP}/admin/api/2026-07/graphql.json"
SCHEMAS = Path(__file__).resolve().parents[1] / "vendor/webhook-schemas/schemas/2026-07"
# Fields the inferred schemas type from a single example that Shopify sends as null when there
# is nothing to name (GraphQL's replacementFulfillmentOrder is nullable: a split of a
# splittable fulfillment order has no replacement).
# Likewise a pickup order's shipping_address.
NULLABLE = {
    "fulfillment_orders/split": ["replacement_fulfillment_order"],
    "orders/create": ["shipping_address"],
}


def app_with_service(server, topics: list[str]) -> dict:
    """Install the app by token exchange, give it a fulfillment service, subscribe it."""
    register(server)
    token = exchange(server, id_token()).json()["access_token"]
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=CLIENT_ID, name="Supplier", callback_url=None
    )
    for topic in topics:
        commerce.create_webhook_subscription(
            server.store,
            SHOP,
            client_id=CLIENT_ID,
            topic=events.topic_enum(topic),
            uri="http://127.0.0.1:9/wh",
        )
    shop = server.store.get("shop", SHOP)
    return {
        "token": token,
        "service_location": service["location_id"],
        "merchant_location": shop["primary_location_id"],
    }


def gql(server, token: str, query: str, **variables) -> dict:
    response = server.client.post(
        GRAPHQL,
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": token},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def control(server, path: str, body: dict | None = None) -> dict:
    response = server.client.post(f"/_devstore/shops/{SHOP}{path}", json=body or {})
    assert response.status_code < 300, response.text
    return response.json()


def sent(store, topic: str) -> list[dict]:
    """Payloads of `topic`, oldest first, each validated against Shopify's JSON Schema."""
    schema = json.loads((SCHEMAS / f"{topic}.json").read_text())
    for field in NULLABLE.get(topic, []):
        schema["properties"][field] = {"anyOf": [schema["properties"][field], {"type": "null"}]}
    bodies = [
        json.loads(d["body"])
        for d in store.find("webhook_delivery", shop=SHOP)
        if d["topic"] == topic
    ]
    for body in bodies:
        jsonschema.validate(body, schema)
    return bodies


def fos_of(store, order_id: int) -> list[dict]:
    """An order's fulfillment orders, oldest first."""
    return sorted(commerce.fulfillment_orders_of(store, SHOP, order_id), key=lambda f: f["id"])
