"""Is a job RQ calls "started" still being run? RQ 2.12 answers only when its started
registry expires (job timeout + 60 s). Relay knows sooner, on any host:

- every Relay worker (named `relay.…`) beats a heartbeat key in Redis every BEAT_EVERY seconds
  from a thread of its own, also while a job runs; a worker whose key has expired (HEARTBEAT_TTL)
  is dead, wherever it ran: SIGKILLed, OOM-killed, its host powered off;
- on the same host a dead worker's process is known gone at once (no /proc entry).

jobs/reclaim.py takes such jobs (and their schedulers' locks) back, at a worker's start and in
every periodic pass. A worker cut off from Redis for longer than HEARTBEAT_TTL counts as dead
too: its job may then run twice, which jobs are written to allow (idempotent, row locks)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rq import Worker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

DEFAULT_JOB_TIMEOUT = 180  # RQ's default when a job sets none
PROC = Path("/proc/self/stat")
WORKER_PREFIX = "relay."  # workers that beat a heartbeat (jobs/worker.py names them)
HEARTBEAT_TTL = 15  # seconds without a beat before a worker counts as dead
BEAT_EVERY = 3.0
HEARTBEAT_KEY = "relay:heartbeat:{}"
SCHEDULER_OWNER_KEY = "relay:scheduler-owner:{}"  # scheduler name -> the worker that forked it


def worker_name() -> str:
    """A Relay worker's name: unique, and marked as one that beats a heartbeat."""
    return f"{WORKER_PREFIX}{host()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def host() -> str:
    """This host's name as workers record it. RELAY_WORKER_HOST overrides it (tests run
    "other hosts" on one machine this way)."""
    return os.environ.get("RELAY_WORKER_HOST") or socket.gethostname()


def beat(connection, name: str) -> None:
    connection.set(HEARTBEAT_KEY.format(name), 1, ex=HEARTBEAT_TTL)


def stopped_beating(connection, name: str | None) -> bool:
    """A Relay worker whose heartbeat expired. Workers of other kinds (a burst worker in a
    test, RQ's own CLI) are never judged by it."""
    if not name or not name.startswith(WORKER_PREFIX):
        return False
    return not connection.exists(HEARTBEAT_KEY.format(name))


def own_scheduler(connection, scheduler_name: str, name: str) -> None:
    """Record which worker forked a scheduler: its lock is dead when that worker is."""
    connection.set(SCHEDULER_OWNER_KEY.format(scheduler_name), name, ex=7 * 24 * 3600)


def scheduler_owner(connection, scheduler_name: str) -> str | None:
    owner = connection.get(SCHEDULER_OWNER_KEY.format(scheduler_name))
    return owner.decode() if owner else None


class Heartbeat:
    """A daemon thread beating a worker's heartbeat until the process dies or stop()."""

    def __init__(self, connection, name: str, every: float = BEAT_EVERY):
        self.connection, self.name, self.every = connection, name, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="relay-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        beat(self.connection, self.name)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.connection.delete(HEARTBEAT_KEY.format(self.name))

    def _loop(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        while not self.stopped.wait(self.every):
            with suppress(Exception):  # Redis blinked: beat again next time
                beat(self.connection, self.name)


def worker_is_dead(connection, name: str | None, hostname: str | None, pid: int | None) -> bool:
    """Its heartbeat stopped (any host), or its process is gone from this host."""
    return stopped_beating(connection, name) or process_is_gone(hostname, pid)


def process_is_gone(hostname: str | None, pid: int | None) -> bool:
    """True only when we can tell: same host, and no live process with that pid (a zombie
    nobody reaped counts as gone)."""
    if not pid or hostname != host():
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
    if job.worker_name.startswith(WORKER_PREFIX):
        return _relay_worker_is_dead(job)
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + job.worker_name, job.connection
    )
    if worker is None:
        return True  # RQ's own worker key expired: nobody is running it
    return worker_is_dead(job.connection, worker.name, worker.hostname, worker.pid)


def _relay_worker_is_dead(job: Job) -> bool:
    """A Relay worker is judged by its name (host and pid) and heartbeat, not RQ's worker key
    (gone with a Redis that came back empty while the worker lives on). A job younger than
    HEARTBEAT_TTL is never judged by the heartbeat: its worker may not have beaten yet since
    Redis came back."""
    host_name, _, rest = job.worker_name[len(WORKER_PREFIX) :].rpartition(".")
    host_name, _, pid = host_name.rpartition(".")
    if pid.isdigit() and process_is_gone(host_name, int(pid)):
        return True
    if job.started_at is None:
        return False
    started = job.started_at.replace(tzinfo=job.started_at.tzinfo or UTC)
    old_enough = datetime.now(UTC) > started + timedelta(seconds=HEARTBEAT_TTL)
    return old_enough and stopped_beating(job.connection, job.worker_name)


def forget_executions(job: Job, pipeline=None) -> None:
    """Drop a dead job's entries from the started registry (RQ would retry or fail it later)."""
    StartedJobRegistry(job.origin, connection=job.connection).remove_executions(
        job, pipeline=pipeline
    )
