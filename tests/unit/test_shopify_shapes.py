"""Shopify's shapes become typed values at the boundary: an order from either shape, an address
both ways, webhook payloads with the gids REST leaves out, and a delivery read from a request."""

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from integrations.shopify_admin import ids, webhook_payloads
from integrations.shopify_admin.order_shapes import (
    PostalAddress,
    mailing_address_input,
    order_from_graphql,
    order_from_rest,
)
from integrations.shopify_admin.webhooks import (
    Rejection,
    WebhookDelivery,
    body_signature,
    read_delivery,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "devstore/vendor/webhook-schemas/metadatas/2026-07"
SECRET = "s3cret"


def example(topic: str) -> dict:
    return json.loads((EXAMPLES / f"{topic}.json").read_text())["response"]


def test_a_rest_order_payload_is_a_typed_order():
    payload = example("orders/create")
    order = order_from_rest(payload)
    assert order.gid == payload["admin_graphql_api_id"]
    assert order.total == Decimal(payload["total_price"])
    assert order.created_at.tzinfo is not None
    assert [line.gid for line in order.lines] == [
        li["admin_graphql_api_id"] for li in payload["line_items"]
    ]
    assert order.shipping_address.country_code == payload["shipping_address"]["country_code"]


def test_a_graphql_node_is_the_same_kind_of_order():
    node = {
        "id": "gid://shopify/Order/1",
        "name": "#1001",
        "createdAt": "2026-11-24T10:00:00Z",
        "updatedAt": "2026-11-24T10:05:00Z",
        "currencyCode": "EUR",
        "totalPriceSet": {"shopMoney": {"amount": "20.00"}},
        "customer": {"firstName": "Alex", "lastName": "Doe", "email": "Alex@Example.com"},
        "shippingAddress": {"name": "Alex Doe", "city": "Lyon", "countryCodeV2": "FR"},
        "lineItems": {"nodes": []},
    }
    order = order_from_graphql(node)
    assert (order.customer_name, order.customer_email) == ("Alex Doe", "alex@example.com")
    assert order.updated_at == datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    assert (order.financial_status, order.store_status) == ("PENDING", "UNFULFILLED")
    assert order.shipping_address.as_dict() == {
        **PostalAddress().as_dict(),
        "name": "Alex Doe",
        "city": "Lyon",
        "country_code": "FR",
    }


@pytest.mark.attack
def test_a_rest_amount_that_is_not_finite_is_refused():
    with pytest.raises(ValueError, match="not a finite number"):
        order_from_rest({**example("orders/create"), "total_price": float("inf")})


def test_an_address_goes_out_as_a_mailing_address_input():
    stored = {"name": "Alex van Doe", "address1": "1 Rue", "country_code": "FR", "extra": 1}
    assert mailing_address_input(PostalAddress.from_fields(stored)) == {
        "firstName": "Alex",
        "lastName": "van Doe",
        "company": None,
        "address1": "1 Rue",
        "address2": None,
        "city": None,
        "provinceCode": None,
        "zip": None,
        "countryCode": "FR",
        "phone": None,
    }


def test_gids_are_built_and_read_in_one_place():
    assert ids.gid("Order", 12) == "gid://shopify/Order/12"
    assert ids.kind_of("gid://shopify/LineItem/3") == "LineItem"
    assert ids.kind_of("not a gid") == ""


def test_a_refund_payload_names_its_order_and_lines_by_gid():
    payload = example("refunds/create")
    refund = webhook_payloads.refund(payload)
    assert refund.gid == payload["admin_graphql_api_id"]
    assert refund.order_gid == f"gid://shopify/Order/{payload['order_id']}"
    first = payload["refund_line_items"][0]
    assert refund.lines[0].line_item_gid == f"gid://shopify/LineItem/{first['line_item_id']}"
    assert refund.lines[0].subtotal == Decimal(first["subtotal_set"]["shop_money"]["amount"])


@pytest.fixture
def app_context():
    app = Flask(__name__)
    app.config.update(SHOPIFY_API_SECRET=SECRET)
    with app.app_context():
        yield


def headers_for(body: bytes, **overrides) -> dict:
    headers = {
        "X-Shopify-Hmac-Sha256": body_signature(SECRET, body),
        "X-Shopify-Shop-Domain": "acme.myshopify.com",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Topic": "orders/create",
    }
    return {k: v for k, v in {**headers, **overrides}.items() if v is not None}


def test_a_signed_delivery_is_read_with_its_headers(app_context):
    body = b'{"id": 1}'
    headers = headers_for(body)
    delivery = read_delivery(headers, body)
    assert delivery == WebhookDelivery(
        webhook_id=headers["X-Shopify-Webhook-Id"],
        shop_domain="acme.myshopify.com",
        topic="orders/create",
        event_id=None,
        triggered_at=None,
        payload_json='{"id": 1}',
    )
    callback = read_delivery(headers_for(body, **{"X-Shopify-Topic": None}), body, topic="x/y")
    assert callback.topic == "x/y"


@pytest.mark.attack
@pytest.mark.parametrize(
    ("overrides", "body", "rejection"),
    [
        ({"X-Shopify-Hmac-Sha256": "forged"}, b"[1]", Rejection.FORGED),
        ({"X-Shopify-Webhook-Id": None}, b"{}", Rejection.MISSING_HEADERS),
        ({"X-Shopify-Shop-Domain": "evil.com"}, b"{}", Rejection.BAD_SHOP),
        ({"X-Shopify-Topic": "x" * 200}, b"[1]", Rejection.BAD_HEADERS),
        ({}, b"[1]", Rejection.BAD_JSON),
    ],
)
def test_what_is_not_a_delivery_says_why_first_thing_first(app_context, overrides, body, rejection):
    assert read_delivery(headers_for(body, **overrides), body) is rejection


def _bag(shop: str, presentment: str) -> dict:
    return {"shopMoney": {"amount": shop}, "presentmentMoney": {"amount": presentment}}


def test_a_graphql_line_carries_its_discounts_and_tax_in_both_currencies():
    """The bulk export's line: Shopify's discount allocations (line and order level) come off
    the original total, tax lines add up, each side in its own currency."""
    node = {
        "id": "gid://shopify/Order/1",
        "name": "#1001",
        "createdAt": "2026-12-01T10:00:00Z",
        "updatedAt": "2026-12-01T10:00:00Z",
        "currencyCode": "USD",
        "presentmentCurrencyCode": "EUR",
        "taxesIncluded": False,
        "totalPriceSet": _bag("45.00", "41.40"),
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/1",
                    "title": "Mug",
                    "quantity": 2,
                    "originalUnitPriceSet": _bag("20.00", "18.40"),
                    "discountAllocations": [
                        {"allocatedAmountSet": _bag("10.00", "9.20")},
                        {"allocatedAmountSet": _bag("3.00", "2.76")},
                    ],
                    "taxLines": [{"priceSet": _bag("5.40", "4.97")}],
                }
            ]
        },
    }
    order = order_from_graphql(node)
    assert (order.presentment_currency, order.presentment_total) == ("EUR", Decimal("41.40"))
    (line,) = order.lines
    assert (line.unit_price, line.presentment_unit_price) == (Decimal("20.00"), Decimal("18.40"))
    assert (line.discounted_total, line.presentment_discounted_total) == (
        Decimal("27.00"),
        Decimal("24.84"),
    )
    assert (line.tax, line.presentment_tax) == (Decimal("5.40"), Decimal("4.97"))


