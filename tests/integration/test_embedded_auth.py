"""Inside the admin iframe every request is authenticated by an ID token, never a cookie."""

import time

import httpx
import pytest

from tests.conftest import API_KEY

pytestmark = pytest.mark.attack


def get(relay_server, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(
        f"{relay_server.url}{path}", params=params, headers=headers, follow_redirects=False
    )


def test_htmx_request_with_a_valid_token_reaches_shopify(
    ctx, relay_server, installed_shop, id_token
):
    response = get(relay_server, "/status", id_token(installed_shop))
    assert response.status_code == 200
    assert 'id="connection-status"' in response.text and "Connected" in response.text


def test_bad_tokens_get_401_with_the_app_bridge_retry_header(
    ctx, relay_server, installed_shop, id_token
):
    now = int(time.time())
    bad_tokens = {
        "expired": id_token(installed_shop, exp=now - 60, nbf=now - 120, iat=now - 120),
        "wrong audience": id_token(installed_shop, aud="someone-else"),
        "wrong secret": id_token(installed_shop, secret="x" * 40),
        "garbage": "not.a.jwt",
    }
    for why, token in bad_tokens.items():
        response = get(relay_server, "/status", token)
        assert response.status_code == 401, why
        assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1", why
    assert get(relay_server, "/status").status_code == 401  # no token at all


def test_a_token_for_another_shop_cannot_address_this_shop(
    ctx, relay_server, installed_shop, make_shop, oauth_install, id_token, devstore
):
    other = make_shop("other")
    oauth_install(other)
    response = get(relay_server, "/status", id_token(other), shop=installed_shop)
    assert response.status_code == 401
    # And the other shop's own token only ever shows the other shop's data.
    response = get(relay_server, "/status", id_token(other))
    other_name = devstore.store.get("shop", other)["name"]
    this_name = devstore.store.get("shop", installed_shop)["name"]
    assert response.status_code == 200
    assert other_name in response.text and this_name not in response.text


def test_document_load_without_a_fresh_token_bounces_through_app_bridge(
    ctx, relay_server, installed_shop
):
    response = get(
        relay_server, "/", embedded="1", shop=installed_shop, host="abc", id_token="stale"
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("/auth/patch-id-token?")
    assert "shopify-reload=" in location and "id_token" not in location.split("shopify-reload")[0]
    bounce = httpx.get(f"{relay_server.url}{location}")
    assert "app-bridge.js" in bounce.text and API_KEY in bounce.text


def test_html_responses_carry_per_shop_frame_ancestors(
    ctx, relay_server, installed_shop, id_token, devstore
):
    response = get(relay_server, "/", id_token(installed_shop), embedded="1")
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors https://{installed_shop} {devstore.url}" in csp
    assert "*" not in csp
    error_page = httpx.get(f"{relay_server.url}/auth/install", params={"shop": "x"})
    assert error_page.headers["Content-Security-Policy"] == "frame-ancestors 'none';"


def test_form_posts_accept_the_token_from_a_hidden_field(ctx, app, installed_shop, id_token):
    from flask import g

    from blueprints.embedded import shop_required

    @shop_required
    def view():
        return g.shop.domain

    with app.test_request_context("/x", method="POST", data={"id_token": id_token(installed_shop)}):
        assert view() == installed_shop
    with app.test_request_context("/x", method="POST", data={"note": "no token"}):
        assert view().status_code == 401


def test_bad_tokens_on_a_state_changing_request_change_nothing(
    ctx, app, relay_server, installed_shop, make_shop, oauth_install, id_token, drain
):
    from background import queues
    from tests.integration.test_failed_jobs import deliver_unprocessable_order

    receipt = deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    job_id = f"webhook-{receipt.id}"
    other = make_shop("other")
    oauth_install(other)
    now = int(time.time())
    bad_tokens = {
        "expired": id_token(installed_shop, exp=now - 60, nbf=now - 120, iat=now - 120),
        "wrong audience": id_token(installed_shop, aud="someone-else"),
        "wrong secret": id_token(installed_shop, secret="x" * 40),
        "other shop": id_token(other),
    }
    for why, token in bad_tokens.items():
        response = httpx.post(
            f"{relay_server.url}/jobs/{job_id}/retry",
            params={"shop": installed_shop},
            headers={"Authorization": f"Bearer {token}", "HX-Request": "true"},
        )
        assert response.status_code == 401, why
        assert response.text.startswith(("Invalid session", "The shop parameter")), why
    with app.app_context():
        assert queues.queue(queues.PUSH).failed_job_registry.get_job_ids() == [job_id]
        assert queues.queue(queues.PUSH).count == 0
