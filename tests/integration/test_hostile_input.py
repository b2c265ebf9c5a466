"""Junk that used to answer 500 answers a clear 4xx and stores nothing (issue 12)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import func, select

from domain.models.shop import Shop, WebhookReceipt
from extensions import db
from integrations.shopify_admin.hmac_query import query_digest
from integrations.shopify_admin.webhooks import body_signature
from tests.conftest import API_SECRET
from tests.integration.test_fulfillment import stock_at_relay
from tests.integration.test_refunds import (
    MUG,
    Drawer,
    add_supplier,
    devstore_order,
    line_of,
    place,
    refunds_of,
)

pytestmark = pytest.mark.attack

SHOP = "junk-shop.myshopify.com"


def receipts() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookReceipt))


def shops() -> int:
    return db.session.scalar(select(func.count()).select_from(Shop))


def signed_query(params: dict) -> dict:
    return {**params, "hmac": query_digest(API_SECRET, params)}


def webhook_headers(body: bytes, **overrides) -> dict:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": body_signature(API_SECRET, body),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }
    headers.update(overrides)
    return headers


# -- non-ASCII where a constant-time comparison expects ASCII -------------------------------


@pytest.mark.parametrize(
    "path", ["/webhooks", "/fulfillment_service/fulfillment_order_notification"]
)
def test_a_non_ascii_webhook_hmac_is_refused_as_forged(ctx, app, path):
    body = b'{"id": 1}'
    headers = webhook_headers(body, **{"X-Shopify-Hmac-Sha256": "sígnature=="})
    response = app.test_client().post(path, data=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["result"] == "HMAC verification failed"
    assert receipts() == 0


@pytest.mark.parametrize("path", ["/auth/install", "/auth/callback", "/"])
def test_a_non_ascii_install_hmac_is_refused(ctx, app, path):
    params = {"shop": SHOP, "timestamp": str(int(time.time())), "hmac": "hmäc"}
    response = app.test_client().get(path, query_string=params)
    assert response.status_code in (302, 400)  # "/" sends Shopify's install hit to /auth/install
    if response.status_code == 302:
        response = app.test_client().get(response.headers["Location"])
        assert response.status_code == 400
    assert "not signed by Shopify" in response.get_data(as_text=True)
    assert shops() == 0


@pytest.mark.parametrize("state, cookie", [("stäte", "state"), ("state", "cöökie"), ("ß", "ß")])
def test_a_non_ascii_callback_state_is_refused(ctx, app, state, cookie):
    params = signed_query(
        {"shop": SHOP, "timestamp": str(int(time.time())), "code": "abc", "state": state}
    )
    client = app.test_client()
    client.set_cookie("relay_oauth_state", cookie, path="/auth/callback")
    response = client.get("/auth/callback", query_string=params)
    assert response.status_code == 400
    assert "expired or was already used" in response.get_data(as_text=True)
    assert shops() == 0


# -- bodies a JSON parser chokes on -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        b'{"id": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",  # under the recursion limit, still junk
        b'{"id": NaN}',
        b'{"id": -Infinity}',
        b'{"id": 1, "nul": "\\u0000"}',
    ],
    ids=["deep-array", "deep-object", "nested-5000", "nan", "infinity", "nul-escape"],
)
def test_deep_or_non_standard_json_with_a_valid_hmac_gets_400_and_stores_nothing(ctx, app, body):
    response = app.test_client().post("/webhooks", data=body, headers=webhook_headers(body))
    assert response.status_code == 400
    assert response.get_json()["result"] == "body is not a JSON object"
    assert receipts() == 0


@pytest.mark.parametrize(
    "header, value",
    [
        ("X-Shopify-Webhook-Id", "x" * 300),
        ("X-Shopify-Webhook-Id", "id\x00nul"),
        ("X-Shopify-Topic", "orders/" + "x" * 200),
        ("X-Shopify-Event-Id", "e" * 300),
        ("X-Shopify-Triggered-At", "2026-11-24T10:00:00" + "0" * 100),
    ],
)
def test_signed_deliveries_with_oversized_or_binary_headers_get_400(ctx, app, header, value):
    body = json.dumps({"id": 1}).encode()
    headers = webhook_headers(body, **{header: value})
    response = app.test_client().post("/webhooks", data=body, headers=headers)
    assert response.status_code == 400
    assert receipts() == 0


# -- amounts and quantities a Decimal context cannot hold -------------------------------------


@pytest.fixture
def shop(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop, skus=(MUG,))
    return installed_shop


@pytest.mark.parametrize(
    "field, value",
    [
        ("amount", "1" * 30),
        ("amount", "9" * 30 + ".99"),
        ("amount", "1" * 30 + ".005"),
        ("amount", "1" * 26 + ".001"),
        ("amount", "1E+30"),
        ("amount", "1e999999999"),
        ("amount", "1e-999999999"),
        ("amount", "NaN"),
        ("amount", "sNaN"),
        ("amount", "-Infinity"),
        ("amount", "-1"),
        ("shipping", "1" * 30),
        ("shipping", "Infinity"),
        ("qty", "9" * 30),
        ("qty", "1e3"),
        ("qty", "-1"),
        ("qty", "9" * 5000),
        ("restock", "9" * 30),
    ],
)
def test_absurd_refund_amounts_and_quantities_are_refused_and_nothing_is_refunded(
    shop, devstore, drain, relay_server, id_token, field, value
):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    mug = line_of(order, MUG)
    form = {f"qty-{mug.id}": "1", f"amount-{mug.id}": "5.00"}
    form[field if field == "shipping" else f"{field}-{mug.id}"] = value
    response = Drawer(relay_server, shop, id_token).submit(order, form, htmx=False)
    assert response.status_code == 422, response.text[:300]
    assert refunds_of(order) == []
    assert devstore_order(devstore, shop, order)["refunds"] == []


# -- found by the route fuzzer (test_fuzz_routes.py) --------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/orders/2147483648"),
        ("POST", "/orders/supplier-orders/99999999999999999999/request"),
        ("GET", "/portal/token/orders/2147483648"),
        ("POST", "/jobs/%20/retry"),  # not even a well-formed RQ job id
        ("POST", "/jobs/a.b/retry"),
    ],
)
def test_an_id_past_the_integer_range_or_a_malformed_job_id_is_a_404(
    ctx, app, id_token, method, path
):
    db.session.add(Shop(domain=SHOP, access_token_encrypted="installed"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {id_token(SHOP)}"}
    response = app.test_client().open(path, method=method, headers=headers)
    assert response.status_code == 404


def test_a_valid_id_token_for_a_shop_shopify_does_not_know_is_refused_not_retried(
    ctx, app, id_token
):
    response = app.test_client().get(
        "/connection", headers={"Authorization": f"Bearer {id_token('no-such-fz.myshopify.com')}"}
    )
    assert response.status_code == 401
    assert "shop_not_found" in response.get_data(as_text=True)
    assert shops() == 0
