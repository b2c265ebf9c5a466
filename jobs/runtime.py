"""How a worker runs a job: one Flask app per worker process, so jobs run with config, db session
and app context, and which errors RQ may retry.

Jobs are domain functions declared with `@background(...)` (background/declare.py); RQ imports
them back by their dotted path. `AppJob` wraps each run; `AppWorker` is RQ's SimpleWorker with it.
"""

from __future__ import annotations

import logging
import math
import traceback

from rq import SimpleWorker, get_current_job
from rq.job import Job

from background import liveness
from background.queues import MAIL
from domain.errors import TRANSIENT_INFRASTRUCTURE_ERRORS
from integrations.shopify_admin import throttle
from integrations.shopify_admin.errors import ShopifyError, ShopifyThrottled

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
    with app().app_context(), throttle.deferring():
        from extensions import db

        current = get_current_job()
        try:
            _wait_for_shop(current)
            return func(*args, **kwargs)
        except ShopifyThrottled as exc:
            db.session.rollback()
            if current is None:
                raise
            defer(current, exc.retry_after)
            raise  # RQ schedules it again (defer), as for a retry, without using one up
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


def _wait_for_shop(job) -> None:
    """A job of a shop whose Shopify throttle is recorded (integrations/shopify_admin/throttle)
    does not start: it is deferred until the throttle is over, and this worker takes the next
    job, which may be another shop's. Mail never waits for Shopify."""
    if job is None or job.origin.endswith(MAIL) or not job.meta:
        return
    domain = job.meta.get("shop_domain")
    if domain is None and job.meta.get("shop_id") is not None:
        from domain.models.shop import Shop
        from extensions import db

        shop = db.session.get(Shop, job.meta["shop_id"])
        domain = shop.domain if shop is not None else None
        db.session.rollback()  # the job starts on a session of its own
    left = throttle.throttled_for(domain) if domain else 0.0
    if left > throttle.IN_PLACE_WAIT:
        raise ShopifyThrottled(f"{domain} is throttled by Shopify", retry_after=left)


DEFERRED_BY_THROTTLE = "deferred_by_throttle"


def defer(job, seconds: float) -> None:
    """Have RQ schedule this job again in `seconds` (whole seconds: RQ's scheduler looks once a
    second) when it raises, through its retry, without using up one of the job's retries: a
    throttled shop's job is put aside, not failed, and keeps its id (so it stays "pending" and
    is not enqueued twice). RQ takes the interval at len(intervals) - retries_left."""
    delay = max(1, math.ceil(seconds))
    job.meta[DEFERRED_BY_THROTTLE] = True  # saved with the job by RQ's retry
    job.retries_left = (job.retries_left or 0) + 1
    intervals = list(job.retry_intervals or [delay])
    intervals[max(len(intervals) - job.retries_left, 0)] = delay
    job.retry_intervals = intervals


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

    def handle_exception(self, job: Job, *exc_info):
        if isinstance(exc_info[1], ShopifyThrottled):  # deferred, not failed: one line
            log.info("job %s deferred: %s", job.id, exc_info[1])
            return
        super().handle_exception(job, *exc_info)

    def _start_scheduler(self, burst=False, logging_level="INFO", *args, **kwargs):
        super()._start_scheduler(burst, logging_level, *args, **kwargs)
        if self.scheduler is not None and self.scheduler.acquired_locks and not burst:
            liveness.own_scheduler(self.connection, self.scheduler.name, self.name)
