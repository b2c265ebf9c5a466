"""The contract between Relay and devstore: every GraphQL document Relay sends
(integrations/shopify_admin/queries), with realistic variables, runs on devstore without a
validation error or an emulation gap. Moved from devstore's own tests, which never import
Relay's code."""

from __future__ import annotations

import pytest

from devstore import auth, commerce, cost, graphql_api
from devstore.store import Store
from integrations.shopify_admin.client import QUERIES
from integrations.shopify_admin.client import document as assembled
from integrations.shopify_admin.gateway.bulk import bound_document as bound

SHOP = "acme.myshopify.com"
CLIENT_ID, SECRET = "relay-contract", "relay-contract-secret-long-enough-for-hs256!"
SCOPES = ["read_orders"]


@pytest.fixture
def store(tmp_path):
    """devstore's state on a temp SQLite file, with one shop."""
    cost.reset_buckets()
    s = Store(tmp_path / "ds.sqlite3")
    commerce.ensure_shop(s, SHOP)
    yield s
    s.close()


@pytest.fixture
def installed(store):
    """Relay's app, registered with devstore and installed on the shop: its client id."""
    auth.register_app(
        store,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        name="Relay",
        app_url="http://127.0.0.1:9/",
        redirect_urls=[],
        scopes=SCOPES,
        webhooks_uri=None,
    )
    auth.install(store, SHOP, CLIENT_ID, SCOPES)
    return CLIENT_ID


def _execute(store, query: str, variables: dict) -> dict:
    """devstore's answer to one Admin GraphQL request from Relay's app, throttle off."""
    _, body = graphql_api.execute_request(
        store,
        shop=SHOP,
        client_id=CLIENT_ID,
        plan="standard",
        body={"query": query, "variables": variables},
        throttle=False,
    )
    return body


RELAY_DOCUMENTS = sorted(QUERIES.glob("*.graphql"), key=lambda p: p.stem)


@pytest.mark.parametrize("document", RELAY_DOCUMENTS, ids=lambda p: p.stem)
def test_every_document_relay_sends_runs_clean(store, installed, document):
    """Relay's documents, with realistic variables, run without validation or emulation gaps."""
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
        "OrderStatusOfFulfillmentOrder": {"id": f"gid://shopify/FulfillmentOrder/{fo['id']}"},
        "WebhookSubscriptions": {"first": 5},
        "WebhookSubscriptionCreate": {
            "topic": "ORDERS_CREATE",
            "webhookSubscription": {"uri": "https://relay.test/wh"},
        },
        "FulfillmentServiceCreate": {"name": "Relay 2", "callbackUrl": "https://relay.test/fs"},
        "OrderLineItems": {"id": f"gid://shopify/Order/{order['id']}"},
        "OrderMoney": {"id": f"gid://shopify/Order/{order['id']}"},
        "BulkOperationRunQuery": {"query": bound("OrdersExport", {"query": "test:false"})},
        "BulkOperation": {"id": "gid://shopify/BulkOperation/1"},
    }.get(document.stem, {})
    body = _execute(store, assembled(document.stem), variables)
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
    if name in ("OrderEditSetQuantity", "OrderEditCommit"):
        session = commerce.order_edits.begin_edit(store, SHOP, order["id"])
        return {
            "id": f"gid://shopify/CalculatedOrder/{session['id']}",
            **(
                {
                    "lineItemId": "gid://shopify/CalculatedLineItem/"
                    f"{order['line_items'][0]['id']}",
                    "quantity": 0,
                }
                if name == "OrderEditSetQuantity"
                else {"staffNote": "Quantities changed by the retailer"}
            ),
        }
    if name == "FulfillmentServiceUpdate":
        (service,) = commerce.fulfillment_services_of(store, SHOP, CLIENT_ID)
        return {"id": f"gid://shopify/FulfillmentService/{service['id']}", "trackingSupport": False}
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
        "FulfillmentOrderHolds": {"id": fo_gid},
        "FulfillmentOrderLineItems": {"id": fo_gid},
        "FulfillmentLineItems": {"id": "gid://shopify/Fulfillment/1"},
        "RefundLineItems": {"id": order_gid},
        "RefundTransactions": {"id": order_gid},
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
        "OrderNote": {"id": order_gid},
        "OrderNoteUpdate": {"id": order_gid, "note": "[Relay note 1] Ships Monday."},
        "OrderEditBegin": {"id": order_gid},
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
