"""What RQ 2.12 leaves behind when a worker is killed (SIGKILL, OOM), and taking it back.

A SimpleWorker killed mid-job leaves the job "started" in the StartedJobRegistry, scored to
expire job timeout + 60 s after it began (240 s by default). Only then does a worker's
maintenance pass (at its start, then every `maintenance_interval`) retry it (if it has retries
left: `job.retry`, after the retry interval) or move it to the failed registry. Until then the
job id reads as running, so an enqueue that dedupes by id skips it. The killed worker's
scheduler (a forked child) is orphaned and keeps its lock; if it dies too, its lock blocks a new
scheduler until the lock expires and a maintenance pass re-acquires it, up to 10 minutes.

So a worker known dead (background/liveness: its heartbeat stopped, on any host, or its
process is gone from this host) has its job put back at the front of its queue and its
scheduler's lock released: when a worker starts, and in every worker's periodic pass
(jobs/outbox.py), so a worker SIGKILLed on one host is taken over by a worker on another within
HEARTBEAT_TTL + one pass. Only workers RQ does not know at all (its worker key expired) are
found through the started registries; RQ's own expiry stays the last resort.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import time

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError, SchedulerNotFound
from rq.job import Job
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock

from background.liveness import (
    forget_executions,
    is_abandoned,
    process_is_gone,
    scheduler_owner,
    stopped_beating,
    worker_is_dead,
)

log = logging.getLogger("relay.jobs.reclaim")
PR_SET_PDEATHSIG = 1
# How long a scheduler lock may stand without its scheduler registered before it counts as
# abandoned (RQ registers in the forked child, right after the fork).
UNREGISTERED_GRACE = 5.0
RECLAIM_LOCK = "relay:reclaim-lock"


def reclaim_dead_workers(connection: Redis, queues: list[Queue]) -> list[str]:
    """Put the jobs of this host's dead workers back at the front of their queues, and forget
    the workers. Returns the job ids put back."""
    reclaimed = []
    seen = set()
    for queue in queues:
        for worker in Worker.all(connection=connection, queue=queue):
            if worker.name in seen or not worker_is_dead(
                connection, worker.name, worker.hostname, worker.pid
            ):
                continue
            seen.add(worker.name)
            job_id = worker.get_current_job_id()
            job = Job.fetch(job_id, connection=connection) if job_id else None
            if job is not None and is_abandoned(job):
                _requeue(job, connection)
                reclaimed.append(job.id)
            worker.register_death()
            log.warning("worker %s (pid %s) died; reclaimed %s", worker.name, worker.pid, job_id)
    return reclaimed


def reclaim_abandoned_jobs(connection: Redis, queues: list[Queue]) -> list[str]:
    """Jobs still "started" whose worker is dead (or unknown to RQ any more), wherever it ran:
    put back at the front of their queues."""
    reclaimed = []
    for queue in queues:
        for job_id in dict.fromkeys(queue.started_job_registry.get_job_ids(cleanup=False)):
            try:
                job = Job.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            if is_abandoned(job):
                _requeue(job, connection)
                reclaimed.append(job.id)
                log.warning("job %s of dead worker %s put back", job.id, job.worker_name)
    return reclaimed


def reclaim(connection: Redis, queues: list[Queue]) -> list[str]:
    """Everything dead workers left, on any host: their jobs and their schedulers' locks. One
    worker at a time (a job put back twice would sit in its queue twice)."""
    if not connection.set(RECLAIM_LOCK, 1, nx=True, px=30_000):
        return []
    try:
        reclaimed = reclaim_dead_workers(connection, queues)
        reclaimed += reclaim_abandoned_jobs(connection, queues)
        release_dead_scheduler_locks(connection, queues)
        return reclaimed
    finally:
        connection.delete(RECLAIM_LOCK)


def _requeue(job: Job, connection: Redis) -> None:
    # Enqueued first: dying between the two steps only means RQ's cleanup runs it once more.
    job.started_at = None
    Queue(job.origin, connection=connection).enqueue_job(job, at_front=True)
    forget_executions(job)


def release_dead_scheduler_locks(connection: Redis, queues: list[Queue]) -> int:
    """A scheduler lock held by a dead scheduler (its worker's heartbeat stopped, on any host, or
    its process is gone from this host): release it, so a live worker's scheduler takes over
    now instead of after the lock expires and a maintenance pass re-acquires it."""
    released = 0
    for queue in queues:
        lock_key = RQScheduler.get_locking_key(queue.name)
        holder = connection.get(lock_key)
        if holder is None:
            continue
        holder = holder.decode()
        if stopped_beating(connection, scheduler_owner(connection, holder)):
            released += release_lock(connection, lock_key, holder)
            connection.delete(SCHEDULER_KEY_TEMPLATE % holder)
            continue
        scheduler = _registered_scheduler(connection, holder)
        if scheduler is None:
            # Its worker took the lock, then died before the scheduler it forked registered
            # (RQ registers in the child): no live scheduler will ever refresh this lock.
            released += release_lock(connection, lock_key, holder)
        elif process_is_gone(scheduler.hostname, scheduler.pid):
            released += release_lock(connection, lock_key, holder)
            connection.delete(scheduler.key)
    return released


def _registered_scheduler(connection: Redis, name: str) -> RQScheduler | None:
    """The scheduler holding a lock, once it has registered; None when it never does within
    UNREGISTERED_GRACE (a live scheduler registers milliseconds after its worker forks it)."""
    give_up = time.monotonic() + UNREGISTERED_GRACE
    while True:
        try:
            return RQScheduler.fetch(name, connection)
        except SchedulerNotFound:
            if time.monotonic() > give_up:
                return None
            time.sleep(0.1)


def die_with(parent_pid: int) -> None:
    """In a forked child (RQ's scheduler): be killed when the worker that forked it dies, so a
    SIGKILLed worker leaves no orphan scheduler behind (Linux only; elsewhere a no-op). And
    take Ctrl-C and SIGTERM again: a scheduler forked by the outbox thread (which blocks them
    so they reach the main thread) would inherit that mask, ignore the worker's SIGTERM on
    shutdown and leave the worker waiting for it forever."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the worker died before prctl took effect
        os._exit(1)
