"""Idempotency-Key, which localstripe ignores: the first answer to a key (per account) is kept
and replayed, marked `Idempotent-Replayed: true`; the same key with other parameters is
Stripe's 400 `idempotency_error`. As on Stripe, only requests that ran are kept: a success, or
a card decline (the charge was attempted); a refused or failed request may be retried. A
request arriving while another with its key is still running is Stripe's 409
`idempotency_key_in_use`."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from aiohttp import web

from standins.stripe.errors import stripe_error
from standins.stripe.state import STATE

KEPT_STATUSES = (200, 402)
IN_FLIGHT: set[tuple[str | None, str]] = set()


async def _fingerprint(request: web.Request) -> str:
    body = await request.read()
    if request.content_type == "application/x-www-form-urlencoded":
        pairs = sorted(parse_qsl(body.decode(), keep_blank_values=True))
        body = repr(pairs).encode()
    return hashlib.sha256(request.path.encode() + b"\n" + body).hexdigest()


async def replay_or_run(request: web.Request, account: str | None, key: str, run):
    fingerprint = await _fingerprint(request)
    kept = STATE.idempotent.get((account, key))
    if kept is not None:
        if kept["fingerprint"] != fingerprint:
            raise stripe_error(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                error_type="idempotency_error",
            )
        return web.Response(
            body=kept["body"],
            status=kept["status"],
            content_type="application/json",
            headers={"Idempotent-Replayed": "true", "Idempotency-Key": key},
        )
    if (account, key) in IN_FLIGHT:
        # Stripe's answer to two simultaneous requests with one key; the SDK retries a 409.
        raise stripe_error(
            409,
            "There is currently another in-progress request using this Idempotent Key "
            "(that probably means you submitted twice, and the other request is still going "
            "through).",
            code="idempotency_key_in_use",
        )
    IN_FLIGHT.add((account, key))
    try:
        response = await run()
    finally:
        IN_FLIGHT.discard((account, key))
    if response.status in KEPT_STATUSES and isinstance(response.body, bytes):
        STATE.idempotent[(account, key)] = {
            "fingerprint": fingerprint,
            "status": response.status,
            "body": response.body,
        }
    response.headers["Idempotency-Key"] = key
    return response
