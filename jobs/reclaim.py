"""What RQ 2.12 leaves behind when a worker is killed (SIGKILL, OOM), and taking it back.

A SimpleWorker killed mid-job leaves the job "started" in the StartedJobRegistry, scored to
expire job timeout + 60 s after it began (240 s by default). Only then does a worker's
maintenance pass (at its start, then every `maintenance_interval`) retry it (if it has retries
left: `job.retry`, after the retry interval) or move it to the failed registry. Until then the
job id reads as running, so an enqueue that dedupes by id skips it. The killed worker's
scheduler (a forked child) is orphaned and keeps its lock; if it dies too, its lock blocks a new
scheduler until the lock expires and a maintenance pass re-acquires it, up to 10 minutes.

So, on the same host, a worker whose process is gone is known dead at once: its job is put
back in its queue and its scheduler lock released when the next worker starts; elsewhere (or
when the pid cannot be checked) the registry's expiry decides, as RQ does.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import time

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import SchedulerNotFound
from rq.job import Job, JobStatus
from rq.scheduler import RQScheduler
from rq.scripts import release_lock

from background.liveness import forget_executions, process_is_gone

log = logging.getLogger("relay.jobs.reclaim")
PR_SET_PDEATHSIG = 1
# How long a scheduler lock may stand without its scheduler registered before it counts as
# abandoned (RQ registers in the forked child, right after the fork).
UNREGISTERED_GRACE = 5.0


def reclaim_dead_workers(connection: Redis, queues: list[Queue]) -> list[str]:
    """Put the jobs of this host's dead workers back at the front of their queues, and forget
    the workers. Returns the job ids put back."""
    reclaimed = []
    seen = set()
    for queue in queues:
        for worker in Worker.all(connection=connection, queue=queue):
            if worker.name in seen or not process_is_gone(worker.hostname, worker.pid):
                continue
            seen.add(worker.name)
            job_id = worker.get_current_job_id()
            job = Job.fetch(job_id, connection=connection) if job_id else None
            if job is not None and job.get_status() == JobStatus.STARTED:
                _requeue(job, connection)
                reclaimed.append(job.id)
            worker.register_death()
            log.warning("worker %s (pid %s) died; reclaimed %s", worker.name, worker.pid, job_id)
    return reclaimed


def _requeue(job: Job, connection: Redis) -> None:
    # Enqueued first: dying between the two steps only means RQ's cleanup runs it once more.
    job.started_at = None
    Queue(job.origin, connection=connection).enqueue_job(job, at_front=True)
    forget_executions(job)


def release_dead_scheduler_locks(connection: Redis, queues: list[Queue]) -> int:
    """A scheduler lock held by a scheduler whose process is gone from this host: release it,
    so this worker's scheduler takes over now instead of after the next maintenance pass."""
    released = 0
    for queue in queues:
        lock_key = RQScheduler.get_locking_key(queue.name)
        holder = connection.get(lock_key)
        if holder is None:
            continue
        holder = holder.decode()
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
    SIGKILLed worker leaves no orphan scheduler behind (Linux only; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the worker died before prctl took effect
        os._exit(1)
