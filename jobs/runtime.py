"""How a worker runs a job: one Flask app per worker process, so jobs run with config, db session
and app context, and which errors RQ may retry.

Jobs are domain functions declared with `@background(...)` (background/declare.py); RQ imports
them back by their dotted path. `AppJob` wraps each run; `AppWorker` is RQ's SimpleWorker with it.
"""

from __future__ import annotations

import logging
import traceback

from rq import SimpleWorker, get_current_job
from rq.job import Job

from background import liveness
from domain.errors import TRANSIENT_INFRASTRUCTURE_ERRORS
from integrations.shopify_admin.errors import ShopifyError

_app = None
log = logging.getLogger("relay.jobs")


def app():
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def set_app(flask_app) -> None:
    global _app
    _app = flask_app


def run_in_app(func, *args, **kwargs):
    """Run inside the app context. Retryable Shopify errors and blips of our own database,
    Redis or network escape with RQ's retries; Shopify's permanent refusals are recorded on the
    job result; anything else (a bug, bad data) escapes without retries, straight into the
    failed registry that the Jobs page shows: those are ours to fix."""
    with app().app_context():
        from extensions import db

        try:
            return func(*args, **kwargs)
        except ShopifyError as exc:
            db.session.rollback()
            if exc.retryable:
                raise
            return {"failed": str(exc)}
        except TRANSIENT_INFRASTRUCTURE_ERRORS:
            db.session.rollback()
            raise  # our own database, Redis or network blinked: RQ's retries can help
        except Exception:
            db.session.rollback()
            # A bug or bad data: the same input fails the same way, so skip RQ's retries and
            # land in the failed registry (the failed-jobs page) at once.
            current = get_current_job()
            if current is not None:
                current.retries_left = 0
                _tell_merchant(current, func)
            raise
        finally:
            db.session.remove()


def _tell_merchant(job, func) -> None:
    """A job of a shop failed for good: the merchant's board (and mail, capped) says so. Never
    masks the job's own error; the mail queue's own failures tell nobody (no mail loop)."""
    from background import MAIL, queues
    from domain.notices import to_merchant
    from domain.transaction import atomic
    from extensions import db

    if job.origin == queues.queue(MAIL).name:
        return
    policy = getattr(func, "policy", None)
    label = getattr(policy, "label", None)
    what = getattr(label, "_args", (None,))[0] or getattr(func, "__name__", "job")
    error = traceback.format_exc().strip().splitlines()[-1]
    try:
        with atomic():
            to_merchant.job_failed(job.meta or {}, job.id, str(what), error)
    except Exception:  # noqa: BLE001  (telling the merchant must not hide the job's error)
        db.session.rollback()
        log.exception("could not tell the merchant about failed job %s", job.id)


class AppJob(Job):
    def _execute(self):
        return run_in_app(self.func, *self.args, **self.kwargs)


class AppWorker(SimpleWorker):
    """Runs jobs in this process (no fork per job): jobs share the app and its pools. Its
    scheduler is recorded as its own (background/liveness): when this worker's heartbeat stops,
    any worker on any host may release the scheduler's lock."""

    job_class = AppJob

    def _start_scheduler(self, burst=False, logging_level="INFO", *args, **kwargs):
        super()._start_scheduler(burst, logging_level, *args, **kwargs)
        if self.scheduler is not None and self.scheduler.acquired_locks and not burst:
            liveness.own_scheduler(self.connection, self.scheduler.name, self.name)
