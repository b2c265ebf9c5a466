"""Verify the `hmac` Shopify puts on the install and OAuth callback query strings."""

from __future__ import annotations

import hashlib
import hmac
import time

MAX_AGE_SECONDS = 24 * 3600  # ShopifyAPI's window; the nonce protects the callback further
MAX_FUTURE_SKEW = 90


def query_digest(secret: str, params: dict) -> str:
    message = "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in ("hmac", "signature")
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_query(params: dict, secrets: list[str], now: float | None = None) -> bool:
    """Constant-time check against every active secret, plus a timestamp sanity window."""
    received = params.get("hmac") or ""
    if not received:
        return False
    try:
        timestamp = int(params.get("timestamp", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if timestamp < now - MAX_AGE_SECONDS or timestamp > now + MAX_FUTURE_SKEW:
        return False
    # Bytes, not str: compare_digest refuses str with non-ASCII characters (a TypeError).
    presented = received.encode("utf-8", "surrogatepass")
    return any(
        hmac.compare_digest(query_digest(s, params).encode(), presented) for s in secrets if s
    )
