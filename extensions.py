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


INTAKE_BIND = "intake"


def add_intake_bind(config: dict) -> None:
    """Webhook intake's own pool of the same PostgreSQL database, in autocommit from the start
    and without the pre-ping round trip every other checkout pays: intake's one statement is
    idempotent, so a connection the server dropped is retried once on a fresh one instead
    (domain/webhooks/intake.py). Its connections are only ever those of requests receiving
    webhooks. SQLite (a file, or memory that a second engine would not share) keeps the one
    engine."""
    uri = str(config["SQLALCHEMY_DATABASE_URI"])
    if not uri.startswith("sqlite"):
        binds = config.setdefault("SQLALCHEMY_BINDS", {})
        options = {"url": uri, "pool_pre_ping": False, "isolation_level": "AUTOCOMMIT"}
        binds.setdefault(INTAKE_BIND, options)
