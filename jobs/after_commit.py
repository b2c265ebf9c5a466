"""Commit first, enqueue second: domain actions call `defer(helper, *args, **kwargs)` with an
enqueue helper from jobs.queues, and the helper runs only once the session's transaction commits.
A rollback drops what was deferred, so a job never sees rows that were not written. When Redis
is unreachable at that point the rows are committed all the same: the failure is logged and the
worker's outbox pass (jobs/outbox.py) enqueues the job from the row once Redis is back."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

_KEY = "relay_after_commit"


def defer(helper: Callable, *args, **kwargs) -> None:
    db.session.info.setdefault(_KEY, []).append((helper, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_deferred(session: Session) -> None:
    from jobs.outbox import try_enqueue

    for helper, args, kwargs in session.info.pop(_KEY, []):
        try_enqueue(helper, *args, **kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_deferred(session: Session) -> None:
    session.info.pop(_KEY, None)
