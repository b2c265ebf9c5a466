"""RQ's queues and what a job id tells: waiting, running, lost, or free to be enqueued again.

`push` (tracking, answers to Shopify: urgent) is listed before `sync` (backfills, sweeps), so a
worker always drains push first.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from background.liveness import forget_executions, is_abandoned
from extensions import redis_connection

PUSH, MAIL, SYNC = "push", "mail", "sync"
# Mail has a queue of its own: a burst of new-order mails never waits behind a backfill, and
# never holds up tracking pushes.
QUEUE_ORDER = (PUSH, MAIL, SYNC)


def queue(name: str, config: dict | None = None) -> Queue:
    config = config or current_app.config
    return Queue(config.get("RQ_QUEUE_PREFIX", "") + name, connection=redis_connection(config))


def fetch(job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        return None


def job_is_missing(job_id: str) -> bool:
    """No job with this id exists at all: never enqueued (Redis was down when its row was
    committed) or lost with Redis's data. A finished, failed or waiting job is not missing."""
    return not redis_connection().exists(Job.key_for(job_id))


def is_pending(job: Job) -> bool:
    """Waiting or running: neither lost, nor finished, failed or cancelled."""
    status = job.get_status(refresh=False)
    if status in (JobStatus.STARTED, JobStatus.QUEUED):
        return not is_lost(job)
    return status in (JobStatus.DEFERRED, JobStatus.SCHEDULED)


def is_lost(job: Job) -> bool:
    """Taken by a worker that died: "started" by a dead worker (background/liveness), or
    "queued" but missing from its queue — a worker killed between taking it off the queue and
    marking it started (RQ keeps no record of that step, so nothing reclaims it)."""
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED:
        return is_abandoned(job)
    if status == JobStatus.QUEUED:
        queue_key = Queue(job.origin, connection=job.connection).key
        return job.connection.lpos(queue_key, job.id) is None
    return False


def id_is_free(job_id: str) -> bool:
    """No job with this id is waiting or running. An abandoned one is dropped from the started
    registry, so RQ's own cleanup does not run (or fail) it again later."""
    job = fetch(job_id)
    if job is None:
        return True
    if is_pending(job):
        return False
    if job.get_status(refresh=False) == JobStatus.STARTED:
        forget_executions(job)
    return True


def cancel_shop_jobs(shop_id: int) -> int:
    """Drop a shop's waiting jobs (uninstall). Running ones finish and find no token."""
    if not has_app_context():
        return 0
    cancelled = 0
    for name in QUEUE_ORDER:
        for job in queue(name).get_jobs():
            if job.meta.get("shop_id") == shop_id:
                job.cancel()
                cancelled += 1
    return cancelled
