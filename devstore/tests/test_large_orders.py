"""Orders up to Shopify's page limits: a 250-line order placed through the control route, read
through connections that page as Shopify's do (first ≤ 250, cursors, fulfillment order lines)."""

import pytest

from devstore import commerce

from .conftest import CLIENT_ID, SHOP
from .test_oauth_and_delivery import exchange, id_token, register

GRAPHQL = f"/store/{SHOP}/admin/api/2026-07/graphql.json"
LINES = """query($id: ID!, $first: Int!, $after: String) { order(id: $id) {
  lineItems(first: $first, after: $after) { nodes { sku quantity }
    pageInfo { hasNextPage endCursor } } } }"""
FO_LINES = """query($id: ID!, $after: String) { fulfillmentOrder(id: $id) {
  lineItems(first: 100, after: $after) { nodes { sku remainingQuantity }
    pageInfo { hasNextPage endCursor } } } }"""


@pytest.fixture
def ask(server):
    register(server)
    token = exchange(server, id_token()).json()["access_token"]

    def run(query, **variables):
        return server.client.post(
            GRAPHQL,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token},
        ).json()

    return run


def test_a_250_line_order_pages_like_shopify(server, ask):
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=CLIENT_ID, name="Supplier", callback_url=None
    )
    with server.store.transaction():
        for n in range(200):
            commerce.create_variant(
                server.store,
                SHOP,
                title=f"Part {n:03}",
                variant_title="Default",
                sku=f"PART-{n:03}",
                price="1.00",
            )
        commerce.stock_skus_at(
            server.store, SHOP, [f"PART-{n:03}" for n in range(200)], service["location_id"]
        )
    lines = [{"sku": f"PART-{n:03}", "quantity": 1 + n % 3} for n in range(200)]
    lines += [{"sku": f"OWN-{n:03}", "title": f"Own {n}", "price": "2.00"} for n in range(50)]
    response = server.client.post(f"/_devstore/shops/{SHOP}/orders", json={"line_items": lines})
    assert response.status_code == 201
    order = response.json()
    order_gid = f"gid://shopify/Order/{order['id']}"

    whole = ask(LINES, id=order_gid, first=250)["data"]["order"]["lineItems"]
    assert len(whole["nodes"]) == 250 and whole["pageInfo"]["hasNextPage"] is False
    assert [n["sku"] for n in whole["nodes"]] == [li["sku"] for li in lines]
    too_many = ask(LINES, id=order_gid, first=251)
    assert too_many["errors"][0]["message"] == (
        "The maximum number of items that can be requested is 250"
    )
    seen, after = [], None
    while True:
        page = ask(LINES, id=order_gid, first=25, after=after)["data"]["order"]["lineItems"]
        seen += [n["sku"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [li["sku"] for li in lines]

    supplier_fo, own_fo = order["fulfillment_orders"]
    assert supplier_fo["location_id"] == service["location_id"]
    assert (len(supplier_fo["line_items"]), len(own_fo["line_items"])) == (200, 50)
    pages, after = [], None
    while True:
        data = ask(FO_LINES, id=f"gid://shopify/FulfillmentOrder/{supplier_fo['id']}", after=after)
        page = data["data"]["fulfillmentOrder"]["lineItems"]
        pages.append([(n["sku"], n["remainingQuantity"]) for n in page["nodes"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [len(p) for p in pages] == [100, 100]
    assert [row for p in pages for row in p] == [(f"PART-{n:03}", 1 + n % 3) for n in range(200)]


FULFILLMENT_LINES = """query($id: ID!, $after: String) { fulfillment(id: $id) {
  fulfillmentLineItems(first: 100, after: $after) { nodes { quantity lineItem { sku } }
    pageInfo { hasNextPage endCursor } } } }"""


def test_a_fulfillments_lines_page_through_the_fulfillment_query(server, ask):
    """`fulfillment(id:)` (and `node`) read one fulfillment of the shop's; its lines page like
    Shopify's; an unknown one is null."""
    lines = [{"sku": f"OWN-{n:03}", "title": f"Own {n}", "price": "2.00"} for n in range(150)]
    order = server.client.post(f"/_devstore/shops/{SHOP}/orders", json={"line_items": lines}).json()
    (fo,) = order["fulfillment_orders"]
    fulfillment = commerce.create_fulfillment(
        server.store, SHOP, by_fulfillment_order=[{"fulfillment_order_id": fo["id"]}]
    )
    fulfillment_gid = f"gid://shopify/Fulfillment/{fulfillment['id']}"
    sizes, after = [], None
    while True:
        page = ask(FULFILLMENT_LINES, id=fulfillment_gid, after=after)["data"]["fulfillment"]
        sizes.append(len(page["fulfillmentLineItems"]["nodes"]))
        info = page["fulfillmentLineItems"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert sizes == [100, 50]
    missing = ask(FULFILLMENT_LINES, id="gid://shopify/Fulfillment/1")["data"]["fulfillment"]
    assert missing is None
