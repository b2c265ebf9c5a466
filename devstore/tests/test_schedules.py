"""Scheduled fulfillment orders (prepaid subscriptions, pre-orders): one per delivery with its
fulfillAt, opened by fulfillmentOrderOpen or the time coming, rescheduled."""

from datetime import datetime, timedelta

import pytest

from devstore import cli, commerce

from .conftest import SHOP
from .fo_helpers import app_with_service, control, fos_of, gql, sent

TOPICS = [
    "fulfillment_orders/scheduled_fulfillment_order_ready",
    "fulfillment_orders/rescheduled",
]
FOS = """query($id: ID!) { order(id: $id) {
  lineItems(first: 5) { nodes { quantity } }
  fulfillmentOrders(first: 10) { nodes { id status fulfillAt supportedActions { action }
    lineItems(first: 5) { nodes { totalQuantity } } } } } }"""
OPEN = """mutation($id: ID!) { fulfillmentOrderOpen(id: $id) {
  fulfillmentOrder { id status } userErrors { field message } } }"""
RESCHEDULE = """mutation($id: ID!, $at: DateTime!) {
  fulfillmentOrderReschedule(id: $id, fulfillAt: $at) {
    fulfillmentOrder { id status fulfillAt lineItems(first: 5) { nodes { totalQuantity } } }
    userErrors { field message } } }"""


@pytest.fixture
def app(server):
    return app_with_service(server, TOPICS)


def subscription(server, deliveries=3, **schedule):
    order = control(
        server,
        "/orders",
        {
            "line_items": [{"sku": "MUG-STN-SPK", "quantity": 2}],
            "schedule": {"deliveries": deliveries, **schedule},
        },
    )
    return order


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_prepaid_subscription_gets_one_fulfillment_order_per_delivery(server, app):
    order = subscription(server, deliveries=3, interval_days=30)
    data = gql(server, app["token"], FOS, id=commerce.gid("Order", order["id"]))["order"]
    assert data["lineItems"]["nodes"] == [{"quantity": 6}]
    fos = data["fulfillmentOrders"]["nodes"]
    assert [f["status"] for f in fos] == ["OPEN", "SCHEDULED", "SCHEDULED"]
    assert all(f["lineItems"]["nodes"] == [{"totalQuantity": 2}] for f in fos)
    dates = [at(f["fulfillAt"]) for f in fos]
    assert [d - dates[0] for d in dates] == [timedelta(0), timedelta(days=30), timedelta(days=60)]
    assert {a["action"] for a in fos[1]["supportedActions"]} == {"MARK_AS_OPEN", "HOLD", "MOVE"}
    # Nothing can ship before its date.
    refused = server.client.post(
        f"/_devstore/shops/{SHOP}/fulfillment_orders/{fos[1]['id'].split('/')[-1]}/fulfill"
    )
    assert refused.status_code == 422 and "scheduled" in refused.text


def test_the_merchant_opens_one_early_and_time_opens_the_next(server, app):
    order = subscription(server, deliveries=3)
    first, second, third = fos_of(server.store, order["id"])
    opened = gql(server, app["token"], OPEN, id=commerce.gid("FulfillmentOrder", second["id"]))
    assert opened["fulfillmentOrderOpen"]["fulfillmentOrder"]["status"] == "OPEN"
    again = gql(server, app["token"], OPEN, id=commerce.gid("FulfillmentOrder", second["id"]))
    assert (
        again["fulfillmentOrderOpen"]["userErrors"][0]["message"]
        == "Fulfillment order is not scheduled."
    )
    # The clock comes to the third delivery's date: it opens, the ready webhook follows.
    control(server, "/clock", {"fulfillment_order_id": third["id"]})
    assert [f["status"] for f in fos_of(server.store, order["id"])] == ["OPEN"] * 3
    ready = sent(server.store, "fulfillment_orders/scheduled_fulfillment_order_ready")
    assert [p["fulfillment_order"]["id"] for p in ready] == [
        commerce.gid("FulfillmentOrder", second["id"]),
        commerce.gid("FulfillmentOrder", third["id"]),
    ]


def test_a_pre_order_is_scheduled_from_the_first_delivery_and_the_clock_opens_what_is_due(
    server, app
):
    order = subscription(server, deliveries=2, interval_days=7, first_in_days=14)
    first, second = fos_of(server.store, order["id"])
    assert (first["status"], second["status"]) == ("SCHEDULED", "SCHEDULED")
    halfway = at(first["fulfill_at"]) + timedelta(days=1)
    control(server, "/clock", {"until": halfway.isoformat()})
    assert [f["status"] for f in fos_of(server.store, order["id"])] == ["OPEN", "SCHEDULED"]


def test_rescheduling_moves_the_date_or_merges_with_a_delivery_then(server, app):
    order = subscription(server, deliveries=3)
    first, second, third = fos_of(server.store, order["id"])
    later = (at(second["fulfill_at"]) + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    moved = gql(
        server,
        app["token"],
        RESCHEDULE,
        id=commerce.gid("FulfillmentOrder", second["id"]),
        at=later,
    )["fulfillmentOrderReschedule"]["fulfillmentOrder"]
    assert moved["fulfillAt"] == later and moved["status"] == "SCHEDULED"
    # Onto the third delivery's date: Shopify merges the two; the merged one is returned.
    merged = gql(
        server,
        app["token"],
        RESCHEDULE,
        id=commerce.gid("FulfillmentOrder", second["id"]),
        at=third["fulfill_at"],
    )["fulfillmentOrderReschedule"]["fulfillmentOrder"]
    assert merged["id"] == commerce.gid("FulfillmentOrder", third["id"])
    assert merged["lineItems"]["nodes"] == [{"totalQuantity": 4}]
    statuses = [f["status"] for f in fos_of(server.store, order["id"])]
    assert statuses == ["OPEN", "CLOSED", "SCHEDULED"]
    payloads = sent(server.store, "fulfillment_orders/rescheduled")
    assert [p["fulfillment_order"]["fulfill_at"] for p in payloads] == [later, third["fulfill_at"]]
    refused = gql(
        server, app["token"], RESCHEDULE, id=commerce.gid("FulfillmentOrder", first["id"]), at=later
    )
    assert refused["fulfillmentOrderReschedule"]["userErrors"]


def test_the_cli_places_a_subscription_and_advances_the_clock(server, app, capsys):
    place = f"order place {SHOP} --sku MUG-STN-SPK --schedule 2 --interval-days 10"
    assert cli.main(["--url", server.url, *place.split()]) == 0
    (order,) = [o for o in commerce.list_orders(server.store, SHOP)]
    first, second = fos_of(server.store, order["id"])
    assert (first["status"], second["status"]) == ("OPEN", "SCHEDULED")
    assert cli.main(["--url", server.url, "clock", SHOP, "--fo", str(second["id"])]) == 0
    assert fos_of(server.store, order["id"])[1]["status"] == "OPEN"
    capsys.readouterr()
