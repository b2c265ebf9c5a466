"""`python -m jobs.worker [--burst]`: an RQ worker on push then sync, scheduler on.

It builds the Flask app once. SimpleWorker runs jobs in this process (no fork per job): jobs
share the app and its connection pools. At start it takes back what a killed worker left on
this host (its job, its scheduler lock: jobs/reclaim.py) and asks every installed shop for a
reconciliation pass (jobs are idempotent, so running one twice is harmless).
"""

from __future__ import annotations

import argparse
import logging
import os

from rq import SimpleWorker

from jobs import queues, reclaim, runtime

# RQ's default is 10 minutes: how long a dead worker's expired job or a dead scheduler's lock
# (on another host) can wait to be taken back.
MAINTENANCE_INTERVAL = 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument(
        "--queues",
        default=",".join(queues.QUEUE_ORDER),
        help="comma-separated, in priority order (default push,sync); e.g. a push-only worker "
        "keeps tracking flowing while another works through long sync runs",
    )
    args = parser.parse_args(argv)
    names = [name for name in args.queues.split(",") if name in queues.QUEUE_ORDER]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Shopify call is noise
    flask_app = runtime.app()
    with flask_app.app_context():
        qs = [queues.queue(name) for name in names]
        connection = queues.redis_connection()
        reclaim.reclaim_dead_workers(connection, qs)
        reclaim.release_dead_scheduler_locks(connection, qs)
        _reconcile_every_shop()
        worker_pid = os.getpid()
        os.register_at_fork(after_in_child=lambda: reclaim.die_with(worker_pid))
        worker = SimpleWorker(qs, connection=connection, maintenance_interval=MAINTENANCE_INTERVAL)
        worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


def _reconcile_every_shop() -> None:
    from domain.fulfillment import recovery

    try:
        recovery.reconcile_every_shop_soon()
    except Exception:  # noqa: BLE001 - the sweeps will do it; a worker must still start
        logging.getLogger("relay.worker").exception("could not request reconciliation")


if __name__ == "__main__":
    raise SystemExit(main())
