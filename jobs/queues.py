"""Redis, the named queues, and the enqueue helpers that own job id, queue and retry policy.

`push` (tracking, answers to Shopify: urgent) is listed before `sync` (backfills, sweeps), so a
worker always drains push first. Jobs retry only on transport and throttle errors; the job
functions swallow (and record) everything else so RQ does not retry what cannot succeed.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import redis
from flask import current_app, has_app_context
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from jobs import reclaim
from jobs.connection import connection_options

PUSH, SYNC = "push", "sync"
QUEUE_ORDER = (PUSH, SYNC)
TRANSIENT_RETRY = Retry(max=6, interval=[2, 10, 30, 120, 600, 1800])

_connections: dict[str, redis.Redis] = {}


def redis_connection(config: dict | None = None) -> redis.Redis:
    """REDIS_URL, or else the one embedded server of the var/ directory, reached by its unix
    socket (started under a file lock by whichever process needs it first:
    integrations/embedded_redis.py)."""
    config = config or current_app.config
    url = config.get("REDIS_URL")
    key = url or config["EMBEDDED_REDIS_DIR"]
    if key not in _connections:
        if not url:
            from integrations import embedded_redis

            url = embedded_redis.ensure_running(key)
        # Named after the process, so CLIENT LIST tells who is connected.
        _connections[key] = redis.Redis.from_url(
            url, client_name=f"relay-{os.getpid()}", **connection_options(url)
        )
    return _connections[key]


def job_is_missing(job_id: str) -> bool:
    """No job with this id exists at all: never enqueued (Redis was down when its row was
    committed) or lost with Redis's data. A finished, failed or waiting job is not missing."""
    return not redis_connection().exists(Job.key_for(job_id))


def queue(name: str, config: dict | None = None) -> Queue:
    config = config or current_app.config
    return Queue(config.get("RQ_QUEUE_PREFIX", "") + name, connection=redis_connection(config))


def _enqueue(
    queue_name: str,
    func: str,
    *args,
    job_id: str,
    retry: Retry | None,
    shop_id: int | None = None,
    shop_domain: str | None = None,
    job_timeout: int | None = None,
) -> Job:
    # The shop in meta is what scopes a failed job to its shop on the failed-jobs page.
    meta = {"shop_id": shop_id} if shop_id is not None else {}
    if shop_domain is not None:
        meta["shop_domain"] = shop_domain
    # Our own pipeline: RQ writes the job, its status and the queue push in one MULTI/EXEC
    # round trip instead of two.
    with redis_connection().pipeline() as pipe:
        job = queue(queue_name).enqueue(
            func,
            *args,
            job_id=job_id,
            retry=retry,
            meta=meta,
            failure_ttl=7 * 24 * 3600,
            result_ttl=3600,
            job_timeout=job_timeout,
            pipeline=pipe,
        )
        pipe.execute()
    return job


def _enqueue_once(
    queue_name: str,
    func: str,
    *args,
    job_id: str,
    retry: Retry | None,
    shop_id: int | None = None,
    job_timeout: int | None = None,
) -> Job | None:
    """Enqueue unless a job with this id is already waiting or running (dedupe by id)."""
    if not _id_is_free(job_id):
        return None
    return _enqueue(
        queue_name,
        func,
        *args,
        job_id=job_id,
        retry=retry,
        shop_id=shop_id,
        job_timeout=job_timeout,
    )


def is_pending(job: Job) -> bool:
    """Waiting or running: neither lost, nor finished, failed or cancelled."""
    status = job.get_status(refresh=False)
    if status in (JobStatus.STARTED, JobStatus.QUEUED):
        return not is_lost(job)
    return status in (JobStatus.DEFERRED, JobStatus.SCHEDULED)


