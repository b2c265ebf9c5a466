"""One unit of work per action (as Saleor's `traced_atomic_transaction`): the outermost
`atomic` commits once at its end, or rolls back when anything raised; an action called inside
another joins it. Jobs and mail wait for that commit (`background.after_commit`).

Inside a unit of work nobody else commits: `db.session.commit()` there raises, so a handler can
never release the webhook receipt's lock (or half of a merchant's action) early. A job whose
steps talk to Shopify between them (lock and check, call Shopify, record the answer) is a
sequence of units, one `atomic` per step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db

_DEPTH = "relay_unit_of_work_depth"
_COMMITTING = "relay_unit_of_work_committing"


class CommitInsideUnitOfWork(RuntimeError):
    """A programming error: only the outermost `atomic` commits."""


@contextmanager
def atomic() -> Iterator[None]:
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield
    except BaseException:
        session.info[_DEPTH] = depth
        if depth == 0:
            session.rollback()
        raise
    session.info[_DEPTH] = depth
    if depth == 0:
        session.info[_COMMITTING] = True
        try:
            session.commit()
        finally:
            session.info.pop(_COMMITTING, None)


def unit_of_work(func: Callable) -> Callable:
    """Decorator: the function is one unit of work (or joins the one it is called in)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with atomic():
            return func(*args, **kwargs)

    return wrapper


@event.listens_for(Session, "before_commit")
def _only_the_unit_commits(session: Session) -> None:
    if session.info.get(_DEPTH, 0) and not session.info.get(_COMMITTING):
        raise CommitInsideUnitOfWork(
            "commit inside a unit of work: only the outermost atomic() commits"
        )
