"""Process-wide extension objects, created unbound and initialised in create_app(), and the
process's Redis client (one per configured server, shared by every thread)."""

from __future__ import annotations

import os

import redis
from flask import current_app
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase

from integrations import embedded_redis
from integrations.redis_client import connection_options


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
htmx = Htmx()
babel = Babel()

_redis_clients: dict[str, redis.Redis] = {}


def redis_connection(config: dict | None = None) -> redis.Redis:
    """REDIS_URL, or else the one embedded server of the var/ directory, reached by its unix
    socket (started under a file lock by whichever process needs it first:
    integrations/embedded_redis.py). Queues, locks, OAuth state and caches all use it."""
    config = config or current_app.config
    url = config.get("REDIS_URL")
    key = url or config["EMBEDDED_REDIS_DIR"]
    if key not in _redis_clients:
        if not url:
            url = embedded_redis.ensure_running(key)
        # Named after the process, so CLIENT LIST tells who is connected.
        _redis_clients[key] = redis.Redis.from_url(
            url, client_name=f"relay-{os.getpid()}", **connection_options(url)
        )
    return _redis_clients[key]
