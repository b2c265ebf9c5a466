"""Every payload devstore sends validates against shopify-webhook-schemas (2026-07)."""

import json
from pathlib import Path

import jsonschema
import pytest

from devstore import auth, commerce, events, payloads

from .conftest import SHOP

SCHEMAS = Path(__file__).resolve().parents[1] / "vendor/webhook-schemas/schemas/2026-07"


def validate(topic, payload):
    schema = json.loads((SCHEMAS / f"{topic}.json").read_text())
    jsonschema.validate(payload, schema)


@pytest.fixture
def everything_subscribed(store, installed):
    """Subscribe the app to every topic so each emitted payload becomes a delivery."""
    for path in SCHEMAS.rglob("*.json"):
        topic = f"{path.parent.name}/{path.stem}"
        commerce.create_webhook_subscription(
            store,
            SHOP,
            client_id=installed,
            topic=events.topic_enum(topic),
            uri="http://127.0.0.1:9/wh",
        )
    return installed


def test_all_payloads_of_a_full_order_lifecycle_match_shopifys_schemas(
    store, everything_subscribed
):
    service = commerce.create_fulfillment_service(
        store, SHOP, client_id=everything_subscribed, name="Supplier", callback_url=None
    )
    with store.transaction():
        commerce.stock_skus_at(store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = commerce.create_order(
        store,
        SHOP,
        line_items=[{"sku": "MUG-STN-SPK", "quantity": 2}, {"sku": "TEE-ORG-M-SND", "quantity": 1}],
        financial_status="pending",
    )
    commerce.mark_paid(store, SHOP, order["id"])
    fos = commerce.fulfillment_orders_of(store, SHOP, order["id"])
    service_fo = next(f for f in fos if f["location_id"] == service["location_id"])
    commerce.hold_fulfillment_order(store, SHOP, service_fo["id"], reason="OTHER")
    commerce.release_hold(store, SHOP, service_fo["id"])
    commerce.submit_fulfillment_request(store, SHOP, service_fo["id"], message="Fragile")
    commerce.accept_fulfillment_request(store, SHOP, service_fo["id"])
    commerce.submit_cancellation_request(store, SHOP, service_fo["id"])
    commerce.reject_cancellation_request(store, SHOP, service_fo["id"], message="shipped")
    fulfillment = commerce.create_fulfillment(
        store,
        SHOP,
        by_fulfillment_order=[{"fulfillment_order_id": service_fo["id"]}],
        tracking={"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"},
    )
    commerce.update_tracking(
        store,
        SHOP,
        fulfillment["id"],
        tracking={"company": "UPS", "number": "1Z998", "url": "https://ups.example/1Z998"},
    )
    own_fo = next(f for f in fos if f["id"] != service_fo["id"])
    commerce.create_fulfillment(
        store,
        SHOP,
        by_fulfillment_order=[{"fulfillment_order_id": own_fo["id"]}],
        tracking={"company": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"},
    )
    line = order["line_items"][1]
    commerce.create_refund(
        store,
        SHOP,
        order["id"],
        refund_line_items=[{"line_item_id": line["id"], "quantity": 1, "restock_type": "RETURN"}],
    )
    other = commerce.create_order(store, SHOP, line_items=[{"sku": "BRS-LAMP"}])
    commerce.cancel_order(store, SHOP, other["id"], reason="CUSTOMER", restock=True, refund=True)
    with store.transaction():
        for topic in ("customers/data_request", "customers/redact", "shop/redact"):
            events.emit(store, SHOP, topic, payloads.compliance(store, SHOP, topic))
    auth.uninstall(store, SHOP, everything_subscribed)

    deliveries = store.find("webhook_delivery", shop=SHOP)
    topics = {d["topic"] for d in deliveries}
    assert {
        "orders/create",
        "orders/paid",
        "orders/updated",
        "orders/cancelled",
        "orders/fulfilled",
        "fulfillments/create",
        "fulfillments/update",
        "refunds/create",
        "fulfillment_orders/fulfillment_request_submitted",
        "fulfillment_orders/fulfillment_request_accepted",
        "fulfillment_orders/cancellation_request_submitted",
        "fulfillment_orders/cancellation_request_rejected",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/hold_released",
        "fulfillment_orders/order_routing_complete",
    } <= topics
    checked = 0
    for delivery in deliveries:
        if (SCHEMAS / f"{delivery['topic']}.json").exists():
            validate(delivery["topic"], json.loads(delivery["body"]))
            checked += 1
    assert checked == len(deliveries) > 20
