"""The Admin GraphQL endpoint answers like Shopify: real schema, cost, errors, pagination."""

from devstore import commerce, cost, graphql_api

from .conftest import CLIENT_ID, SHOP


def run(store, query, variables=None, throttle=True):
    return graphql_api.execute_request(
        store,
        shop=SHOP,
        client_id=CLIENT_ID,
        plan="standard",
        body={"query": query, "variables": variables or {}},
        throttle=throttle,
    )


def test_shop_query_and_cost_extension(store):
    status, body = run(store, "{ shop { name myshopifyDomain currencyCode } }")
    assert status == 200
    assert body["data"]["shop"]["myshopifyDomain"] == SHOP
    throttle = body["extensions"]["cost"]["throttleStatus"]
    assert throttle["maximumAvailable"] == 2000.0 and throttle["restoreRate"] == 100.0


def test_invalid_documents_fail_validation_like_shopify(store):
    status, body = run(store, "{ orders(first: 5) { nodes { idx } } }")
    assert status == 200 and "data" not in body
    assert "Cannot query field 'idx' on type 'Order'" in body["errors"][0]["message"]
    status, body = run(store, "{ shop { name ")
    assert body["errors"][0]["extensions"]["code"] == "PARSE_ERROR"


def test_fields_not_emulated_say_so(store):
    status, body = run(store, "{ shop { name billingAddress { city } } }")
    assert body["errors"][0]["message"] == "Shop.billingAddress is not emulated by devstore"
    assert body["errors"][0]["extensions"]["code"] == "NOT_EMULATED"


def test_cursor_pagination_and_query_filters(store):
    commerce.seed_orders(store, SHOP, 30, paid_ratio=1.0)
    pending = commerce.create_order(
        store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}], financial_status="pending"
    )
    query = """query($after: String, $q: String) { orders(first: 10, after: $after, query: $q) {
        nodes { id name displayFinancialStatus } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        _, body = run(store, query, {"after": after, "q": "financial_status:paid"}, throttle=False)
        page = body["data"]["orders"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 30
    assert f"gid://shopify/Order/{pending['id']}" not in seen
    _, body = run(store, query, {"q": "updated_at:>2999-01-01T00:00:00Z"}, throttle=False)
    assert body["data"]["orders"]["nodes"] == []


def test_max_cost_and_throttling(store):
    huge = "{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }"
    _, body = run(store, huge)
    assert body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    bucket = cost.bucket_for(CLIENT_ID, SHOP, "standard")
    # Empty, and it stays empty: a stopped clock, so no time restores it before the call (a
    # 1-point query is restored in 10 ms of real time, which a loaded machine can take).
    bucket.set_clock(lambda: 0.0, available=0)
    _, body = run(store, "{ shop { name } }")
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["actualQueryCost"] is None


def test_unknown_ids_are_resource_not_found(store):
    _, body = run(
        store,
        """mutation { fulfillmentOrderAcceptFulfillmentRequest(
        id: "gid://shopify/FulfillmentOrder/1") { userErrors { message } } }""",
    )
    assert body["errors"][0]["message"] == "Invalid id: gid://shopify/FulfillmentOrder/1"
    assert body["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"


def test_user_errors_come_back_in_the_payload(store, installed):
    order = commerce.create_order(store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}])
    (fo,) = commerce.fulfillment_orders_of(store, SHOP, order["id"])
    _, body = run(
        store,
        """mutation($id: ID!) { fulfillmentOrderSubmitFulfillmentRequest(id: $id)
        { submittedFulfillmentOrder { id } userErrors { field message } } }""",
        {"id": f"gid://shopify/FulfillmentOrder/{fo['id']}"},
    )
    payload = body["data"]["fulfillmentOrderSubmitFulfillmentRequest"]
    assert payload["submittedFulfillmentOrder"] is None
    assert "not assigned to a fulfillment service" in payload["userErrors"][0]["message"]


def test_refunds_never_exceed_what_was_paid(store, installed):
    order = commerce.create_order(store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 1}])
    mutation = """mutation($input: RefundInput!) { refundCreate(input: $input) {
        refund { id totalRefundedSet { shopMoney { amount } } } userErrors { field message } } }"""
    order_gid = f"gid://shopify/Order/{order['id']}"
    line_gid = f"gid://shopify/LineItem/{order['line_items'][0]['id']}"
    _, body = run(
        store,
        mutation,
        {
            "input": {
                "orderId": order_gid,
                "transactions": [
                    {"orderId": order_gid, "amount": "999.00", "kind": "REFUND", "gateway": "bogus"}
                ],
            }
        },
    )
    assert (
        "greater than the refundable amount"
        in body["data"]["refundCreate"]["userErrors"][0]["message"]
    )
    _, body = run(
        store,
        mutation,
        {
            "input": {
                "orderId": order_gid,
                "refundLineItems": [
                    {"lineItemId": line_gid, "quantity": 1, "restockType": "CANCEL"}
                ],
            }
        },
    )
    assert (
        body["data"]["refundCreate"]["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "18.0"
    )
    assert commerce.get_order(store, SHOP, order["id"])["financial_status"] == "refunded"
