"""Order sync jobs: a sync run (backfill or sweep) by id, and the self-rearming sweep."""

from __future__ import annotations

from rq import get_current_job

from domain.models.shop import Shop
from domain.money import refunds, supplier_ledger
from domain.orders import sync_runs as order_sync_jobs
from extensions import db
from jobs import queues
from jobs.runtime import job


@job
def run_sync(run_id: int) -> str:
    # On the last try a Shopify outage ends the run as failed (with a reason the merchant
    # sees) instead of leaving it "running" forever.
    current = get_current_job()
    final_attempt = current is None or not current.retries_left
    return order_sync_jobs.run_sync(run_id, final_attempt=final_attempt)


@job
def sweep(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return "not installed; sweep not re-armed"
    run = order_sync_jobs.start(shop, "sweep")
    supplier_ledger.release_due_payouts(shop)  # suppliers whose payout delay is over
    refunds.expire_stale_pending(shop)  # refunds whose answer from Shopify never came back
    db.session.commit()
    queues.schedule_sweep(shop_id, order_sync_jobs.SWEEP_INTERVAL.total_seconds())
    queues.enqueue_reconcile(shop_id)  # and re-enqueue what lost fulfillment jobs left behind
    queues.enqueue_cancellation_reconcile(shop_id)  # overdue automatic cancellations, too
    return f"sweep run {run.id}"
