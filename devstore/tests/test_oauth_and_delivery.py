"""OAuth, token exchange, refresh, token checks and signed, retried webhook delivery."""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt

from devstore import auth, commerce

from .conftest import CLIENT_ID, SECRET, SHOP


def register(server, receiver_url="http://127.0.0.1:9"):
    auth.register_app(
        server.store,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        name="App One",
        app_url=receiver_url + "/",
        redirect_urls=[receiver_url + "/cb"],
        scopes=["read_orders"],
        webhooks_uri=receiver_url + "/webhooks",
    )


def authorize(server, state="abc123", receiver_url="http://127.0.0.1:9"):
    response = server.client.post(
        f"/store/{SHOP}/admin/oauth/authorize",
        data={
            "client_id": CLIENT_ID,
            "scope": "read_orders",
            "redirect_uri": receiver_url + "/cb",
            "state": state,
        },
    )
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def test_authorization_code_round_trip_with_a_verifiable_hmac(server):
    register(server)
    params = authorize(server)
    expected = hmac.new(
        SECRET.encode(),
        "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac").encode(),
        hashlib.sha256,
    ).hexdigest()
    assert params["hmac"] == expected and params["shop"] == SHOP and params["state"] == "abc123"
    token = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "code": params["code"],
            "expiring": "1",
        },
    ).json()
    assert token["expires_in"] == 3600 and token["refresh_token_expires_in"] == 7776000
    reused = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={"client_id": CLIENT_ID, "client_secret": SECRET, "code": params["code"]},
    )
    assert reused.status_code == 400
    graphql = server.client.post(
        f"/store/{SHOP}/admin/api/2026-07/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": token["access_token"]},
    )
    assert graphql.json()["data"]["shop"]["name"]


def test_unknown_redirect_uri_and_bad_client_are_refused(server):
    register(server)
    response = server.client.get(
        f"/store/{SHOP}/admin/oauth/authorize",
        params={"client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb"},
    )
    assert response.status_code == 400
    response = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={"client_id": CLIENT_ID, "client_secret": "wrong", "code": "x"},
    )
    assert response.json()["error"] == "invalid_client"


def id_token(secret=SECRET, **overrides):
    now = int(time.time())
    claims = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": CLIENT_ID,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": "j",
        "sid": "s",
    }
    claims.update(overrides)
    return jwt.encode(claims, secret, algorithm="HS256")


def exchange(server, subject):
    return server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "subject_token": subject,
            "grant_type": auth.TOKEN_EXCHANGE,
            "subject_token_type": auth.ID_TOKEN_TYPE,
            "requested_token_type": auth.OFFLINE_TOKEN_TYPE,
            "expiring": "1",
        },
    )


def test_token_exchange_accepts_only_valid_id_tokens(server):
    register(server)
    assert exchange(server, id_token()).status_code == 200
    for bad in (
        id_token(exp=int(time.time()) - 60),
        id_token(secret="w" * 40),
        id_token(dest="https://other.myshopify.com"),
    ):
        response = exchange(server, bad)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_subject_token"


def test_refresh_rotates_and_keeps_the_old_refresh_token_until_the_new_one_is_used(server):
    register(server)
    first = exchange(server, id_token()).json()
    body = {"client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "refresh_token"}
    second = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={**body, "refresh_token": first["refresh_token"]},
    ).json()
    assert second["access_token"] != first["access_token"]
    # Grace: the old refresh token still works until the new one is used...
    grace = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={**body, "refresh_token": first["refresh_token"]},
    )
    assert grace.status_code == 200
    server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={**body, "refresh_token": second["refresh_token"]},
    )
    # ...and not after.
    late = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={**body, "refresh_token": first["refresh_token"]},
    )
    assert late.status_code == 400


def test_expired_and_revoked_tokens_get_shopifys_401(server):
    register(server)
    server.settings.access_token_seconds = 1
    token = exchange(server, id_token()).json()["access_token"]
    time.sleep(1.2)
    response = server.client.post(
        f"/store/{SHOP}/admin/api/2026-07/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": token},
    )
    assert response.status_code == 401 and "Invalid API key or access token" in response.text
    server.settings.access_token_seconds = 3600
    token = exchange(server, id_token()).json()["access_token"]
    auth.uninstall(server.store, SHOP, CLIENT_ID)
    response = server.client.post(
        f"/store/{SHOP}/admin/api/2026-07/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": token},
    )
    assert response.status_code == 401


def test_non_expiring_tokens_are_refused_like_new_public_apps(server):
    register(server)
    token = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={"client_id": CLIENT_ID, "client_secret": SECRET, "code": authorize(server)["code"]},
    ).json()["access_token"]
    response = server.client.post(
        f"/store/{SHOP}/admin/api/2026-07/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": token},
    )
    assert response.status_code == 403 and "Non-expiring" in response.text


def wait_until(condition, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_webhooks_are_signed_retried_and_optionally_duplicated(server, receiver):
    register(server, receiver.url)
    exchange(server, id_token())  # managed install
    commerce.create_webhook_subscription(
        server.store, SHOP, client_id=CLIENT_ID, topic="ORDERS_CREATE", uri=receiver.url + "/orders"
    )
    receiver.fail_first = 2
    commerce.create_order(server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}])
    assert wait_until(lambda: len([r for r in receiver.requests if r["path"] == "/orders"]) >= 3)
    deliveries = [r for r in receiver.requests if r["path"] == "/orders"]
    ids = {r["headers"]["X-Shopify-Webhook-Id"] for r in deliveries}
    assert len(ids) == 1, "retries carry the same webhook id"
    first = deliveries[0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), first["body"], hashlib.sha256).digest()
    ).decode()
    assert first["headers"]["X-Shopify-Hmac-Sha256"] == expected
    assert first["headers"]["X-Shopify-Topic"] == "orders/create"
    assert first["headers"]["X-Shopify-Shop-Domain"] == SHOP
    assert json.loads(first["body"])["line_items"][0]["sku"] == "MUG-STN-SPK"

    server.settings.duplicate_deliveries = True
    second = commerce.create_order(server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}])

    def of_second() -> list[dict]:  # the first order's late retries may still arrive
        return [
            r
            for r in list(receiver.requests)
            if r["path"] == "/orders" and json.loads(r["body"])["id"] == second["id"]
        ]

    assert wait_until(lambda: len(of_second()) >= 2)
    ids = [r["headers"]["X-Shopify-Webhook-Id"] for r in of_second()]
    assert len(ids) == 2 and ids[0] == ids[1], "a duplicate delivery is the same delivery again"


def test_fulfillment_service_callbacks_are_signed(server, receiver):
    register(server, receiver.url)
    exchange(server, id_token())
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=CLIENT_ID, name="Relay", callback_url=receiver.url + "/fs"
    )
    with server.store.transaction():
        commerce.stock_skus_at(server.store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = commerce.create_order(server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}])
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    commerce.submit_fulfillment_request(server.store, SHOP, fo["id"])
    assert wait_until(
        lambda: any(r["path"] == "/fs/fulfillment_order_notification" for r in receiver.requests)
    )
    callback = next(
        r for r in receiver.requests if r["path"] == "/fs/fulfillment_order_notification"
    )
    assert json.loads(callback["body"]) == {"kind": "FULFILLMENT_REQUEST"}
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), callback["body"], hashlib.sha256).digest()
    ).decode()
    assert callback["headers"]["X-Shopify-Hmac-Sha256"] == expected
