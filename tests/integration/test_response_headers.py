"""Headers every response carries, and who may frame the pages that authenticate nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.models.shop import Shop
from extensions import db

pytestmark = pytest.mark.attack

INSTALLED = "framed-shop.myshopify.com"
UNINSTALLED = "gone-shop.myshopify.com"
UNKNOWN = "stranger.myshopify.com"


@pytest.fixture
def shops(ctx):
    db.session.add(Shop(domain=INSTALLED, access_token_encrypted="x"))
    db.session.add(
        Shop(domain=UNINSTALLED, access_token_encrypted="x", uninstalled_at=datetime.now(UTC))
    )
    db.session.commit()


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/healthz"),
        ("GET", "/auth/patch-id-token"),
        ("GET", "/auth/install?shop=x"),  # a 400 error page
        ("GET", "/orders"),  # 401 without a session
        ("GET", "/no-such-page"),  # 404
        ("POST", "/webhooks"),  # 401 JSON
        ("GET", "/static/app.css"),
        ("GET", "/portal/not-a-token/"),
        ("POST", "/healthz"),  # 405
    ],
)
def test_every_response_forbids_sniffing_and_sets_a_referrer_policy(ctx, app, method, path):
    response = app.test_client().open(path, method=method)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    expected = "no-referrer" if path.startswith("/portal/") else "strict-origin-when-cross-origin"
    assert response.headers["Referrer-Policy"] == expected


@pytest.mark.parametrize(
    "path",
    [
        "/auth/patch-id-token?shop={shop}",
        "/auth/exit-iframe?exitIframe=https://evil.example/&shop={shop}",  # 400 error page
        "/auth/install?shop={shop}",  # unsigned: 400 error page
        "/auth/callback?shop={shop}",
    ],
)
@pytest.mark.parametrize("shop", [UNKNOWN, UNINSTALLED, "not a shop", ""])
def test_unauthenticated_pages_cannot_be_framed_for_a_shop_relay_is_not_installed_on(
    app, shops, path, shop
):
    response = app.test_client().get(path.format(shop=shop))
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none';"


@pytest.mark.parametrize(
    "path",
    [
        "/auth/patch-id-token?shop={shop}",
        "/auth/exit-iframe?exitIframe=https://evil.example/&shop={shop}",
        "/auth/install?shop={shop}",
    ],
)
def test_unauthenticated_pages_may_be_framed_by_an_installed_shops_admin(app, shops, path):
    response = app.test_client().get(path.format(shop=INSTALLED))
    origins = " ".join(app.config["SHOPIFY_ADMIN_ORIGINS"])
    expected = f"frame-ancestors https://{INSTALLED} {origins};"
    assert response.headers["Content-Security-Policy"] == expected
