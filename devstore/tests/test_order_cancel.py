"""The store's staff cancelling an order in its admin (control API and the admin page's button):
the same guards as orderCancel, and the orders/cancelled webhook after it."""

import json

from devstore import commerce

from .conftest import SHOP


def _subscribe(store, client_id, receiver_url):
    with store.transaction():
        store.put(
            "webhook_subscription",
            "sub-orders-cancelled",
            {
                "id": "sub-orders-cancelled",
                "client_id": client_id,
                "topic": "ORDERS_CANCELLED",
                "uri": receiver_url,
            },
            shop=SHOP,
        )


def test_staff_cancel_cancels_once_and_sends_orders_cancelled(server, installed, receiver):
    _subscribe(server.store, installed, receiver.url)
    order = commerce.create_order(
        server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 1}]
    )
    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders/{order['id']}/cancel", json={"reason": "INVENTORY"}
    )
    assert response.status_code == 200
    assert response.json()["cancelled_at"] and response.json()["cancel_reason"] == "inventory"
    again = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/cancel", json={})
    assert again.status_code == 422
    assert again.json()["error"] == "Order has already been cancelled"
    deliveries = server.store.find("webhook_delivery", shop=SHOP)
    assert [d["topic"] for d in deliveries if d["topic"] == "orders/cancelled"] == [
        "orders/cancelled"
    ]


def test_staff_cancel_is_refused_while_a_service_works_on_it(server, installed):
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=installed, name="Supplier", callback_url=None
    )
    with server.store.transaction():
        commerce.stock_skus_at(server.store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = commerce.create_order(
        server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 1}]
    )
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    commerce.submit_fulfillment_request(server.store, SHOP, fo["id"])
    commerce.accept_fulfillment_request(server.store, SHOP, fo["id"])

    response = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/cancel")
    assert response.status_code == 422
    assert response.json()["error"] == "Cannot cancel an order that has outstanding fulfillments"
    assert commerce.get_order(server.store, SHOP, order["id"])["cancelled_at"] is None

    page = server.client.post(
        f"/store/{SHOP}/admin/orders/{order['id']}/cancel", data={"reason": "CUSTOMER"}
    )
    assert page.status_code == 302
    assert "outstanding+fulfillments" in page.headers["Location"]


def test_the_admin_page_offers_cancel_until_the_order_is_cancelled(server):
    order = commerce.create_order(
        server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 1}]
    )
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}")
    assert "Cancel order" in page.text
    done = server.client.post(
        f"/store/{SHOP}/admin/orders/{order['id']}/cancel", data={"reason": "CUSTOMER"}
    )
    assert done.status_code == 302 and "Order+cancelled" in done.headers["Location"]
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}")
    assert "cancelled (customer)" in page.text and "Cancel order</button>" not in page.text


def test_staff_delete_only_takes_cancelled_orders_and_sends_orders_delete(
    server, installed, receiver
):
    with server.store.transaction():
        server.store.put(
            "webhook_subscription",
            "sub-orders-delete",
            {
                "id": "sub-orders-delete",
                "client_id": installed,
                "topic": "ORDERS_DELETE",
                "uri": receiver.url,
            },
            shop=SHOP,
        )
    order = commerce.create_order(
        server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 1}]
    )
    refused = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/delete")
    assert refused.status_code == 422
    assert "archived or cancelled" in refused.json()["error"]

    server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/cancel").raise_for_status()
    deleted = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/delete")
    assert deleted.status_code == 200
    assert deleted.json() == {"deletedId": f"gid://shopify/Order/{order['id']}"}
    assert commerce.fulfillment_orders_of(server.store, SHOP, order["id"]) == []
    gone = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/delete")
    assert gone.status_code == 404
    sent = [d for d in server.store.find("webhook_delivery", shop=SHOP)]
    (delete,) = [d for d in sent if d["topic"] == "orders/delete"]
    assert json.loads(delete["body"]) == {"id": order["id"]}
