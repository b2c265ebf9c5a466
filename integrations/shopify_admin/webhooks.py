"""Verify X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the app secret."""

from __future__ import annotations

import base64
import hashlib
import hmac


def body_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_webhook(body: bytes, received: str | None, secrets: list[str]) -> bool:
    """Shopify may sign with the previous secret for up to an hour after a rotation."""
    if not received:
        return False
    # Bytes, not str: compare_digest refuses str with non-ASCII characters (a TypeError).
    presented = received.encode("utf-8", "surrogatepass")
    return any(
        hmac.compare_digest(body_signature(s, body).encode(), presented) for s in secrets if s
    )
