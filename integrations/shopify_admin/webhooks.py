"""A webhook delivery as Shopify makes it: the X-Shopify headers, and X-Shopify-Hmac-Sha256, the
base64 HMAC-SHA256 of the raw body with the app secret. `read_delivery` turns a request into a
verified `WebhookDelivery`, or says why it is not one."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass

from integrations.shopify_admin.credentials import api_secrets
from integrations.shopify_admin.urls import is_valid_shop_domain

REQUIRED_HEADERS = ("X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id")
# The headers a delivery is kept with, and the most each may hold (the receipt's columns):
# longer values are junk, never truncated.
KEPT_HEADERS = {
    "X-Shopify-Webhook-Id": 255,
    "X-Shopify-Topic": 128,
    "X-Shopify-Event-Id": 255,
    "X-Shopify-Triggered-At": 64,
}
MAX_NESTING = 64  # Shopify's payloads nest a handful of levels; deeper is junk


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


class Rejection(enum.Enum):
    """Why a request is not a delivery Relay can keep; checked in this order."""

    FORGED = "forged"  # the HMAC does not verify
    MISSING_HEADERS = "missing_headers"
    BAD_SHOP = "bad_shop"  # X-Shopify-Shop-Domain is not a shop domain
    BAD_HEADERS = "bad_headers"  # a kept header too long, or with control characters
    BAD_JSON = "bad_json"  # the body is not a JSON object


@dataclass(frozen=True)
class WebhookDelivery:
    webhook_id: str
    shop_domain: str
    topic: str
    event_id: str | None
    triggered_at: str | None
    payload_json: str  # the verified body: standard JSON holding an object, as sent


def read_delivery(headers, body: bytes, *, topic: str | None = None) -> WebhookDelivery | Rejection:
    """The verified delivery, or the Rejection saying why not. Nothing of the body is read
    unless its HMAC verifies. Fulfillment-service callbacks carry no topic header: their
    route names it."""
    if not verify_webhook(body, headers.get("X-Shopify-Hmac-Sha256"), api_secrets()):
        return Rejection.FORGED
    if any(not headers.get(name) for name in REQUIRED_HEADERS):
        return Rejection.MISSING_HEADERS
    shop_domain = headers["X-Shopify-Shop-Domain"]
    if not is_valid_shop_domain(shop_domain):
        return Rejection.BAD_SHOP
    if not all(_keepable(headers.get(name) or "", width) for name, width in KEPT_HEADERS.items()):
        return Rejection.BAD_HEADERS
    text = _json_object_text(body)
    if text is None:
        return Rejection.BAD_JSON
    return WebhookDelivery(
        webhook_id=headers["X-Shopify-Webhook-Id"],
        shop_domain=shop_domain,
        topic=topic or headers.get("X-Shopify-Topic") or "",
        event_id=headers.get("X-Shopify-Event-Id"),
        triggered_at=headers.get("X-Shopify-Triggered-At"),
        payload_json=text,
    )


def _keepable(value: str, width: int) -> bool:
    return len(value) <= width and value.isprintable()


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python's json takes NaN/Infinity; JSON does not


def _json_object_text(body: bytes) -> str | None:
    """The body as text if it is standard JSON holding an object nested at most MAX_NESTING
    deep, without NUL characters (no text column can hold them); None for anything else."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\\u0000" in text:
        return None
    try:
        # The C parser recurses once per level: a very deep body raises RecursionError.
        payload = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    # A body cannot nest deeper than its brackets: most payloads skip the walk entirely.
    if text.count("[") + text.count("{") > MAX_NESTING and _deeper_than(payload, MAX_NESTING):
        return None
    return text


def _deeper_than(value, limit: int) -> bool:
    """Does any container sit more than limit deep? Level by level (no recursion of its own),
    each level's containers gathered by a comprehension: on intake's path, so it stays cheap."""
    level = [value]
    for _ in range(limit):
        nested = []
        for node in level:
            children = node.values() if node.__class__ is dict else node
            nested += [c for c in children if c.__class__ is dict or c.__class__ is list]
        if not nested:
            return False
        level = nested
    return True
