"""Verify App Bridge ID tokens (session tokens): HS256 with the app secret, aud = API key,
exp/nbf with 10 s leeway, iss and dest on the same *.myshopify.com shop."""

from __future__ import annotations

from shopify import session_token

from integrations.shopify_admin.urls import is_valid_shop_domain


class InvalidIdToken(Exception):
    pass


def verify_id_token(token: str | None, api_key: str, secrets: list[str]) -> dict:
    """Return the claims (plus "shop") or raise InvalidIdToken with a readable reason."""
    if not token:
        raise InvalidIdToken("missing ID token")
    last_error: Exception | None = None
    for secret in [s for s in secrets if s]:
        try:
            claims = session_token.decode_from_header(f"Bearer {token}", api_key, secret)
            break
        except session_token.SessionTokenError as exc:
            last_error = exc
    else:
        raise InvalidIdToken(str(last_error or "no secret configured"))
    # ShopifyAPI requires iss/dest/sub/jti/sid; expiry must be present too, not merely valid.
    if "exp" not in claims or "nbf" not in claims:
        raise InvalidIdToken("ID token without exp/nbf")
    shop = claims["dest"].removeprefix("https://").rstrip("/")
    if not is_valid_shop_domain(shop):
        raise InvalidIdToken("ID token dest is not a shop")
    return {**claims, "shop": shop}
