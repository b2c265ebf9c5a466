"""The Admin GraphQL endpoint answers like Shopify: real schema, cost, errors, pagination."""

import pytest

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


RELAY_DOCUMENTS = sorted(
    __import__("pathlib")
    .Path(__file__)
    .resolve()
    .parents[2]
    .joinpath("integrations/shopify_admin/queries")
    .glob("*.graphql"),
    key=lambda p: p.stem,
)


@pytest.mark.parametrize("document", RELAY_DOCUMENTS, ids=lambda p: p.stem)
def test_every_document_relay_sends_runs_clean(store, installed, document):
    """Relay's documents, with realistic variables, run without validation or emulation gaps."""
    from integrations.shopify_admin.client import document as assembled
    from integrations.shopify_admin.gateway.bulk import bound_document as bound

    # Relay is a fulfillment service; the order's items are stocked at its location.
    service = commerce.create_fulfillment_service(
        store, SHOP, client_id=installed, name="Relay", callback_url="https://relay.test/fs"
    )
    with store.transaction():
        commerce.stock_skus_at(store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = commerce.create_order(store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}])
    (fo,) = commerce.fulfillment_orders_of(store, SHOP, order["id"])
    variables = _fulfillment_variables(store, document.stem, order, fo) or {
        "OrdersPage": {"first": 5, "query": "updated_at:>=2020-01-01T00:00:00Z"},
        "OrderById": {"id": f"gid://shopify/Order/{order['id']}"},
        "OrderOfFulfillmentOrder": {"id": f"gid://shopify/FulfillmentOrder/{fo['id']}"},
        "WebhookSubscriptions": {"first": 5},
        "WebhookSubscriptionCreate": {
            "topic": "ORDERS_CREATE",
            "webhookSubscription": {"uri": "https://relay.test/wh"},
        },
        "FulfillmentServiceCreate": {"name": "Relay 2", "callbackUrl": "https://relay.test/fs"},
        "OrderLineItems": {"id": f"gid://shopify/Order/{order['id']}"},
        "BulkOperationRunQuery": {"query": bound("OrdersExport", {"query": "test:false"})},
        "BulkOperation": {"id": "gid://shopify/BulkOperation/1"},
    }.get(document.stem, {})
    _, body = run(store, assembled(document.stem), variables, throttle=False)
    assert "errors" not in body, body.get("errors")
    assert body["data"]


def _fulfillment_variables(store, name: str, order: dict, fo: dict) -> dict | None:
    """Variables for the fulfillment documents, with the fulfillment order in the state each
    mutation needs (submitted to accept/reject, accepted to fulfill, held to release)."""
    order_gid = f"gid://shopify/Order/{order['id']}"
    fo_gid = f"gid://shopify/FulfillmentOrder/{fo['id']}"
    fo_line_gid = f"gid://shopify/FulfillmentOrderLineItem/{fo['line_items'][0]['id']}"
    address = {
        "firstName": "Anna",
        "address1": "Váci utca 1",
        "city": "Budapest",
        "countryCode": "HU",
    }
    if name in ("FulfillmentOrderAcceptRequest", "FulfillmentOrderRejectRequest"):
        commerce.submit_fulfillment_request(store, SHOP, fo["id"])
    if name in ("FulfillmentCreate", "FulfillmentTrackingInfoUpdate"):
        commerce.submit_fulfillment_request(store, SHOP, fo["id"])
        commerce.accept_fulfillment_request(store, SHOP, fo["id"])
    if name == "FulfillmentOrderReleaseHold":
        commerce.hold_fulfillment_order(store, SHOP, fo["id"], reason="OTHER")
    if name == "FulfillmentOrderCancel":
        commerce.submit_fulfillment_request(store, SHOP, fo["id"])
    if "CancellationRequest" in name and name != "CancellationRequestedFulfillmentOrders":
        commerce.submit_fulfillment_request(store, SHOP, fo["id"])
        commerce.accept_fulfillment_request(store, SHOP, fo["id"])
        if name != "FulfillmentOrderSubmitCancellationRequest":
            commerce.submit_cancellation_request(store, SHOP, fo["id"])
    if name == "FulfillmentTrackingInfoUpdate":
        fulfillment = commerce.create_fulfillment(
            store, SHOP, by_fulfillment_order=[{"fulfillment_order_id": fo["id"]}]
        )
        return {
            "fulfillmentId": f"gid://shopify/Fulfillment/{fulfillment['id']}",
            "trackingInfo": {"number": "1Z2"},
            "notifyCustomer": False,
        }
    return {
        "OrderFulfillmentOrders": {"id": order_gid},
        "OrderFulfillmentState": {"id": order_gid},
        "FulfillmentOrderById": {"id": fo_gid},
        "OrderFulfillments": {"id": order_gid},
        "OrdersByTag": {"query": "tag:relay-r1-so1"},
        "AssignedFulfillmentOrders": {"status": "FULFILLMENT_REQUESTED"},
        "FulfillmentOrderSubmitRequest": {
            "id": fo_gid,
            "lineItems": [{"id": fo_line_gid, "quantity": 1}],
        },
        "FulfillmentOrderAcceptRequest": {"id": fo_gid},
        "FulfillmentOrderRejectRequest": {"id": fo_gid, "reason": "OTHER", "message": "No"},
        "FulfillmentOrderHold": {"id": fo_gid, "hold": {"reason": "OTHER", "handle": "relay"}},
        "FulfillmentOrderReleaseHold": {"id": fo_gid},
        "FulfillmentCreate": {
            "fulfillment": {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_gid}],
                "trackingInfo": {"number": "1Z1", "company": "UPS"},
                "notifyCustomer": True,
            }
        },
        "OrderUpdateShippingAddress": {"id": order_gid, "address": address},
        "FulfillmentOrderSubmitCancellationRequest": {"id": fo_gid, "message": "Wrong size"},
        "FulfillmentOrderAcceptCancellationRequest": {"id": fo_gid, "message": "Cancelled"},
        "FulfillmentOrderRejectCancellationRequest": {"id": fo_gid, "message": "Shipped"},
        "FulfillmentOrderCancel": {"id": fo_gid},
        "OrderCancel": {
            "orderId": order_gid,
            "restock": True,
            "refundMethod": {"originalPaymentMethodsRefund": True},
            "notifyCustomer": False,
            "reason": "CUSTOMER",
            "staffNote": "Cancelled through Relay",
        },
        "OrderCancellationState": {"id": order_gid},
        "OrderUpdateNoteAndTags": {"id": order_gid, "note": "Cancel me", "tags": ["relay"]},
        "RefundContext": {"id": order_gid},
        "RefundCreate": {
            "input": {
                "orderId": order_gid,
                "note": "Arrived chipped",
                "notify": False,
                "refundLineItems": [
                    {
                        "lineItemId": f"gid://shopify/LineItem/{order['line_items'][0]['id']}",
                        "quantity": 1,
                        "restockType": "RETURN",
                    }
                ],
                "shipping": {"amount": "0"},
                "transactions": [
                    {
                        "orderId": order_gid,
                        "parentId": f"gid://shopify/OrderTransaction/{order['transactions'][0]['id']}",
                        "amount": "1.00",
                        "gateway": order["transactions"][0]["gateway"],
                        "kind": "REFUND",
                    }
                ],
            }
        },
        "SupplierOrderCreate": {
            "order": {
                "currency": "EUR",
                "tags": ["relay", "relay-r1-so1"],
                "lineItems": [{"sku": "SUP-1", "title": "Mug", "quantity": 1}],
                "shippingAddress": address,
            }
        },
    }.get(name)
