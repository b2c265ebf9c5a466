"""Installing Relay: authorization-code OAuth and managed install (token exchange)."""

import time

import httpx
import pytest
from sqlalchemy import select

from domain.models.shop import Shop
from extensions import db
from integrations.shopify_admin.hmac_query import query_digest
from tests.conftest import API_KEY, API_SECRET


def shop_row(domain):
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def test_oauth_install_stores_encrypted_expiring_tokens_and_registers_with_the_store(
    ctx, devstore, installed_shop
):
    shop = shop_row(installed_shop)
    assert shop.is_installed
    token_doc = next(t for t in devstore.store.find("access_token", shop=installed_shop))
    assert token_doc["expiring"], "Relay must ask for expiring offline tokens"
    assert token_doc["token"] not in shop.access_token_encrypted, "stored encrypted"
    assert shop.refresh_token_encrypted and shop.access_token_expires_at
    subs = devstore.store.find("webhook_subscription", shop=installed_shop)
    assert {s["topic"] for s in subs} >= {
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "FULFILLMENT_ORDERS_FULFILLMENT_REQUEST_SUBMITTED",
    }
    services = devstore.store.find("fulfillment_service", shop=installed_shop)
    assert [s["name"] for s in services] == ["Relay"]
    assert shop.fulfillment_service_gid.endswith(str(services[0]["id"]))
    assert shop.name and shop.currency == "USD"


def test_reinstall_creates_no_duplicate_webhooks_or_fulfillment_service(
    ctx, devstore, installed_shop, oauth_install
):
    before = len(devstore.store.find("webhook_subscription", shop=installed_shop))
    oauth_install(installed_shop)
    assert len(devstore.store.find("webhook_subscription", shop=installed_shop)) == before
    assert len(devstore.store.find("fulfillment_service", shop=installed_shop)) == 1


def test_managed_install_exchanges_the_id_token_on_first_load(
    ctx, devstore, relay_server, make_shop, register_relay, id_token, drain
):
    domain = make_shop("managed")
    response = httpx.get(
        f"{relay_server.url}/",
        follow_redirects=True,
        params={"embedded": "1", "shop": domain, "id_token": id_token(domain), "host": "x"},
    )
    assert response.status_code == 200
    assert shop_row(domain).is_installed
    drain()
    assert devstore.store.find("fulfillment_service", shop=domain)


def signed_query(params):
    return {**params, "hmac": query_digest(API_SECRET, params)}


@pytest.mark.attack
def test_install_entry_refuses_bad_shop_domains_and_bad_signatures(
    ctx, relay_server, register_relay
):
    now = str(int(time.time()))
    for shop in ("acme.myshopify.com/admin", "acme.myshopify.com:444", "evil.com"):
        response = httpx.get(
            f"{relay_server.url}/auth/install",
            params=signed_query({"shop": shop, "timestamp": now}),
        )
        assert response.status_code == 400
        assert "myshopify.com domain" in response.text
    tampered = signed_query({"shop": "acme.myshopify.com", "timestamp": now})
    tampered["timestamp"] = str(int(now) - 1)
    response = httpx.get(f"{relay_server.url}/auth/install", params=tampered)
    assert response.status_code == 400 and "not signed by Shopify" in response.text
    assert db.session.scalar(select(Shop)) is None


def start_oauth(devstore, relay_server, domain):
    """Walk to the consent page; return the browser client and Relay's state nonce."""
    browser = httpx.Client(follow_redirects=False, timeout=30)
    step = browser.get(f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}/install")
    step = browser.get(step.headers["location"])  # Relay's App URL sees the signed install hit
    assert step.headers["location"].startswith("/auth/install?")
    step = browser.get(relay_server.url + step.headers["location"])
    authorize = step.headers["location"]
    assert authorize.startswith(f"{devstore.url}/store/{domain}/admin/oauth/authorize")
    approve = browser.post(authorize)  # "Install app" on the consent page
    return browser, approve.headers["location"]


@pytest.mark.attack
@pytest.mark.parametrize("tamper", ["shop", "code", "timestamp", "extra param"])
def test_callback_with_tampered_params_changes_nothing(
    ctx, devstore, relay_server, register_relay, make_shop, tamper
):
    domain = make_shop("tamper")
    browser, callback = start_oauth(devstore, relay_server, domain)
    url = httpx.URL(callback)
    params = dict(url.params)
    if tamper == "shop":
        params["shop"] = "other.myshopify.com"
    elif tamper == "code":
        params["code"] = params["code"][:-1] + ("0" if params["code"][-1] != "0" else "1")
    elif tamper == "timestamp":
        params["timestamp"] = str(int(params["timestamp"]) + 1)
    else:
        params["scope"] = "write_everything"
    response = browser.get(url.copy_with(params=params))
    assert response.status_code == 400
    assert "not signed by Shopify" in response.text
    assert shop_row(domain) is None and shop_row("other.myshopify.com") is None


@pytest.mark.attack
def test_a_reused_state_is_refused(ctx, devstore, relay_server, register_relay, make_shop):
    domain = make_shop("replay")
    browser, callback = start_oauth(devstore, relay_server, domain)
    assert browser.get(callback).status_code == 302
    first_token = shop_row(domain).access_token_encrypted
    replay = browser.get(callback)
    assert replay.status_code == 400 and "already used" in replay.text
    db.session.expire_all()
    assert shop_row(domain).access_token_encrypted == first_token


@pytest.mark.attack
def test_a_state_without_the_browser_cookie_is_refused(
    ctx, devstore, relay_server, register_relay, make_shop
):
    domain = make_shop("csrf")
    _, callback = start_oauth(devstore, relay_server, domain)
    response = httpx.get(callback)  # another browser: no state cookie
    assert response.status_code == 400
    assert shop_row(domain) is None