def is_lost(job: Job) -> bool:
    """Taken by a worker that died: "started" by a dead worker (jobs/reclaim), or "queued" but
    missing from its queue — a worker killed between taking it off the queue and marking it
    started (RQ keeps no record of that step, so nothing reclaims it)."""
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED:
        return reclaim.is_abandoned(job)
    if status == JobStatus.QUEUED:
        queue_key = Queue(job.origin, connection=job.connection).key
        return job.connection.lpos(queue_key, job.id) is None
    return False


def _id_is_free(job_id: str) -> bool:
    """No job with this id is waiting or running. An abandoned one is dropped from the started
    registry, so RQ's own cleanup does not run (or fail) it again later."""
    try:
        job = Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        return True
    if is_pending(job):
        return False
    if job.get_status(refresh=False) == JobStatus.STARTED:
        reclaim.forget_executions(job)
    return True


def enqueue_webhook(receipt_id: int, shop_domain: str | None = None) -> Job | None:
    # Called only for a receipt row that was just inserted (a repeated Webhook-Id never gets
    # here), so no job can exist for it yet: no fetch-before-enqueue dedupe on the hot path.
    return _enqueue(
        PUSH,
        "jobs.webhooks.process_webhook",
        receipt_id,
        job_id=f"webhook-{receipt_id}",
        retry=TRANSIENT_RETRY,
        shop_domain=shop_domain,
    )


def enqueue_post_install(shop_id: int) -> Job | None:
    return _enqueue_once(
        PUSH,
        "jobs.install.post_install",
        shop_id,
        job_id=f"post-install-{shop_id}",
        retry=TRANSIENT_RETRY,
        shop_id=shop_id,
    )


# A bulk import of a large store is one long step (it resumes where it stopped if cut short).
SYNC_RUN_TIMEOUT = 2 * 3600


def enqueue_sync_run(run_id: int, shop_id: int) -> Job | None:
    return _enqueue_once(
        SYNC,
        "jobs.sync.run_sync",
        run_id,
        job_id=f"sync-run-{run_id}",
        retry=TRANSIENT_RETRY,
        shop_id=shop_id,
        job_timeout=SYNC_RUN_TIMEOUT,
    )


def schedule_sync_run(run_id: int, shop_id: int, delay_seconds: float) -> Job:
    """The next step of a run that waits for Shopify (a bulk export still running). Each step
    gets its own job id; the run's lease (domain.orders.sync_runs) keeps steps from overlapping."""
    return queue(SYNC).enqueue_in(
        timedelta(seconds=delay_seconds),
        "jobs.sync.run_sync",
        run_id,
        job_id=f"sync-run-{run_id}-at-{int(datetime.now(UTC).timestamp() * 1000)}",
        retry=TRANSIENT_RETRY,
        meta={"shop_id": shop_id},
        failure_ttl=7 * 24 * 3600,
        result_ttl=3600,
        job_timeout=SYNC_RUN_TIMEOUT,
    )


def schedule_sweep(shop_id: int, delay_seconds: float) -> Job:
    """The reconciliation sweep re-arms itself; one scheduled sweep per shop (fixed job id)."""
    return queue(SYNC).enqueue_in(
        timedelta(seconds=delay_seconds),
        "jobs.sync.sweep",
        shop_id,
        job_id=f"sweep-{shop_id}",
        meta={"shop_id": shop_id},
        failure_ttl=7 * 24 * 3600,
    )


def cancel_shop_jobs(shop_id: int) -> int:
    """Drop a shop's waiting jobs (uninstall). Running ones finish and find no token."""
    if not has_app_context():
        return 0
    cancelled = 0
    for name in QUEUE_ORDER:
        q = queue(name)
        for job in q.get_jobs():
            if job.meta.get("shop_id") == shop_id:
                job.cancel()
                cancelled += 1
    return cancelled


def failed_jobs(limit: int = 50) -> list[Job]:
    jobs = []
    for name in QUEUE_ORDER:
        registry = queue(name).failed_job_registry
        for job_id in registry.get_job_ids()[:limit]:
            job = Job.fetch(job_id, connection=registry.connection)
            jobs.append(job)
    return jobs


# -- fulfillment ----------------------------------------------------------------------------


