"""What an app sees of installs: the consent page, signed redirects, the admin's iframe URL."""

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

from devstore import auth

from .conftest import CLIENT_ID, SECRET, SHOP
from .test_oauth_and_delivery import authorize, register


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def shopify_hmac(params: dict) -> str:
    """Written out here rather than imported, so the test checks devstore's signature
    against Shopify's documented algorithm, not against itself."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_consent_page_names_the_app_and_its_scopes(server):
    register(server)
    page = server.client.get(
        f"/store/{SHOP}/admin/oauth/authorize",
        params={
            "client_id": CLIENT_ID,
            "scope": "read_orders,write_fulfillments",
            "redirect_uri": "http://127.0.0.1:9/cb",
            "state": "n1",
        },
    )
    assert page.status_code == 200
    assert "App One" in page.text and "write_fulfillments" in page.text
    assert "Install app" in page.text


def test_auto_param_approves_without_the_consent_page(server):
    register(server)
    response = server.client.get(
        f"/store/{SHOP}/admin/oauth/authorize",
        params={"client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1:9/cb", "auto": "1"},
    )
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://127.0.0.1:9/cb?code=")


def test_callback_values_survive_both_shopify_hmac_encodings_and_tampering_breaks_them(server):
    register(server)
    params = authorize(server, state="Abc123")
    for key in ("code", "state", "timestamp", "host"):
        # Alphanumeric / unpadded base64: Python's raw and Node's URLSearchParams encodings agree.
        assert "=" not in params[key] and "%" not in params[key] and "&" not in params[key]
    assert params["hmac"] == shopify_hmac(params)
    for key, value in (("shop", "evil.myshopify.com"), ("state", "other"), ("code", "x")):
        tampered = {**params, key: value}
        assert tampered["hmac"] != shopify_hmac(tampered)
        check = server.client.post(
            "/_devstore/verify_hmac", json={"client_id": CLIENT_ID, "params": tampered}
        )
        assert check.json() == {"valid": False}
    check = server.client.post(
        "/_devstore/verify_hmac", json={"client_id": CLIENT_ID, "params": params}
    )
    assert check.json() == {"valid": True}


def test_reused_or_foreign_codes_are_invalid_grant(server):
    register(server)
    code = authorize(server)["code"]
    body = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": code, "expiring": 1}
    first = server.client.post(f"/store/{SHOP}/admin/oauth/access_token", json=body)
    assert first.status_code == 200 and first.json()["scope"] == "read_orders"
    again = server.client.post(f"/store/{SHOP}/admin/oauth/access_token", json=body)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    unknown = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token", json={**body, "code": "0" * 32}
    )
    assert unknown.json()["error"] == "invalid_grant"


def test_legacy_install_hits_the_app_url_with_a_signed_query(server):
    register(server)
    response = server.client.get(f"/store/{SHOP}/admin/apps/{CLIENT_ID}/install?flow=oauth")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("http://127.0.0.1:9/?")
    params = query_of(location)
    assert set(params) == {"hmac", "host", "shop", "timestamp"}
    assert params["hmac"] == shopify_hmac(params) and params["shop"] == SHOP
    host = base64.b64decode(params["host"] + "=" * (-len(params["host"]) % 4)).decode()
    assert host == f"{urlsplit(server.url).netloc}/store/{SHOP}/admin"
    assert not auth.is_installed(server.store, SHOP, CLIENT_ID), "only OAuth installs it"


def test_opening_an_app_installs_it_and_frames_it_with_a_fresh_id_token(server):
    register(server)
    assert not auth.is_installed(server.store, SHOP, CLIENT_ID)
    page = server.client.get(f"/store/{SHOP}/admin/apps/{CLIENT_ID}")
    assert page.status_code == 200
    assert auth.is_installed(server.store, SHOP, CLIENT_ID), "managed installation"
    src = page.text.split('id="app-iframe" name="app-iframe" src="')[1].split('"')[0]
    src = src.replace("&amp;", "&")
    params = query_of(src)
    assert set(params) == {
        "embedded",
        "hmac",
        "host",
        "id_token",
        "locale",
        "session",
        "shop",
        "timestamp",
    }
    assert params["embedded"] == "1" and params["hmac"] == shopify_hmac(params)
    app_doc = auth.get_app(server.store, CLIENT_ID)
    claims = auth.verify_id_token(app_doc, params["id_token"])
    assert claims["dest"] == f"https://{SHOP}" and claims["iss"] == f"https://{SHOP}/admin"
    assert claims["aud"] == CLIENT_ID and claims["exp"] - claims["iat"] == 60
    assert {"sub", "jti", "sid", "nbf"} <= set(claims)
    # The app then exchanges that very token for an expiring offline token.
    exchanged = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        data={
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "grant_type": auth.TOKEN_EXCHANGE,
            "subject_token": params["id_token"],
            "subject_token_type": auth.ID_TOKEN_TYPE,
            "requested_token_type": auth.OFFLINE_TOKEN_TYPE,
            "expiring": "1",
        },
    )
    assert exchanged.status_code == 200 and exchanged.json()["expires_in"] == 3600


def test_access_scopes_and_api_version_checks(server):
    register(server)
    page = server.client.get(f"/store/{SHOP}/admin/apps/{CLIENT_ID}")
    id_token = query_of(page.text.split('src="')[1].split('"')[0].replace("&amp;", "&"))["id_token"]
    token = server.client.post(
        f"/store/{SHOP}/admin/oauth/access_token",
        json={
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "grant_type": auth.TOKEN_EXCHANGE,
            "subject_token": id_token,
            "expiring": "1",
        },
    ).json()["access_token"]
    headers = {"X-Shopify-Access-Token": token}
    scopes = server.client.get(f"/store/{SHOP}/admin/oauth/access_scopes.json", headers=headers)
    assert scopes.json() == {"access_scopes": [{"handle": "read_orders"}]}
    missing = server.client.get(f"/store/{SHOP}/admin/oauth/access_scopes.json")
    assert missing.status_code == 401
    old_version = server.client.post(
        f"/store/{SHOP}/admin/api/2019-01/graphql.json",
        json={"query": "{ shop { name } }"},
        headers=headers,
    )
    assert old_version.status_code == 404
    other_shop = server.client.post(
        "/store/other.myshopify.com/admin/api/2026-07/graphql.json",
        json={"query": "{ shop { name } }"},
        headers=headers,
    )
    assert other_shop.status_code == 404  # no such store on this devstore


def test_id_tokens_are_cors_readable_by_the_app_origin_only(server):
    register(server)
    url = f"/store/{SHOP}/admin/apps/{CLIENT_ID}/id_token"
    own = server.client.post(url, headers={"Origin": "http://127.0.0.1:9"})
    assert own.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:9"
    claims = auth.verify_id_token(auth.get_app(server.store, CLIENT_ID), own.json()["id_token"])
    assert claims["exp"] >= time.time() + 50
    foreign = server.client.post(url, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers
    script = server.client.get("/cdn/shopifycloud/app-bridge.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "shopify-reload" in script.text and "idToken" in script.text


def test_deep_links_pass_their_sub_path_and_query_to_the_app_frame_once(server):
    """/apps/<app>/orders?supplier=2 and the older ?path=orders?supplier=2 both frame
    app_url/orders with supplier=2 in the one signed query (never a second "?")."""
    register(server)
    for link in (
        f"/apps/{CLIENT_ID}/orders?supplier=2",
        f"/apps/{CLIENT_ID}?path=orders%3Fsupplier%3D2",
    ):
        page = server.client.get(f"/store/{SHOP}/admin{link}")
        src = page.text.split('id="app-iframe" name="app-iframe" src="')[1].split('"')[0]
        src = src.replace("&amp;", "&")
        assert src.count("?") == 1 and urlsplit(src).path.endswith("/orders"), src
        params = query_of(src)
        assert params["supplier"] == "2" and params["hmac"] == shopify_hmac(params)
