"""Is a job RQ calls "started" still being run? RQ 2.12 answers only when its started
registry expires (job timeout + 60 s); on the same host a dead worker's process is known gone at
once (jobs/reclaim.py takes such jobs back when a worker starts)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rq import Worker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

DEFAULT_JOB_TIMEOUT = 180  # RQ's default when a job sets none
PROC = Path("/proc/self/stat")


def process_is_gone(hostname: str | None, pid: int | None) -> bool:
    """True only when we can tell: same host, and no live process with that pid (a zombie
    nobody reaped counts as gone)."""
    if not pid or hostname != socket.gethostname():
        return False
    if not PROC.exists():  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    state = stat.rpartition(")")[2].split()[0]
    return state in ("Z", "X")


def is_abandoned(job: Job) -> bool:
    """A job RQ still calls "started" whose worker is dead."""
    if job.get_status(refresh=False) != JobStatus.STARTED:
        return False
    if job.started_at is not None:
        started = job.started_at.replace(tzinfo=job.started_at.tzinfo or UTC)
        limit = timedelta(seconds=(job.timeout or DEFAULT_JOB_TIMEOUT) + 60)
        if datetime.now(UTC) > started + limit:
            return True  # past the started registry's own expiry
    if not job.worker_name:
        return False
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + job.worker_name, job.connection
    )
    if worker is None:
        return True  # its heartbeat key expired: nobody is running it
    return process_is_gone(worker.hostname, worker.pid)


def forget_executions(job: Job, pipeline=None) -> None:
    """Drop a dead job's entries from the started registry (RQ would retry or fail it later)."""
    StartedJobRegistry(job.origin, connection=job.connection).remove_executions(
        job, pipeline=pipeline
    )