def enqueue_forward(supplier_order_id: int, at, *, shop_id: int) -> Job:
    """Forward a supplier order when its hold window ends. One job id per supplier order:
    enqueueing again (a release, a new request) reschedules the same job, never adds one."""
    job_id = f"forward-{supplier_order_id}"
    kwargs = dict(
        job_id=job_id,
        retry=TRANSIENT_RETRY,
        meta={"shop_id": shop_id},
        failure_ttl=7 * 24 * 3600,
        result_ttl=3600,
    )
    if at is None or at <= datetime.now(UTC):
        return queue(PUSH).enqueue("jobs.fulfillment.forward", supplier_order_id, **kwargs)
    return queue(PUSH).enqueue_at(at, "jobs.fulfillment.forward", supplier_order_id, **kwargs)


def enqueue_push_parcel(parcel_id: int, *, shop_id: int) -> Job | None:
    """Create or update the parcel's fulfillment in the store. Tracking is what the customer
    waits for: it goes to the front of the push queue, ahead of webhooks already waiting."""
    job_id = f"push-parcel-{parcel_id}"
    if not _id_is_free(job_id):
        return None
    return queue(PUSH).enqueue(
        "jobs.fulfillment.push_parcel",
        parcel_id,
        job_id=job_id,
        retry=TRANSIENT_RETRY,
        meta={"shop_id": shop_id},
        at_front=True,
        failure_ttl=7 * 24 * 3600,
        result_ttl=3600,
    )


def enqueue_answer_request(supplier_order_id: int, *, shop_id: int) -> Job | None:
    """Tell Shopify the supplier's answer (accept / reject the fulfillment request)."""
    return _enqueue_once(
        PUSH,
        "jobs.fulfillment.answer_request",
        supplier_order_id,
        job_id=f"answer-request-{supplier_order_id}",
        retry=TRANSIENT_RETRY,
        shop_id=shop_id,
    )


ADMIN_REQUESTS_DELAY = 30  # seconds: a burst of callbacks settles into one listing


def enqueue_take_admin_requests(shop_id: int, delay: float = ADMIN_REQUESTS_DELAY) -> Job | None:
    """List the fulfillment requests assigned to Relay (after a fulfillment-service callback,
    or from recovery). At most one listing waits per shop: a burst of callbacks is one
    listing. The job clears the mark when it starts, so a callback arriving during a listing
    gets a listing of its own."""
    if not redis_connection().set(_admin_requests_mark(shop_id), 1, nx=True, ex=3600):
        return None
    return _enqueue_admin_requests_page(shop_id, None, delay)


def enqueue_admin_requests_page(shop_id: int, cursor: str) -> Job:
    """The next page of a listing (one job per page, so pushes run between pages)."""
    return _enqueue_admin_requests_page(shop_id, cursor, 0)


def _enqueue_admin_requests_page(shop_id: int, cursor: str | None, delay: float) -> Job:
    kwargs = dict(
        job_id=f"admin-requests-{shop_id}-{uuid.uuid4().hex[:12]}",
        retry=TRANSIENT_RETRY,
        meta={"shop_id": shop_id},
        failure_ttl=7 * 24 * 3600,
        result_ttl=3600,
    )
    func = "jobs.fulfillment.take_admin_requests"
    if delay <= 0:
        return queue(SYNC).enqueue(func, shop_id, cursor, **kwargs)
    return queue(SYNC).enqueue_in(timedelta(seconds=delay), func, shop_id, cursor, **kwargs)


def admin_requests_listing_started(shop_id: int) -> None:
    redis_connection().delete(_admin_requests_mark(shop_id))


def _admin_requests_mark(shop_id: int) -> str:
    return f"relay:{current_app.config.get('RQ_QUEUE_PREFIX', '')}admin-requests-waiting:{shop_id}"


def enqueue_forward_unless_pending(supplier_order_id: int, *, shop_id: int) -> Job | None:
    """Recovery: forward now, unless a forward job for it is still waiting or running."""
    if not _id_is_free(f"forward-{supplier_order_id}"):
        return None
    return enqueue_forward(supplier_order_id, None, shop_id=shop_id)