def test_a_rest_line_reads_price_sets_allocations_and_tax_lines():
    payload = example("orders/create")
    payload["presentment_currency"] = "EUR"
    payload["total_price_set"] = {
        "shop_money": {"amount": "45.00"},
        "presentment_money": {"amount": "41.40"},
    }
    item = payload["line_items"][0]
    item.update(
        {
            "price": "20.00",
            "quantity": 2,
            "price_set": {
                "shop_money": {"amount": "20.00"},
                "presentment_money": {"amount": "18.40"},
            },
            "discount_allocations": [
                {
                    "amount": "4.00",
                    "amount_set": {
                        "shop_money": {"amount": "4.00"},
                        "presentment_money": {"amount": "3.68"},
                    },
                }
            ],
            "tax_lines": [
                {
                    "price": "7.20",
                    "price_set": {
                        "shop_money": {"amount": "7.20"},
                        "presentment_money": {"amount": "6.62"},
                    },
                }
            ],
        }
    )
    order = order_from_rest(payload)
    assert (order.presentment_currency, order.presentment_total) == ("EUR", Decimal("41.40"))
    line = order.lines[0]
    assert (line.discounted_total, line.presentment_discounted_total) == (
        Decimal("36.00"),
        Decimal("33.12"),
    )
    assert (line.tax, line.presentment_tax) == (Decimal("7.20"), Decimal("6.62"))
