"""`python -m jobs.worker [--burst]`: an RQ worker on push then sync, scheduler on.

It builds the Flask app once. AppWorker (RQ's SimpleWorker) runs jobs in this process (no fork
per job): jobs share the app and its connection pools. At start it takes back what a killed
worker left, on this host or another (its job, its scheduler lock: jobs/reclaim.py; a worker is
dead when its heartbeat stops, background/liveness.py) and asks every installed
shop for a reconciliation pass (jobs are idempotent, so running one twice is harmless). While it
runs, a periodic pass (jobs/outbox.py) enqueues the jobs of committed rows that have none (Redis
was down when they were written), reconciles everything when Redis comes back empty, and
restarts RQ's scheduler if a lost connection killed it.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

from redis.exceptions import RedisError

from background import liveness
from background.queues import QUEUE_ORDER, queue
from extensions import redis_connection
from jobs import outbox, reclaim, renamed, runtime

# RQ's default is 10 minutes: how long a dead worker's expired job or a dead scheduler's lock
# (on another host) can wait to be taken back.
MAINTENANCE_INTERVAL = 60
# The blocking dequeue waits worker_ttl - 15 s (RQ's default: 405 s). Ctrl-C or SIGTERM may be
# delivered to another thread of the process (RQ's pubsub listener, the outbox pass); Python
# runs the handler in the main thread only once its dequeue returns. A short wait keeps a stop
# within ~5 s.
WORKER_TTL = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument(
        "--queues",
        default=",".join(QUEUE_ORDER),
        help="comma-separated, in priority order (default push,sync); e.g. a push-only worker "
        "keeps tracking flowing while another works through long sync runs",
    )
    args = parser.parse_args(argv)
    names = [name for name in args.queues.split(",") if name in QUEUE_ORDER]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Shopify call is noise
    flask_app = runtime.app()
    with flask_app.app_context():
        qs = [queue(name) for name in names]
        connection = redis_connection()
        _wait_for_redis(connection)
        reclaim.reclaim(connection, qs)
        renamed.migrate(connection, qs)  # jobs enqueued before their functions moved
        outbox.mark_epoch()  # this Redis is known: the start's reconciliation covers it
        _reconcile_every_shop()
        worker_pid = os.getpid()
        os.register_at_fork(after_in_child=lambda: reclaim.die_with(worker_pid))
        worker = runtime.AppWorker(
            qs,
            name=liveness.worker_name(),
            connection=connection,
            maintenance_interval=MAINTENANCE_INTERVAL,
            worker_ttl=WORKER_TTL,
        )
        worker.hostname = liveness.host()
        heartbeat = liveness.Heartbeat(connection, worker.name).start()
        periodic = None
        if not args.burst:  # a burst worker drains and exits; the start's reconcile is enough
            _arm_exchange_rates()
            _arm_supplier_digests()
            interval = float(os.environ.get("RELAY_OUTBOX_INTERVAL") or outbox.PASS_INTERVAL)
            periodic = outbox.PeriodicPass(flask_app, worker, interval).start()
        try:
            worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
        finally:
            if periodic is not None:
                periodic.stop()
            heartbeat.stop()
    return 0


def _wait_for_redis(connection, max_wait: float = 30.0) -> None:
    """A worker started while Redis is down waits for it instead of exiting."""
    wait = 0.5
    while True:
        try:
            connection.ping()
            return
        except (RedisError, OSError) as exc:
            logging.getLogger("relay.worker").warning("Redis unreachable (%s); retrying", exc)
            time.sleep(wait)
            wait = min(wait * 2, max_wait)


def _reconcile_every_shop() -> None:
    from domain import sweep

    try:
        sweep.reconcile_every_shop_soon()
    except Exception:  # noqa: BLE001 - the sweeps will do it; a worker must still start
        logging.getLogger("relay.worker").exception("could not request reconciliation")


def _arm_exchange_rates() -> None:
    """The exchange rates' refresh chain (issue 15), unless it is already waiting."""
    from jobs import rates

    try:
        rates.arm()
    except Exception:  # noqa: BLE001 - the next worker start arms it; a worker must still start
        logging.getLogger("relay.worker").exception("could not arm the exchange rates' refresh")


def _arm_supplier_digests() -> None:
    """The suppliers' daily digest chain (issue 16), unless it is already waiting."""
    from jobs import digests

    try:
        digests.arm()
    except Exception:  # noqa: BLE001 - the next worker start arms it; a worker must still start
        logging.getLogger("relay.worker").exception("could not arm the suppliers' digests")


if __name__ == "__main__":
    raise SystemExit(main())
