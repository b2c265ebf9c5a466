"""How every Relay process talks to Redis: fail fast, heal by itself (see extensions.py)."""

from __future__ import annotations

from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry


def connection_options(url: str = "") -> dict:
    """A client that fails fast and heals itself. What is cached per process is the client and
    its pool, never a socket: a connection that errs is dropped and the next command opens a new
    one, so a Redis that died and came back is reached again without a restart (HUP). A dead
    Redis costs a request a refused connect (or at most the connect timeout), one quick retry,
    not redis-py's default ten retries (~4 s). Idle pooled connections are checked with a PING
    before use after `health_check_interval`, so one cut while idle is not handed to a request.
    (An RQ worker raises socket_timeout on its own client above its blocking dequeue.)"""
    tcp = {} if url.startswith("unix:") else {"socket_keepalive": True}  # not for a unix socket
    return dict(
        socket_connect_timeout=0.5,
        socket_timeout=2,
        **tcp,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
