"""The token endpoint, through Authlib: authorization code, token exchange, refresh.

Relay always asks for expiring offline tokens (required for public apps created after
2026-04-01): 1 h access token + 90-day refresh token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from requests.exceptions import RequestException

from integrations.shopify_admin import urls
from integrations.shopify_admin.errors import OAuthFailure, ShopifyTransportError

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"


@dataclass(frozen=True)
class OfflineToken:
    access_token: str
    scope: str
    expires_at: datetime | None
    refresh_token: str | None
    refresh_expires_at: datetime | None


def _session() -> OAuth2Session:
    config = current_app.config
    return OAuth2Session(
        client_id=config["SHOPIFY_API_KEY"],
        client_secret=config["SHOPIFY_API_SECRET"],
        redirect_uri=f"{config['APP_URL']}/auth/callback",
        token_endpoint_auth_method="client_secret_post",
    )


def authorization_url(shop: str, state: str) -> str:
    url, _ = _session().create_authorization_url(
        urls.authorize_url(shop), state=state, scope=current_app.config["SHOPIFY_SCOPES"]
    )
    return url


def _no_such_shop(response, *args, **kwargs):
    """A 404 from the token endpoint means no such shop (its page is HTML, not an OAuth error
    body): a refusal, not an outage to retry."""
    if response.status_code == 404:
        raise OAuthFailure("shop_not_found", "Shopify knows no such shop")
    return response


def _fetch(shop: str, **params) -> OfflineToken:
    try:
        token = _session().fetch_token(
            urls.token_url(shop),
            expiring="1",
            timeout=15,
            hooks={"response": _no_such_shop},
            **params,
        )
    except OAuthError as exc:
        raise OAuthFailure(exc.error or "oauth_error", exc.description or "") from exc
    except RequestException as exc:
        raise ShopifyTransportError(f"token endpoint unreachable: {type(exc).__name__}") from exc
    now = datetime.now(UTC)
    expires_in = token.get("expires_in")
    refresh_in = token.get("refresh_token_expires_in")
    return OfflineToken(
        access_token=token["access_token"],
        scope=token.get("scope", ""),
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        refresh_token=token.get("refresh_token"),
        refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
    )


def exchange_code(shop: str, code: str) -> OfflineToken:
    return _fetch(shop, grant_type="authorization_code", code=code)


def exchange_id_token(shop: str, id_token: str) -> OfflineToken:
    return _fetch(
        shop,
        grant_type=TOKEN_EXCHANGE,
        subject_token=id_token,
        subject_token_type=ID_TOKEN_TYPE,
        requested_token_type=OFFLINE_TOKEN_TYPE,
    )


def refresh(shop: str, refresh_token: str) -> OfflineToken:
    return _fetch(shop, grant_type="refresh_token", refresh_token=refresh_token)
