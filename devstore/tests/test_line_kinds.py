"""Lines that are not shipped: digital lines (requiresShipping false) and gift cards, placed
through the control route or the CLI, routed and fulfilled as Shopify does (commerce.line_kinds)."""

import json

import pytest

from devstore import commerce

from .conftest import CLIENT_ID, SHOP, run_cli
from .test_oauth_and_delivery import exchange, id_token, register
from .test_payload_schemas import validate

GRAPHQL = f"/store/{SHOP}/admin/api/2026-07/graphql.json"
ORDER = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  lineItems(first: 10) { nodes { sku title isGiftCard requiresShipping unfulfilledQuantity } }
  fulfillmentOrders(first: 10) { nodes { status deliveryMethod { methodType }
    assignedLocation { location { id } }
    lineItems(first: 10) { nodes { sku requiresShipping remainingQuantity } } } } } }"""


@pytest.fixture
def supplier(server):
    register(server)
    server.token = exchange(server, id_token()).json()["access_token"]  # installs the app
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=CLIENT_ID, name="Supplier", callback_url=None
    )
    with server.store.transaction():
        commerce.stock_skus_at(
            server.store, SHOP, ["MUG-STN-SPK", "BRS-LAMP"], service["location_id"]
        )
    commerce.create_webhook_subscription(
        server.store, SHOP, client_id=CLIENT_ID, topic="ORDERS_CREATE", uri="http://127.0.0.1:9/c"
    )
    return service


def _ask(server, order_id):
    response = server.client.post(
        GRAPHQL,
        json={"query": ORDER, "variables": {"id": f"gid://shopify/Order/{order_id}"}},
        headers={"X-Shopify-Access-Token": server.token},
    )
    assert "errors" not in response.json(), response.text
    return response.json()["data"]["order"]


def _place(server, financial_status="paid"):
    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders",
        json={
            "financial_status": financial_status,
            "line_items": [
                {"sku": "MUG-STN-SPK", "quantity": 2},
                {"sku": "BRS-LAMP", "requires_shipping": False},
                {"title": "Gift Card", "price": "50.00", "gift_card": True},
            ],
        },
    )
    assert response.status_code == 201
    return response.json()


def test_digital_lines_and_gift_cards_stay_with_the_merchant(server, supplier):
    order = _place(server)
    primary = commerce.ensure_shop(server.store, SHOP)["primary_location_id"]
    seen = _ask(server, order["id"])
    lines = {n["title"]: n for n in seen["lineItems"]["nodes"]}
    assert lines["Gift Card"]["isGiftCard"] and not lines["Gift Card"]["requiresShipping"]
    assert not lines["Brass Desk Lamp"]["requiresShipping"]
    assert not lines["Brass Desk Lamp"]["isGiftCard"]
    assert lines["Stoneware Mug"]["requiresShipping"] and not lines["Stoneware Mug"]["isGiftCard"]
    shipped, kept = seen["fulfillmentOrders"]["nodes"]
    # The lamp is stocked at the supplier's location, but a line that needs no shipping is not
    # the supplier's: only the mug goes there.
    assert (
        shipped["assignedLocation"]["location"]["id"]
        == f"gid://shopify/Location/{supplier['location_id']}"
    )
    assert shipped["deliveryMethod"]["methodType"] == "SHIPPING"
    assert [n["sku"] for n in shipped["lineItems"]["nodes"]] == ["MUG-STN-SPK"]
    assert kept["assignedLocation"]["location"]["id"] == f"gid://shopify/Location/{primary}"
    assert kept["deliveryMethod"]["methodType"] == "NONE"
    # The paid order's gift card was fulfilled at once; the digital line waits for the merchant.
    assert kept["status"] == "IN_PROGRESS"
    held = [
        (n["sku"], n["requiresShipping"], n["remainingQuantity"])
        for n in kept["lineItems"]["nodes"]
    ]
    assert held == [("BRS-LAMP", False, 1), ("", False, 0)]
    assert lines["Gift Card"]["unfulfilledQuantity"] == 0
    assert seen["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    (fulfillment,) = commerce.fulfillments_of(server.store, SHOP, order["id"])
    assert [fl["line_item_id"] for fl in fulfillment["line_items"]] == [
        order["line_items"][2]["id"]
    ]
    (created,) = [
        json.loads(d["body"])
        for d in server.store.find("webhook_delivery", shop=SHOP)
        if d["topic"] == "orders/create"
    ]
    validate("orders/create", created)
    assert [li["gift_card"] for li in created["line_items"]] == [False, False, True]
    assert [li["requires_shipping"] for li in created["line_items"]] == [True, False, False]


def test_a_gift_card_waits_for_payment(server, supplier):
    order = _place(server, financial_status="pending")
    assert commerce.fulfillments_of(server.store, SHOP, order["id"]) == []
    assert (
        server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/pay").status_code == 200
    )
    (fulfillment,) = commerce.fulfillments_of(server.store, SHOP, order["id"])
    assert fulfillment["line_items"][0]["line_item_id"] == order["line_items"][2]["id"]


def test_the_cli_places_digital_and_gift_card_lines(server, capsys):
    code, placed = run_cli(
        server,
        capsys,
        *f"order place {SHOP} --sku MUG-STN-SPK --digital TOTE-REC-OLV --gift-card 25.00".split(),
    )
    assert code == 0
    kinds = [
        (li["sku"], li["requires_shipping"], li.get("gift_card", False))
        for li in placed["line_items"]
    ]
    assert kinds == [
        ("MUG-STN-SPK", True, False),
        ("TOTE-REC-OLV", False, False),
        ("", False, True),
    ]
    assert placed["line_items"][2]["price"] == "25.00"


def test_test_orders_say_so_in_graphql_and_webhooks(server, supplier, capsys):
    code, placed = run_cli(server, capsys, "order", "place", SHOP, "--sku", "MUG-STN-SPK", "--test")
    assert code == 0
    real = _place(server)
    query = """query($a: ID!, $b: ID!) { a: order(id: $a) { test } b: order(id: $b) { test } }"""
    response = server.client.post(
        GRAPHQL,
        json={
            "query": query,
            "variables": {
                "a": f"gid://shopify/Order/{placed['id']}",
                "b": f"gid://shopify/Order/{real['id']}",
            },
        },
        headers={"X-Shopify-Access-Token": server.token},
    )
    assert response.json()["data"] == {"a": {"test": True}, "b": {"test": False}}
    search = """{ t: orders(first: 5, query: "test:true") { nodes { legacyResourceId } }
      r: orders(first: 5, query: "test:false") { nodes { legacyResourceId } } }"""
    found = server.client.post(
        GRAPHQL, json={"query": search}, headers={"X-Shopify-Access-Token": server.token}
    ).json()["data"]
    assert [n["legacyResourceId"] for n in found["t"]["nodes"]] == [str(placed["id"])]
    assert [n["legacyResourceId"] for n in found["r"]["nodes"]] == [str(real["id"])]
    created = {
        json.loads(d["body"])["id"]: json.loads(d["body"])
        for d in server.store.find("webhook_delivery", shop=SHOP)
        if d["topic"] == "orders/create"
    }
    validate("orders/create", created[placed["id"]])
    assert created[placed["id"]]["test"] is True and created[real["id"]]["test"] is False


def test_order_create_takes_gift_cards_and_test(server, supplier):
    mutation = """mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) {
      order { test lineItems(first: 5) { nodes { title isGiftCard requiresShipping } }
        fulfillmentOrders(first: 5) { nodes { deliveryMethod { methodType } } } }
      userErrors { message } } }"""
    order = {
        "test": True,
        "financialStatus": "PENDING",
        "lineItems": [
            {"sku": "MUG-STN-SPK", "quantity": 1},
            {"sku": "TOTE-REC-OLV", "quantity": 1},
            {
                "title": "Gift Card",
                "quantity": 1,
                "giftCard": True,
                "priceSet": {"shopMoney": {"amount": "30.00", "currencyCode": "USD"}},
            },
        ],
    }
    response = server.client.post(
        GRAPHQL,
        json={"query": mutation, "variables": {"order": order}},
        headers={"X-Shopify-Access-Token": server.token},
    )
    created = response.json()["data"]["orderCreate"]
    assert created["userErrors"] == [] and created["order"]["test"] is True
    kinds = [
        (n["isGiftCard"], n["requiresShipping"]) for n in created["order"]["lineItems"]["nodes"]
    ]
    # requiresShipping defaults to false in the schema: devstore keeps such lines shipped.
    assert kinds == [(False, True), (False, True), (True, False)]
    methods = [
        n["deliveryMethod"]["methodType"] for n in created["order"]["fulfillmentOrders"]["nodes"]
    ]
    assert methods == ["SHIPPING", "SHIPPING", "NONE"]  # the supplier's, the store's, the gift card
