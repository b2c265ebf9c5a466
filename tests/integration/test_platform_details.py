"""Issue 14, platform details: Relay registers no tracking callback it does not serve, reads
no deprecated field, and knows 2026-10's FULFILLMENT_NOT_REQUIRED."""

from __future__ import annotations

from sqlalchemy import select

from devstore import commerce
from domain import states
from domain.models.shop import Shop
from domain.orders import grid
from domain.shop import tokens
from extensions import db
from integrations.shopify_admin.gateway import install as install_gateway
from integrations.shopify_admin.order_shapes import (
    PostalAddress,
    mailing_address_input,
    order_from_graphql,
)
from tests.conftest import API_KEY


def _relay_service(client) -> dict:
    services = client.execute("FulfillmentServices")["shop"]["fulfillmentServices"]
    return next(s for s in services if s["serviceName"] == "Relay")


def test_install_registers_no_tracking_callback_and_turns_off_an_old_one(ctx, installed_shop):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    client = tokens.admin_client(shop)
    service = _relay_service(client)
    assert service["trackingSupport"] is False, "Shopify would poll fetch_tracking_numbers"

    # An install made before this change registered trackingSupport: true.
    client.mutate(
        "FulfillmentServiceUpdate",
        {"id": service["id"], "trackingSupport": True},
        "fulfillmentServiceUpdate",
    )
    assert _relay_service(client)["trackingSupport"] is True
    install_gateway.ensure_fulfillment_service(client, "http://relay.example/fulfillment_service")
    assert _relay_service(client)["trackingSupport"] is False


def test_no_deprecated_field_is_read_and_the_province_goes_out_as_a_code(ctx, installed_shop):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    info = install_gateway.shop_info(tokens.admin_client(shop))
    assert info.plan, "ShopPlan.publicDisplayName, not the deprecated displayName"
    node = {
        "id": "gid://shopify/Order/1",
        "name": "#1",
        "createdAt": "2026-12-01T00:00:00Z",
        "updatedAt": "2026-12-01T00:00:00Z",
        "currencyCode": "USD",
        "email": None,
        "totalPriceSet": {"shopMoney": {"amount": "1.0"}},
        "customer": {"displayName": "A B", "defaultEmailAddress": {"emailAddress": "A@B.EXAMPLE"}},
        "shippingAddress": {"city": "Austin", "province": "Texas", "provinceCode": "TX"},
        "lineItems": {"nodes": []},
    }
    order = order_from_graphql(node)
    assert order.customer_email == "a@b.example"
    address = mailing_address_input(order.shipping_address)
    assert address["provinceCode"] == "TX" and "province" not in address
    assert mailing_address_input(PostalAddress(province_code="QC"))["provinceCode"] == "QC"


def test_fulfillment_not_required_is_a_known_store_status():
    assert "FULFILLMENT_NOT_REQUIRED" in states.STORE_STATUS_TONES
    assert "FULFILLMENT_NOT_REQUIRED" in grid.STORE_STATUSES, "the grid filters on it"
    assert "FULFILLMENT_NOT_REQUIRED" not in states.STORE_STATUS_EVENTS, "moves no part"


def test_refresh_shop_setup_subscribes_an_old_install_to_the_new_topics(
    ctx, app, installed_shop, drain, devstore
):
    """An install made before this change lacks the new topics and registered
    trackingSupport: true; `flask refresh-shop-setup` (run at deploy) brings both up to date."""
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    client = tokens.admin_client(shop)
    subscriptions = client.execute("WebhookSubscriptions", {"first": 100})["webhookSubscriptions"]
    for node in subscriptions["nodes"]:
        if node["topic"] == "FULFILLMENT_HOLDS_ADDED":
            commerce.delete_webhook_subscription(
                devstore.store,
                installed_shop,
                client_id=API_KEY,
                sub_id=int(node["id"].rsplit("/", 1)[1]),
            )
    service = _relay_service(client)
    client.mutate(
        "FulfillmentServiceUpdate",
        {"id": service["id"], "trackingSupport": True},
        "fulfillmentServiceUpdate",
    )

    result = app.test_cli_runner().invoke(args=["refresh-shop-setup"])
    assert result.exit_code == 0 and "setup queued for" in result.output
    drain()
    topics = {
        n["topic"]
        for n in client.execute("WebhookSubscriptions", {"first": 100})["webhookSubscriptions"][
            "nodes"
        ]
    }
    assert {"FULFILLMENT_HOLDS_ADDED", "FULFILLMENT_ORDERS_SCHEDULED_FULFILLMENT_ORDER_READY"} <= (
        topics
    )
    assert _relay_service(client)["trackingSupport"] is False
