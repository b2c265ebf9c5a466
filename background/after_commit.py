"""Commit first, enqueue second: a domain action calls `job.after_commit(ids...)` (or
`defer(helper, *args)`), and the enqueue runs only once the session's transaction commits. A
rollback drops what was deferred, so a job never sees rows that were not written. When Redis is
unreachable at that point the rows are committed all the same: the failure is logged and the
worker's outbox pass (jobs/outbox.py) enqueues the job from the row once Redis is back."""

from __future__ import annotations

import logging
from collections.abc import Callable

from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

log = logging.getLogger("relay.background")
_KEY = "relay_after_commit"
# Failures of the enqueue itself: Redis unreachable or timing out.
ENQUEUE_ERRORS = (RedisError, OSError)


def defer(helper: Callable, *args, **kwargs) -> None:
    db.session.info.setdefault(_KEY, []).append((helper, args, kwargs))


def try_enqueue(helper: Callable, *args, **kwargs):
    """Enqueue after commit; when Redis is unreachable, log it and go on: the row is committed
    and the worker's outbox pass enqueues its job once Redis is back."""
    try:
        return helper(*args, **kwargs)
    except ENQUEUE_ERRORS as exc:
        log.warning(
            "could not enqueue %s%r (%s); the row is stored, the worker's outbox pass will "
            "enqueue it when Redis is back",
            getattr(helper, "__name__", helper),
            args,
            exc,
        )
        return None


@event.listens_for(Session, "after_commit")
def _run_deferred(session: Session) -> None:
    for helper, args, kwargs in session.info.pop(_KEY, []):
        try_enqueue(helper, *args, **kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_deferred(session: Session) -> None:
    session.info.pop(_KEY, None)
