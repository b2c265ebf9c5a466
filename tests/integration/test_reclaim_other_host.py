"""A worker that died on another host is known dead by its heartbeat, never by its pid: its job
goes back to its queue and its scheduler's lock is released, at once, by a worker anywhere.
A worker whose heartbeat still beats keeps both. (RQ itself waits for the job's registry entry
to expire, job timeout + 60 s, and for the lock's, 61 s plus a maintenance pass.)"""

from datetime import UTC, datetime, timedelta

import pytest
from rq import Worker
from rq.executions import prepare_execution
from rq.job import Job, JobStatus
from rq.scheduler import RQScheduler
from rq.utils import utcformat

from background import liveness, queues
from extensions import redis_connection
from jobs import reclaim

pytestmark = pytest.mark.attack


def started_elsewhere(host: str, pid: int, job_id: str, *, known_to_rq: bool = True):
    """A Relay worker on `host` took `job_id` off the push queue and started it (RQ's own
    bookkeeping, step by step), then its host went away."""
    connection = redis_connection()
    queue = queues.queue(queues.PUSH)
    job = queue.enqueue("builtins.print", "probe", job_id=job_id)
    worker = Worker([queue], connection=connection, name=f"relay.{host}.{pid}.abcdef12")
    worker.hostname, worker.pid = host, pid
    worker.register_birth()
    queue.remove(job)
    prepare_execution(worker, job)
    worker.prepare_job_execution(job)
    # ... a minute ago (a job younger than the heartbeat's TTL is never judged by it).
    connection.hset(job.key, "started_at", utcformat(datetime.now(UTC) - timedelta(minutes=1)))
    if not known_to_rq:  # its RQ worker key expired too (worker_ttl)
        connection.delete(worker.key)
        connection.srem("rq:workers", worker.key)
    return worker, job, queue


def test_a_job_started_on_another_host_goes_back_when_that_workers_heartbeat_stops(ctx):
    connection = redis_connection()
    worker, job, queue = started_elsewhere("host-b", 4242, "probe-1")
    liveness.beat(connection, worker.name)
    assert reclaim.reclaim(connection, [queue]) == [], "alive: its job is left alone"
    assert job.get_status(refresh=True) == JobStatus.STARTED

    connection.delete(liveness.HEARTBEAT_KEY.format(worker.name))  # it stopped beating
    assert reclaim.reclaim(connection, [queue]) == ["probe-1"]
    assert job.get_status(refresh=True) == JobStatus.QUEUED
    assert queue.get_job_ids() == ["probe-1"]
    assert reclaim.reclaim(connection, [queue]) == [], "put back once"
    assert queue.get_job_ids() == ["probe-1"]


def test_a_job_just_started_is_not_judged_by_a_heartbeat_not_beaten_yet(ctx):
    """Redis came back empty: a live worker's heartbeat key is gone until its next beat (3 s);
    the job it has just started is not taken from it."""
    connection = redis_connection()
    worker, job, queue = started_elsewhere("host-b", 4545, "probe-3")
    connection.hset(job.key, "started_at", utcformat(datetime.now(UTC)))
    assert reclaim.reclaim(connection, [queue]) == []
    assert Job.fetch("probe-3", connection=connection).get_status() == JobStatus.STARTED


def test_a_job_whose_worker_rq_no_longer_knows_goes_back_too(ctx):
    connection = redis_connection()
    _, job, queue = started_elsewhere("host-c", 4343, "probe-2", known_to_rq=False)
    assert reclaim.reclaim(connection, [queue]) == ["probe-2"]
    assert queue.get_job_ids() == ["probe-2"]


def test_a_dead_workers_scheduler_lock_on_another_host_is_released(ctx):
    connection = redis_connection()
    queue = queues.queue(queues.PUSH)
    lock = RQScheduler.get_locking_key(queue.name)
    scheduler = RQScheduler([queue], connection=connection, name="scheduler-of-b")
    scheduler.hostname = "host-b"
    scheduler.register_birth()
    connection.set(lock, "scheduler-of-b", ex=61)
    liveness.own_scheduler(connection, "scheduler-of-b", "relay.host-b.4242.abcdef12")
    liveness.beat(connection, "relay.host-b.4242.abcdef12")
    reclaim.release_dead_scheduler_locks(connection, [queue])
    assert connection.get(lock) == b"scheduler-of-b", "its worker beats: the lock stays"

    connection.delete(liveness.HEARTBEAT_KEY.format("relay.host-b.4242.abcdef12"))
    assert reclaim.release_dead_scheduler_locks(connection, [queue]) == 1
    assert connection.get(lock) is None
