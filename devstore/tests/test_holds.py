"""Fulfillment holds with reasons: several per fulfillment order, held by an app or the
merchant, released one by one or all at once, with Shopify's hold webhooks."""

import pytest

from devstore import cli, commerce

from .conftest import SHOP
from .fo_helpers import app_with_service, control, fos_of, gql, sent

TOPICS = [
    "fulfillment_orders/placed_on_hold",
    "fulfillment_orders/hold_released",
    "fulfillment_holds/added",
    "fulfillment_holds/released",
]
HOLD = """mutation($id: ID!, $hold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $hold) {
    fulfillmentHold { id reason reasonNotes handle heldByRequestingApp heldByApp { id title } }
    fulfillmentOrder { id status }
    remainingFulfillmentOrder { id status lineItems(first: 5) { nodes { totalQuantity } } }
    userErrors { field message code } } }"""
RELEASE = """mutation($id: ID!, $holds: [ID!]) {
  fulfillmentOrderReleaseHold(id: $id, holdIds: $holds) {
    fulfillmentOrder { id status fulfillmentHolds { id reason } }
    userErrors { field message } } }"""
HOLDS = """query($id: ID!) { fulfillmentOrder(id: $id) { status
  fulfillmentHolds { id reason reasonNotes handle displayReason heldByRequestingApp
    heldByApp { id title } } } }"""


@pytest.fixture
def app(server):
    return app_with_service(server, TOPICS)


@pytest.fixture
def fo(server, app):
    order = control(server, "/orders", {"line_items": [{"sku": "MUG-STN-SPK", "quantity": 3}]})
    (fo,) = fos_of(server.store, order["id"])
    return fo


def test_two_holds_with_reasons_released_one_at_a_time(server, app, fo):
    fo_gid = commerce.gid("FulfillmentOrder", fo["id"])
    control(
        server,
        f"/fulfillment_orders/{fo['id']}/hold",
        {"reason": "INCORRECT_ADDRESS", "reason_notes": "No street number"},
    )
    held = gql(
        server,
        app["token"],
        HOLD,
        id=fo_gid,
        hold={"reason": "HIGH_RISK_OF_FRAUD", "reasonNotes": "Card mismatch", "handle": "fraud"},
    )["fulfillmentOrderHold"]
    assert held["userErrors"] == [] and held["fulfillmentOrder"]["status"] == "ON_HOLD"
    app_hold = held["fulfillmentHold"]
    assert app_hold["heldByRequestingApp"] and app_hold["heldByApp"]["title"] == "App One"
    holds = gql(server, app["token"], HOLDS, id=fo_gid)["fulfillmentOrder"]["fulfillmentHolds"]
    assert [(h["reason"], h["reasonNotes"], h["heldByApp"]) for h in holds[:1]] == [
        ("INCORRECT_ADDRESS", "No street number", None)
    ]
    assert holds[1]["handle"] == "fraud" and holds[1]["displayReason"] == "High Risk Of Fraud"

    released = gql(server, app["token"], RELEASE, id=fo_gid, holds=[app_hold["id"]])
    after = released["fulfillmentOrderReleaseHold"]["fulfillmentOrder"]
    assert after["status"] == "ON_HOLD"
    assert [h["reason"] for h in after["fulfillmentHolds"]] == ["INCORRECT_ADDRESS"]
    assert [
        p["fulfillment_hold"]["id"] for p in sent(server.store, "fulfillment_holds/released")
    ] == [app_hold["id"]]
    assert sent(server.store, "fulfillment_orders/hold_released") == []

    everything = gql(server, app["token"], RELEASE, id=fo_gid)["fulfillmentOrderReleaseHold"]
    assert everything["fulfillmentOrder"]["status"] == "OPEN"
    (released_payload,) = sent(server.store, "fulfillment_orders/hold_released")
    assert released_payload["fulfillment_order"] == {"id": fo_gid, "status": "open"}
    added = sent(server.store, "fulfillment_holds/added")
    assert [p["fulfillment_hold"]["reason"] for p in added] == [
        "incorrect_address",
        "high_risk_of_fraud",
    ]
    assert added[1]["fulfillment_hold"]["held_by_app"]["id"] == app_hold["heldByApp"]["id"]
    on_hold = sent(server.store, "fulfillment_orders/placed_on_hold")
    assert [len(p["fulfillment_order"]["fulfillment_holds"]) for p in on_hold] == [1, 2]
    assert on_hold[1]["created_fulfillment_hold"]["reason_notes"] == "Card mismatch"


def test_holding_some_units_leaves_the_rest_open(server, app, fo):
    fo_gid = commerce.gid("FulfillmentOrder", fo["id"])
    line = {
        "id": commerce.gid("FulfillmentOrderLineItem", fo["line_items"][0]["id"]),
        "quantity": 1,
    }
    held = gql(
        server,
        app["token"],
        HOLD,
        id=fo_gid,
        hold={"reason": "INVENTORY_OUT_OF_STOCK", "fulfillmentOrderLineItems": [line]},
    )["fulfillmentOrderHold"]
    remaining = held["remainingFulfillmentOrder"]
    assert remaining["status"] == "OPEN"
    assert remaining["lineItems"]["nodes"] == [{"totalQuantity": 2}]
    (payload,) = sent(server.store, "fulfillment_orders/placed_on_hold")
    assert payload["remaining_fulfillment_order"]["id"] == remaining["id"]
    assert payload["held_fulfillment_order_line_items"] == [line]
    again = gql(
        server,
        app["token"],
        HOLD,
        id=fo_gid,
        hold={"reason": "OTHER", "handle": "second", "fulfillmentOrderLineItems": [line]},
    )["fulfillmentOrderHold"]
    assert again["userErrors"][0]["code"] == "FULFILLMENT_ORDER_NOT_SPLITTABLE"
    duplicate = gql(server, app["token"], HOLD, id=fo_gid, hold={"reason": "OTHER"})
    assert duplicate["fulfillmentOrderHold"]["userErrors"][0]["code"] == (
        "DUPLICATE_FULFILLMENT_HOLD_HANDLE"
    )


def test_a_fraud_app_holds_the_order_from_the_cli(server, app, fo, capsys):
    code = cli.main(
        [
            "--url",
            server.url,
            "fo",
            "hold",
            SHOP,
            str(fo["id"]),
            "--reason",
            "HIGH_RISK_OF_FRAUD",
            "--notes",
            "Chargeback history",
            "--app",
            "app-one",
            "--handle",
            "fraud-check",
        ]
    )
    assert code == 0
    (hold,) = commerce.get_fulfillment_order(server.store, SHOP, fo["id"])["holds"]
    assert (hold["reason"], hold["reason_notes"], hold["client_id"]) == (
        "HIGH_RISK_OF_FRAUD",
        "Chargeback history",
        "app-one",
    )
    assert (
        cli.main(
            [
                "--url",
                server.url,
                "fo",
                "release",
                SHOP,
                str(fo["id"]),
                "--hold-id",
                str(hold["id"]),
            ]
        )
        == 0
    )
    assert commerce.get_fulfillment_order(server.store, SHOP, fo["id"])["status"] == "OPEN"
    capsys.readouterr()
