"""Webhook verification: PayPal's POST /v1/notifications/verify-webhook-signature, which the
SDK does not cover, called with httpx and the SDK's own OAuth token. The body goes to PayPal
byte for byte (spliced into the JSON, never re-serialised): its CRC32 is part of what is signed."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx

from integrations.paypal_api.sdk import TIMEOUT_SECONDS, SdkClient
from integrations.paypal_api.types import (
    InvalidPayPalSignature,
    PayPalEvent,
    PayPalRefused,
    PayPalUnavailable,
)

HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}


def _parsed(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidPayPalSignature("the body is not JSON") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("event_type"):
        raise InvalidPayPalSignature("the body is not a PayPal event")
    return event


def _request_body(fields: dict, body: bytes) -> bytes:
    head = json.dumps(fields)[:-1]
    return head.encode() + b', "webhook_event": ' + body + b"}"


def _post(sdk: SdkClient, content: bytes) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {sdk.access_token()}",
        "Content-Type": "application/json",
    }
    url = sdk.api_base + "/v1/notifications/verify-webhook-signature"
    try:
        return httpx.post(url, content=content, headers=headers, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise PayPalUnavailable(f"PayPal did not answer: {exc}") from exc


def _status(sdk: SdkClient, content: bytes) -> str:
    response = _post(sdk, content)
    if response.status_code == 401:  # a token PayPal forgot: fetch a new one, once
        sdk.forget_token()
        response = _post(sdk, content)
    if response.status_code >= 500 or response.status_code == 429:
        raise PayPalUnavailable(f"PayPal answered {response.status_code}")
    if response.status_code != 200:
        raise PayPalRefused("VALIDATION_ERROR", response.text[:300], response.status_code)
    return str(response.json().get("verification_status"))


def to_event(event: dict) -> PayPalEvent:
    resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
    resource_type = str(event.get("resource_type") or "")
    related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
    order_id = related.get("order_id")
    capture_id = None
    if resource_type == "checkout-order":
        order_id = resource.get("id")
    elif resource_type == "capture":
        capture_id = resource.get("id")
    elif resource_type == "refund":
        for item in resource.get("links") or []:
            if isinstance(item, dict) and item.get("rel") == "up":
                capture_id = str(item.get("href", "")).rstrip("/").rsplit("/", 1)[-1] or None
    return PayPalEvent(
        id=str(event["id"]),
        event_type=str(event["event_type"]),
        resource_type=resource_type,
        resource_id=resource.get("id"),
        order_id=order_id,
        capture_id=capture_id,
        created=str(event.get("create_time") or ""),
    )


def verify_event(sdk: SdkClient, webhook_id: str | None, headers: Mapping[str, str],
                 body: bytes) -> PayPalEvent:  # fmt: skip
    """The event, when PayPal says it sent exactly this body for our webhook; otherwise
    InvalidPayPalSignature. PayPalUnavailable when PayPal cannot say (answer 503: it retries)."""
    if not webhook_id:
        raise InvalidPayPalSignature("PAYPAL_WEBHOOK_ID is not configured")
    upper = {str(key).upper(): str(value) for key, value in headers.items()}
    fields = {name: upper.get(header, "") for name, header in HEADERS.items()}
    missing = [HEADERS[name] for name, value in fields.items() if not value]
    if missing:
        raise InvalidPayPalSignature("missing " + ", ".join(missing))
    event = _parsed(body)
    fields["webhook_id"] = webhook_id
    if _status(sdk, _request_body(fields, body)) != "SUCCESS":
        raise InvalidPayPalSignature("PayPal did not verify this webhook")
    return to_event(event)
