"""Fulfillment-order webhooks that only say a request moved (submitted, accepted: usually Relay's
own action echoing back) cost the store's status (2 points), not a re-read of the whole order;
an order Relay does not hold yet is still read whole."""

from sqlalchemy import select

from domain.fulfillment import requesting as requests
from domain.models.orders import Order, OrderEvent
from extensions import db
from tests.integration.test_fulfillment import (
    add_supplier,
    devstore_order,
    place_order,
    refreshed,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_webhooks import deliver, deliveries_settled, wait_for


def operations(devstore, shop: str) -> dict[str, int]:
    rows = devstore.control.get("/_devstore/usage", params={"shop": shop}).json()
    return {name: used["calls"] for row in rows for name, used in row["operations"].items()}


def settle(devstore, shop, drain):
    def settled():
        drain()
        return deliveries_settled(devstore, shop)

    wait_for(settled, timeout=30)
    drain()


def test_forwarding_reads_the_store_status_not_the_order_for_its_own_echoes(
    ctx, devstore, installed_shop, make_shop, oauth_install, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    add_supplier(retailer, channel="store", store_domain=supplier_domain)
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    settle(devstore, retailer, drain)
    devstore.control.delete("/_devstore/usage")

    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    settle(devstore, retailer, drain)

    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "in_progress"
    assert supplier_order.order.store_status == "IN_PROGRESS"
    used = operations(devstore, retailer)
    assert used.get("OrderStatusOfFulfillmentOrder") == 2, used  # submitted, then accepted
    assert "OrderOfFulfillmentOrder" not in used and "OrderById" not in used, used
    said = db.session.scalars(
        select(OrderEvent.data)
        .where(OrderEvent.order_id == supplier_order.order_id, OrderEvent.kind == "store_status")
        .order_by(OrderEvent.id)
    ).all()
    assert [d.get("status") for d in said][-2:] == ["pending fulfillment", "in progress"], said


def test_an_echo_for_an_order_relay_does_not_hold_reads_it_whole(
    ctx, devstore, relay_server, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop)
    placed = place_order(devstore, installed_shop)
    settle(devstore, installed_shop, drain)
    gid = f"gid://shopify/Order/{placed['id']}"
    db.session.delete(db.session.scalar(select(Order).where(Order.shopify_gid == gid)))
    db.session.commit()
    fo_id = devstore_order(devstore, installed_shop, placed["id"])["fulfillment_orders"][0]["id"]
    payload = {
        "fulfillment_order": {
            "id": f"gid://shopify/FulfillmentOrder/{fo_id}",
            "status": "in_progress",
            "request_status": "accepted",
        },
        "message": "",
    }
    answer = deliver(
        relay_server, installed_shop, "fulfillment_orders/fulfillment_request_accepted", payload
    )
    assert answer.status_code == 200
    drain()
    db.session.expire_all()
    order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
    assert order is not None, "read whole and mirrored"
