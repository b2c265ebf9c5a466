"""Throttle-aware Admin GraphQL over httpx: one request in, parsed data out, typed errors.

Shopify throttles by a leaky bucket per app and store. When a response says THROTTLED we wait
(requested - available) / restoreRate seconds and try again instead of failing; 429 honours
Retry-After. In a job (throttle.deferring) a wait longer than throttle.IN_PLACE_WAIT is not
slept: ShopifyThrottled is raised at once and the job is deferred (throttle.py). Network errors,
5xx and INTERNAL_SERVER_ERROR are raised as retryable transport errors for the job layer.
"""

from __future__ import annotations

import logging
import time

import httpx

from integrations.shopify_admin import throttle
from integrations.shopify_admin.errors import (
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyThrottled,
    ShopifyTransportError,
)

log = logging.getLogger("relay.shopify")

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
MAX_THROTTLE_WAIT = 60.0  # longer than this and the job should retry later instead
_client = httpx.Client(timeout=TIMEOUT)


def throttle_wait_seconds(cost: dict | None) -> float:
    """How long until the bucket holds what the request asked for."""
    if not cost:
        return 1.0
    status = cost.get("throttleStatus") or {}
    requested = float(cost.get("requestedQueryCost") or 0)
    available = float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50.0)
    return max(0.05, (requested - available) / rate)


def retry_after_seconds(headers) -> float:
    """Retry-After in seconds (Shopify sends e.g. "2.0"); 1 s when absent or unreadable, as
    Shopify's own clients do."""
    try:
        return max(0.0, float(headers.get("Retry-After") or 1.0))
    except ValueError:
        return 1.0


def post_graphql(
    url: str,
    access_token: str,
    document: str,
    variables: dict | None,
    *,
    sleep=time.sleep,
    on_cost=None,
    on_throttle=None,
) -> dict:
    """POST one GraphQL document; returns the `data` object. `on_cost` sees extensions.cost,
    `on_throttle` each wait a throttled answer asks for (seconds)."""
    waited = 0.0
    while True:
        try:
            response = _client.post(
                url,
                json={"query": document, "variables": variables or {}},
                headers={
                    "X-Shopify-Access-Token": access_token,
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            raise ShopifyTransportError(f"{type(exc).__name__} talking to Shopify") from exc
        if response.status_code in (401, 403):
            raise ShopifyAuthError(
                f"Shopify answered {response.status_code}: {response.text[:200]}"
            )
        if response.status_code == 429:
            waited = _wait_or_raise(
                retry_after_seconds(response.headers), waited, sleep, on_throttle
            )
            continue
        if response.status_code >= 500:
            raise ShopifyTransportError(f"Shopify answered {response.status_code}")
        if response.status_code != 200:
            raise ShopifyGraphQLError(
                f"Shopify answered {response.status_code}", [{"message": response.text[:500]}]
            )
        body = response.json()
        cost = (body.get("extensions") or {}).get("cost")
        if on_cost and cost:
            on_cost(cost)
        errors = body.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            waited = _wait_or_raise(throttle_wait_seconds(cost), waited, sleep, on_throttle)
            continue
        if any((e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR" for e in errors):
            # Shopify's usual answer to a failure on its side (instead of a 500): try again.
            raise ShopifyTransportError("Shopify had an internal error: " + errors[0]["message"])
        if errors:
            raise ShopifyGraphQLError("; ".join(e.get("message", "") for e in errors), errors)
        return body.get("data") or {}


def _wait_or_raise(delay: float, waited: float, sleep, on_throttle=None) -> float:
    if on_throttle:
        on_throttle(delay)
    if throttle.is_deferring() and waited + delay > throttle.IN_PLACE_WAIT:
        raise ShopifyThrottled("Shopify is throttling this shop; the job waits", retry_after=delay)
    if waited + delay > MAX_THROTTLE_WAIT:
        raise ShopifyThrottled("Shopify kept throttling; retry later", retry_after=delay)
    log.info("throttled by Shopify, waiting %.2fs", delay)
    sleep(delay)
    return waited + delay
