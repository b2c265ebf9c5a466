"""Idempotency-Key, which localstripe ignores: the first answer to a key (per account) is kept
and replayed, marked `Idempotent-Replayed: true`; the same key with other parameters is
Stripe's 400 `idempotency_error`. As on Stripe, only requests that ran are kept: a success, or
a card decline (the charge was attempted); a refused or failed request may be retried."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from aiohttp import web

from standins.stripe.errors import stripe_error
from standins.stripe.state import STATE

KEPT_STATUSES = (200, 402)


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
    response = await run()
    if response.status in KEPT_STATUSES and isinstance(response.body, bytes):
        STATE.idempotent[(account, key)] = {
            "fingerprint": fingerprint,
            "status": response.status,
            "body": response.body,
        }
    response.headers["Idempotency-Key"] = key
    return response
