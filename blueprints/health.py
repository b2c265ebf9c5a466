"""Liveness, readiness, and what a request answers when Redis is unreachable.

- `/healthz` and `/healthz/live`: the process serves requests (200). A load balancer or
  supervisor restarts on this one only, so an outage of a dependency never restarts Relay.
- `/healthz/ready`: the database and Redis answer, each checked with a short timeout; 503 with
  the one that is down. Traffic is held back on this one.
- A request that truly needs Redis (OAuth state consumed once, the token-refresh lock) fails
  closed with a readable 503 page, never a 500. Work that only needs a job enqueued does not
  get here: its row is committed and the worker's outbox pass enqueues it (jobs/outbox.py).
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import text

from extensions import db, redis_connection

bp = Blueprint("health", __name__)
log = logging.getLogger("relay.health")
DATABASE_TIMEOUT_MS = 1000


@bp.get("/healthz")
@bp.get("/healthz/live")
def live():
    return "ok", 200


@bp.get("/healthz/ready")
def ready():
    checks = {"database": _database_error(), "redis": _redis_error()}
    down = sorted(name for name, error in checks.items() if error)
    body = {
        "status": "ready" if not down else "unavailable",
        "down": down,
        "checks": {name: error or "ok" for name, error in checks.items()},
    }
    return jsonify(body), 503 if down else 200


def _database_error() -> str | None:
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}"))
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return _short(exc)


def _redis_error() -> str | None:
    try:
        redis_connection().ping()
        return None
    except (RedisError, OSError) as exc:
        return _short(exc)


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


@bp.app_errorhandler(RedisError)
def redis_unavailable(error):
    """Fail closed: what needs Redis to be correct is refused for now, clearly."""
    log.warning("Redis unavailable during %s %s: %s", request.method, request.path, error)
    message = _(
        "Relay cannot reach its job queue right now, so this step was refused to keep your "
        "data safe. Please try again in a minute."
    )
    return render_template("error.html", message=message), 503, {"Retry-After": "30"}
