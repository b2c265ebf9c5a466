"""A shop's Shopify throttle, shared by every Relay process through Redis, and how a caller
waits it out.

Shopify's leaky bucket is per app and shop: when one call of a shop is throttled, every other
call of that shop made before the bucket refills is throttled too, on any host. So the wait a
throttled answer asks for is written to Redis (`relay:<prefix>throttled:<shop>`, expiring when
the wait is over), and

- in a job (`deferring()`, set by the worker's runtime) waits of more than `IN_PLACE_WAIT` in
  all are not slept: ShopifyThrottled is raised at once with `retry_after`, and the runtime puts
  the job back in its queue's schedule for then (jobs/runtime.py): the worker takes the next
  job, which may be another shop's. A job of a shop whose throttle is recorded is deferred the
  same way before it starts (`throttled_for`), and a call made while it is recorded is not sent;
- anywhere else (a merchant's request, the CLI) the wait is slept in place, as before, up to
  transport.MAX_THROTTLE_WAIT.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math

from flask import current_app, has_app_context
from redis.exceptions import RedisError

from extensions import redis_connection

log = logging.getLogger("relay.shopify")
# Up to this much waiting (in all, per call) is slept where it happens: the time Standard's
# bucket (100 points a second) takes to refill one mutation (10 points); a deferral costs a
# round through RQ's scheduler (~1 s). A worker is never held longer by a throttled shop.
IN_PLACE_WAIT = 0.1
_deferring = contextvars.ContextVar("relay_throttle_deferring", default=False)


@contextlib.contextmanager
def deferring():
    """Inside: a long throttle wait raises ShopifyThrottled instead of sleeping."""
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def is_deferring() -> bool:
    return _deferring.get()


def _key(shop_domain: str) -> str:
    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "")
    return f"relay:{prefix}throttled:{shop_domain}"


def note_throttled(shop_domain: str, seconds: float) -> None:
    """Shopify asked this shop's calls to wait `seconds`: every process sees it until then (a
    longer wait already recorded is kept)."""
    if not has_app_context() or seconds <= 0:
        return
    millis = max(1, math.ceil(seconds * 1000))
    try:
        connection = redis_connection()
        key = _key(shop_domain)
        if connection.pttl(key) < millis:
            connection.set(key, millis, px=millis)
    except RedisError as exc:  # the throttle still holds: this call waits or defers anyway
        log.warning("could not record %s's throttle: %s", shop_domain, exc)


def throttled_for(shop_domain: str) -> float:
    """Seconds left on this shop's recorded throttle (0: none)."""
    if not has_app_context():
        return 0.0
    try:
        left = redis_connection().pttl(_key(shop_domain))
    except RedisError:
        return 0.0
    return left / 1000 if left and left > 0 else 0.0
