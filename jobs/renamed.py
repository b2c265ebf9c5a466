"""Jobs recorded under the dotted paths they had before their functions moved into the domain
(issue 13). RQ stores a job's function by path: a job waiting in Redis when the new code is
deployed (a forward scheduled for the end of its hold window, a shop's next sweep) would fail
to import, and a sweep chain would break. A starting worker points them at their new home;
the arguments (ids) are the same."""

from __future__ import annotations

import logging

from redis import Redis
from rq import Queue
from rq.job import Job

from domain import sweep
from domain.cancellations import intake as cancellation_intake
from domain.cancellations import lifecycle, push
from domain.fulfillment import forwarding, incoming, recovery, tracking_push
from domain.orders import sync_runs
from domain.shop import installation
from domain.webhooks import intake

log = logging.getLogger("relay.jobs.renamed")

MOVED = {
    "jobs.webhooks.process_webhook": intake.process,
    "jobs.install.post_install": installation.post_install,
    "jobs.sync.run_sync": sync_runs.run_step,
    "jobs.sync.sweep": sweep.sweep,
    "jobs.fulfillment.forward": forwarding.forward,
    "jobs.fulfillment.push_parcel": tracking_push.push_parcel,
    "jobs.fulfillment.answer_request": tracking_push.answer_request,
    "jobs.fulfillment.take_admin_requests": incoming.take_admin_requests,
    "jobs.fulfillment.reconcile": recovery.reconcile_shop,
    "jobs.cancellations.carry_out": push.carry_out,
    "jobs.cancellations.auto_cancel": lifecycle.auto_cancel_if_due,
    "jobs.cancellations.reconcile": cancellation_intake.reconcile_shop,
}


def migrate(connection: Redis, queues: list[Queue]) -> int:
    """Point every waiting, scheduled or failed job recorded under an old path at its new one
    (failed ones too, so the Jobs page's Retry works). Returns how many were moved."""
    moved = 0
    for queue in queues:
        ids = set(queue.get_job_ids())
        ids |= set(queue.scheduled_job_registry.get_job_ids())
        ids |= set(queue.failed_job_registry.get_job_ids())
        for job in Job.fetch_many(sorted(ids), connection=connection):
            target = MOVED.get(job.func_name) if job is not None else None
            if target is None:
                continue
            job.func_name = target.path
            job.save(include_meta=False, include_result=False)
            moved += 1
    if moved:
        log.warning("%d job(s) recorded under their old paths now point at the domain", moved)
    return moved
