"""Process-wide extension objects, created unbound and initialised in create_app(), and the
process's Redis client (one per configured server, shared by every thread)."""

from __future__ import annotations

import os
import threading

import redis
from flask import current_app
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from htmx_flask import Htmx
from sqlalchemy import Engine, create_engine
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


_intake_lock = threading.Lock()


def intake_engine() -> Engine | None:
    """Webhook intake's own pool of the app's PostgreSQL database, in autocommit from the start
    and without the pre-ping round trip every other checkout pays: intake's one statement is
    idempotent, so a connection the server dropped is retried once on a fresh one instead
    (domain/webhooks/intake.py). Its connections are only ever those of requests receiving
    webhooks. None on SQLite (a file, or memory that a second engine would not share): intake
    uses the app's one engine. Made on first use in each process (after gunicorn forks), and
    kept out of SQLALCHEMY_BINDS: a bind would give every `db.create_all()` a second metadata
    to create, in every app of the process."""
    holder = current_app.extensions.setdefault("relay_intake", {})
    if "engine" not in holder:
        with _intake_lock:
            if "engine" not in holder:
                uri = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
                holder["engine"] = (
                    None
                    if uri.startswith("sqlite")
                    else create_engine(uri, pool_pre_ping=False, isolation_level="AUTOCOMMIT")
                )
    return holder["engine"]
