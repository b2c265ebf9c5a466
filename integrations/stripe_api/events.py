"""Stripe webhooks: verify the Stripe-Signature header (HMAC-SHA256 of "t.payload" with the
endpoint's signing secret, timestamp within the tolerance so an old event cannot be replayed)
and hand the domain a typed event."""

from __future__ import annotations

import json

import stripe
from flask import current_app

from integrations.stripe_api.shapes import SHAPES
from integrations.stripe_api.types import InvalidStripeSignature, StripeEvent


def _secrets(secret: str | None) -> list[str]:
    value = secret if secret is not None else current_app.config.get("STRIPE_WEBHOOK_SECRET")
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def verify_event(
    payload: bytes,
    signature_header: str | None,
    *,
    tolerance: int = 300,
    secret: str | None = None,
) -> StripeEvent:
    """`secret` defaults to STRIPE_WEBHOOK_SECRET (several, comma-separated, are each tried:
    the platform's endpoint and the Connect endpoint have a secret each)."""
    if not signature_header:
        raise InvalidStripeSignature("no Stripe-Signature header")
    secrets = _secrets(secret)
    if not secrets:
        raise InvalidStripeSignature("STRIPE_WEBHOOK_SECRET is not set")
    text = payload.decode("utf-8", errors="replace")
    for candidate in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, signature_header, candidate, tolerance)
            break
        except stripe.SignatureVerificationError as exc:
            problem = str(exc)
    else:
        raise InvalidStripeSignature(problem)
    try:
        return parse_event(json.loads(payload))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidStripeSignature(f"not a Stripe event: {exc}") from exc


def parse_event(body: dict) -> StripeEvent:
    obj = (body.get("data") or {}).get("object") or {}
    object_type = obj.get("object")
    shape = SHAPES.get(object_type)
    return StripeEvent(
        id=body["id"],
        type=body["type"],
        account=body.get("account"),
        object_type=object_type,
        object_id=obj.get("id"),
        object=shape(obj) if shape else None,
        created=int(body["created"]),
    )
