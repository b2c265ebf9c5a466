"""The one seam between Relay and Stripe: a StripeClient built from the app's config
(STRIPE_API_BASE is https://api.stripe.com in production, the stand-in in development and
tests), and the translation of the SDK's exceptions into Relay's two."""

from __future__ import annotations

from functools import lru_cache

import stripe
from flask import current_app

from integrations.stripe_api.types import StripeRefused, StripeUnavailable

# The SDK retries connection errors and 5xx itself, with the same Idempotency-Key.
NETWORK_RETRIES = 2


@lru_cache(maxsize=8)
def _client(api_base: str, secret_key: str) -> stripe.StripeClient:
    base = api_base.rstrip("/")
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": base, "connect": base, "files": base},
        max_network_retries=NETWORK_RETRIES,
    )


def client() -> stripe.StripeClient:
    config = current_app.config
    secret_key = config.get("STRIPE_SECRET_KEY")
    if not secret_key:
        raise StripeRefused("not_configured", "STRIPE_SECRET_KEY is not set")
    return _client(config.get("STRIPE_API_BASE") or "https://api.stripe.com", secret_key)


def request_options(*, account: str | None = None, idempotency_key: str | None = None) -> dict:
    options: dict = {}
    if account:
        options["stripe_account"] = account
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    return options


def refused(exc: stripe.StripeError) -> Exception:
    """The SDK's exception as Relay's: unreachable/5xx/rate limited, or refused (4xx)."""
    status = exc.http_status
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
        status is not None and status >= 500
    ):
        return StripeUnavailable()
    body = (exc.json_body or {}).get("error") or {}
    if isinstance(exc, stripe.IdempotencyError):
        code = "idempotency_error"
    else:
        code = exc.code or body.get("code") or body.get("type")
    message = body.get("message") or exc.user_message or str(exc)
    return StripeRefused(code, message, http_status=status)


def call(method, *args, **kwargs):
    """Run one SDK call; card declines (CardError) are left to the caller, who has the
    PaymentIntent to record."""
    try:
        return method(*args, **kwargs)
    except stripe.CardError:
        raise
    except stripe.StripeError as exc:
        raise refused(exc) from exc