# -- recovery -------------------------------------------------------------------------------


def enqueue_reconcile(shop_id: int) -> Job | None:
    """Re-enqueue what lost jobs left half-done in one shop (domain.fulfillment.recovery)."""
    return _enqueue_once(
        SYNC,
        "jobs.fulfillment.reconcile",
        shop_id,
        job_id=f"reconcile-{shop_id}",
        retry=TRANSIENT_RETRY,
        shop_id=shop_id,
    )


def rearm_sweep(shop_id: int, delay_seconds: float) -> Job | None:
    """The shop's sweep, unless one is already scheduled, waiting or running."""
    if not _id_is_free(f"sweep-{shop_id}"):
        return None
    return schedule_sweep(shop_id, delay_seconds)


def enqueue_webhook_if_lost(receipt_id: int, shop_domain: str) -> Job | None:
    """Recovery, for a receipt so new that intake may not have enqueued it yet: only when its
    job exists and a dead worker had taken it."""
    try:
        job = Job.fetch(f"webhook-{receipt_id}", connection=redis_connection())
    except NoSuchJobError:
        return None
    if not is_lost(job):
        return None
    return enqueue_webhook_unless_pending(receipt_id, shop_domain)


def enqueue_webhook_unless_pending(receipt_id: int, shop_domain: str) -> Job | None:
    """Recovery: a stored receipt nobody processed (its job was lost) gets a job again."""
    if not _id_is_free(f"webhook-{receipt_id}"):
        return None
    return enqueue_webhook(receipt_id, shop_domain=shop_domain)


# -- cancellations --------------------------------------------------------------------------


def enqueue_cancellation_push(request_id: int, status: str, *, shop_id: int) -> Job | None:
    """Carry a cancellation request's current status out in the store. One job id per request
    and status: a decision made while the previous status's job runs gets its own job."""
    return _enqueue_once(
        PUSH,
        "jobs.cancellations.carry_out",
        request_id,
        job_id=f"cancellation-{request_id}-{status}",
        retry=TRANSIENT_RETRY,
        shop_id=shop_id,
    )


def schedule_auto_cancel(request_id: int, at, *, shop_id: int) -> Job:
    """Collective's automatic cancellation at the request's deadline. One job id per request:
    scheduling again moves the same job."""
    kwargs = dict(
        job_id=f"auto-cancel-{request_id}",
        retry=TRANSIENT_RETRY,
        meta={"shop_id": shop_id},
        failure_ttl=7 * 24 * 3600,
        result_ttl=3600,
    )
    if at is None or at <= datetime.now(UTC):
        return queue(PUSH).enqueue("jobs.cancellations.auto_cancel", request_id, **kwargs)
    return queue(PUSH).enqueue_at(at, "jobs.cancellations.auto_cancel", request_id, **kwargs)


def enqueue_auto_cancel_now(request_id: int, *, shop_id: int) -> Job | None:
    """The sweep's fallback for an overdue request: run it now, unless its job is already
    waiting in the queue or running (a job still scheduled for later is brought forward)."""
    job_id = f"auto-cancel-{request_id}"
    try:
        job = Job.fetch(job_id, connection=redis_connection())
    except NoSuchJobError:
        job = None
    if job is not None and job.get_status(refresh=False) == JobStatus.SCHEDULED:
        queue(PUSH).scheduled_job_registry.remove(job)
    elif not _id_is_free(job_id):
        return None
    return schedule_auto_cancel(request_id, None, shop_id=shop_id)


def enqueue_cancellation_reconcile(shop_id: int) -> Job | None:
    return _enqueue_once(
        SYNC,
        "jobs.cancellations.reconcile",
        shop_id,
        job_id=f"cancellation-reconcile-{shop_id}",
        retry=TRANSIENT_RETRY,
        shop_id=shop_id,
    )
