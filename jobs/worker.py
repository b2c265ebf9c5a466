"""`python -m jobs.worker [--burst]`: an RQ worker on push then sync, scheduler on.

It builds the Flask app once. SimpleWorker runs jobs in this process (no fork per job): jobs
share the app and its connection pools, and a killed worker's job is found in RQ's started
registry and retried from its id (jobs are idempotent).
"""

from __future__ import annotations

import argparse
import logging

from rq import SimpleWorker

from jobs import queues, runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Shopify call is noise
    flask_app = runtime.app()
    with flask_app.app_context():
        qs = [queues.queue(name) for name in queues.QUEUE_ORDER]
        worker = SimpleWorker(qs, connection=queues.redis_connection())
        worker.work(burst=args.burst, with_scheduler=True, logging_level="INFO")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
