"""`@background(...)`: a job's policy declared once, on its function, and enqueued by reference.

Jobs retry only on transport and throttle errors (the worker's runtime, jobs/runtime.py, sends
everything else straight to the failed registry, so RQ does not retry what cannot succeed).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rq import Retry, get_current_job
from rq.job import Job, JobStatus

from background import queues
from background.after_commit import defer
from background.queues import MAIL, PUSH, QUEUE_ORDER, SYNC

__all__ = ["MAIL", "PUSH", "QUEUE_ORDER", "SYNC", "TRANSIENT_RETRY", "BackgroundJob", "background"]

TRANSIENT_RETRY = Retry(max=6, interval=[2, 10, 30, 120, 600, 1800])
FAILURE_TTL = 7 * 24 * 3600  # a failed job stays on the Jobs page for a week
RESULT_TTL = 3600


@dataclass(frozen=True)
class JobPolicy:
    queue: str
    # Formatted with the job's arguments ({0}, {1}) and the caller's `id_parts`; "{unique}" is
    # a fresh value each time (a job that may be waiting more than once).
    job_id: str
    label: str  # what the job does, in the merchant's words (the Jobs page)
    retry: Retry | None = TRANSIENT_RETRY
    timeout: int | None = None  # seconds; RQ's default (180) when None
    at_front: bool = False  # ahead of the jobs already waiting in its queue


class BackgroundJob:
    """A domain function that can also run in the background. Calling it runs it here and now;
    `enqueue` and friends hand it to a worker."""

    def __init__(self, func: Callable, policy: JobPolicy):
        functools.update_wrapper(self, func)
        self.func = func
        self.policy = policy
        # What RQ records and the worker imports back: this object, found by its dotted path.
        self.path = f"{func.__module__}.{func.__qualname__}"

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<background job {self.path}>"

    def job_id(self, *args, id_parts: dict | None = None) -> str:
        return self.policy.job_id.format(*args, unique=uuid.uuid4().hex[:12], **(id_parts or {}))

    def enqueue(
        self,
        *args,
        shop_id: int | None = None,
        shop_domain: str | None = None,
        at: datetime | None = None,
        delay: float | None = None,
        job_id: str | None = None,
        id_parts: dict | None = None,
    ) -> Job:
        """Now, at `at`, or after `delay` seconds. Enqueueing an id that is already waiting
        replaces that job (a reschedule), never adds a second one."""
        options = dict(
            job_id=job_id or self.job_id(*args, id_parts=id_parts),
            retry=self.policy.retry,
            # The shop in meta scopes a failed job to its shop on the Jobs page.
            meta=_shop_meta(shop_id, shop_domain),
            failure_ttl=FAILURE_TTL,
            result_ttl=RESULT_TTL,
            job_timeout=self.policy.timeout,
        )
        queue = queues.queue(self.policy.queue)
        if delay is not None and delay > 0:
            return queue.enqueue_in(timedelta(seconds=delay), self.path, *args, **options)
        if at is not None and at > datetime.now(UTC):
            return queue.enqueue_at(at, self.path, *args, **options)
        # Our own pipeline: RQ writes the job, its status and the queue push in one MULTI/EXEC
        # round trip instead of two (this is webhook intake's hot path).
        with queue.connection.pipeline() as pipe:
            job = queue.enqueue(
                self.path, *args, at_front=self.policy.at_front, pipeline=pipe, **options
            )
            pipe.execute()
        return job

    def enqueue_once(self, *args, id_parts: dict | None = None, **options) -> Job | None:
        """Enqueue unless a job with this id is already waiting or running (dedupe by id)."""
        if self.is_pending(*args, id_parts=id_parts):
            return None
        return self.enqueue(*args, id_parts=id_parts, **options)

    def enqueue_or_follow(self, *args, **options) -> Job | None:
        """Enqueue unless a job with this id is waiting: it reads the rows when it runs, so it
        sees what was just committed. One already running may have read them before: a
        follow-up (`<id>-again`) is enqueued to run after it, unless one is waiting already."""
        base = self.job_id(*args)
        for job_id in (base, f"{base}-again"):
            if queues.id_is_free(job_id):
                return self.enqueue(*args, job_id=job_id, **options)
            job = queues.fetch(job_id)
            if job is not None and job.get_status(refresh=False) != JobStatus.STARTED:
                return None
        return self.enqueue(*args, job_id=f"{base}-{uuid.uuid4().hex[:12]}", **options)

    def is_pending(self, *args, id_parts: dict | None = None) -> bool:
        return not queues.id_is_free(self.job_id(*args, id_parts=id_parts))

    def is_missing(self, *args, id_parts: dict | None = None) -> bool:
        """No job with this id exists at all (never enqueued, or lost with Redis's data)."""
        return queues.job_is_missing(self.job_id(*args, id_parts=id_parts))

    def enqueue_if_lost(self, *args, **options) -> Job | None:
        """Only when its job exists and a dead worker had taken it (recovery, for a row so new
        that its own enqueue may still be on the way)."""
        job = queues.fetch(self.job_id(*args))
        if job is None or not queues.is_lost(job):
            return None
        return self.enqueue_once(*args, **options)

    def run_now_unless_pending(self, *args, **options) -> Job | None:
        """Run it now, unless its job is already waiting in the queue or running; a job still
        scheduled for later is brought forward."""
        job = queues.fetch(self.job_id(*args))
        if job is not None and job.get_status(refresh=False) == JobStatus.SCHEDULED:
            queues.queue(self.policy.queue).scheduled_job_registry.remove(job)
        elif not queues.id_is_free(self.job_id(*args)):
            return None
        return self.enqueue(*args, **options)

    def after_commit(self, *args, **options) -> None:
        """`enqueue` once the current transaction commits (dropped if it rolls back)."""
        defer(self.enqueue, *args, **options)

    def once_after_commit(self, *args, **options) -> None:
        defer(self.enqueue_once, *args, **options)

    def follow_after_commit(self, *args, **options) -> None:
        defer(self.enqueue_or_follow, *args, **options)


def background(
    *,
    queue: str,
    job_id: str,
    label: str,
    retry: Retry | None = TRANSIENT_RETRY,
    timeout: int | None = None,
    at_front: bool = False,
) -> Callable[[Callable], BackgroundJob]:
    policy = JobPolicy(queue, job_id, label, retry, timeout, at_front)
    return lambda func: BackgroundJob(func, policy)


def is_final_attempt() -> bool:
    """Inside a job: is this its last try (no retries left)? Outside a job: yes."""
    current = get_current_job()
    return current is None or not current.retries_left


def _shop_meta(shop_id: int | None, shop_domain: str | None) -> dict:
    meta = {"shop_id": shop_id} if shop_id is not None else {}
    if shop_domain is not None:
        meta["shop_domain"] = shop_domain
    return meta
