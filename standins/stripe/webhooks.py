"""Signed webhook delivery, Stripe's way: each event is POSTed to every registered endpoint
with `Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">`, and an event about an
object of a connected account carries `"account": "acct_..."` as Connect webhooks do.

localstripe's own sender cannot add `account` (it knows nothing of accounts), so the stand-in
takes over delivery: localstripe's `schedule_webhook` is replaced by `schedule_localstripe_event`
and the endpoints registered through POST /_config/webhooks/<name> live here."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time

import aiohttp

from standins.stripe.state import STATE, current_account, random_id

API_VERSION = "2025-09-30.clover"
# Stripe retries for days; the stand-in tries a few times so a Relay restart is survivable.
RETRY_DELAYS = (0.0, 1.0, 3.0)
# Stripe delivers after the API answer; a short pause keeps that order in practice.
DELIVERY_DELAY = 0.2
log = logging.getLogger("standins.stripe.webhooks")
_tasks: set[asyncio.Task] = set()


def build_event(event_type: str, obj: dict, account: str | None) -> dict:
    event = {
        "id": random_id("evt_", 24),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": len(STATE.endpoints),
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if account:
        event["account"] = account
    return event


def send(event_type: str, obj: dict, account: str | None = None) -> dict:
    """Schedule one event for every endpoint that wants it; returns the event."""
    event = build_event(event_type, obj, account)
    task = asyncio.ensure_future(_deliver_all(event))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return event


def schedule_localstripe_event(ls_event) -> None:
    """Replacement for localstripe's schedule_webhook: its Event, plus the owning account."""
    obj = ls_event.data["object"]
    owner = STATE.owners.get(obj.get("id"), current_account.get())
    event = ls_event._export()
    event["api_version"] = API_VERSION
    if owner:
        event["account"] = owner
    task = asyncio.ensure_future(_deliver_all(event))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = b"%d.%s" % (timestamp, payload)
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def _deliver_all(event: dict) -> None:
    await asyncio.sleep(DELIVERY_DELAY)
    payload = json.dumps(event, indent=2, sort_keys=True).encode()
    wanted = [
        (name, endpoint)
        for name, endpoint in list(STATE.endpoints.items())
        if endpoint.events is None or event["type"] in endpoint.events
    ]
    # Each endpoint on its own: one that is down or slow never delays another.
    statuses = await asyncio.gather(
        *(_deliver(endpoint.url, endpoint.secret, payload) for _name, endpoint in wanted)
    )
    for (name, _endpoint), status in zip(wanted, statuses, strict=True):
        STATE.deliveries.append(
            {
                "endpoint": name,
                "event": event["id"],
                "type": event["type"],
                "account": event.get("account"),
                "object": event["data"]["object"].get("id"),
                "status": status,
            }
        )


async def _deliver(url: str, secret: str, payload: bytes) -> int | None:
    status = None
    for delay in RETRY_DELAYS:
        await asyncio.sleep(delay)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        try:
            timeout = aiohttp.ClientTimeout(total=30)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, data=payload, headers=headers) as response,
            ):
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("webhook to %s failed: %s", url, exc)
            continue
        if 200 <= status < 300 or 400 <= status < 500 and status not in (408, 409, 429):
            return status
    return status
