"""Nothing lost when a job is: a worker killed mid-job, a web process killed between storing a
webhook and enqueueing it, retries that ran out during a long outage. The database says what
is still to do; `reconcile(shop)` enqueues it again. Every job it enqueues is idempotent and
enqueued only when no job with its id is waiting or running, so reconciling is always safe.

What is still to do, per shop:
- supplier orders `scheduled` whose forward time has passed (the forward job was lost);
- parcels whose push is pending: new, or tracking changed since it was pushed;
- webhook receipts stored but never processed (e.g. a supplier store's fulfillment), except
  those set aside because they can never succeed as they are (domain/webhook_parking.py);
- fulfillment requests made in the Shopify admin that Relay never saw, and supplier answers
  that never reached Shopify (read from Shopify, a page per job: incoming.take_requests_page).

Run by the reconciliation sweep (jobs.sync.sweep, every few minutes) and at worker start.
Cheap when there is nothing to do: three indexed queries, and a listing of Shopify's assigned
fulfillment orders queued (one page per job, one listing waiting per shop at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from domain.clock import aware, utcnow
from domain.models.orders import Parcel, SupplierOrder
from domain.models.shop import Shop, WebhookReceipt
from domain.orders import sync_runs as order_sync_jobs
from extensions import db
from jobs import queues

# A receipt younger than this may still be on its way to the queue (intake commits, then
# enqueues); older and unprocessed with no job means its job was lost. A younger one is
# enqueued again only when its job exists and a dead worker had taken it.
RECEIPT_GRACE = timedelta(seconds=30)


@dataclass
class Reconciled:
    forwards: int = 0
    pushes: int = 0
    webhooks: int = 0
    admin_requests_listed: bool = False

    def __str__(self) -> str:
        listing = "admin requests listing queued" if self.admin_requests_listed else ""
        return (
            f"re-enqueued {self.forwards} forward(s), {self.pushes} push(es), "
            f"{self.webhooks} webhook(s); {listing or 'a listing was already waiting'}"
        )


def reconcile(shop: Shop) -> Reconciled:
    done = Reconciled()
    if not shop.is_installed:
        return done
    now = utcnow()
    for supplier_order_id in db.session.scalars(
        select(SupplierOrder.id).where(
            SupplierOrder.shop_id == shop.id,
            SupplierOrder.status == "scheduled",
            SupplierOrder.forward_at <= now,
        )
    ):
        done.forwards += (
            queues.enqueue_forward_unless_pending(supplier_order_id, shop_id=shop.id) is not None
        )
    for parcel_id in db.session.scalars(
        select(Parcel.id).where(Parcel.shop_id == shop.id, Parcel.push_status == "pending")
    ):
        done.pushes += queues.enqueue_push_parcel(parcel_id, shop_id=shop.id) is not None
    for receipt_id, received_at in db.session.execute(
        select(WebhookReceipt.id, WebhookReceipt.received_at).where(
            WebhookReceipt.shop_domain == shop.domain,
            WebhookReceipt.processed_at.is_(None),
            WebhookReceipt.parked_at.is_(None),  # set aside: only the merchant re-runs it
        )
    ):
        if aware(received_at) <= now - RECEIPT_GRACE:
            job = queues.enqueue_webhook_unless_pending(receipt_id, shop.domain)
        else:  # its intake may still be enqueueing it: only a job a dead worker took
            job = queues.enqueue_webhook_if_lost(receipt_id, shop.domain)
        done.webhooks += job is not None
    db.session.rollback()  # read-only
    if shop.fulfillment_location_gid:
        done.admin_requests_listed = queues.enqueue_take_admin_requests(shop.id, 0) is not None
    return done


def reconcile_every_shop_soon() -> int:
    """At worker start: one reconcile job per installed shop, and its sweep re-armed if its
    chain broke (a sweep killed mid-run has no retry: it lands in the failed registry)."""
    shop_ids = db.session.scalars(
        select(Shop.id).where(
            Shop.access_token_encrypted.is_not(None), Shop.uninstalled_at.is_(None)
        )
    ).all()
    db.session.rollback()
    for shop_id in shop_ids:
        queues.rearm_sweep(shop_id, order_sync_jobs.SWEEP_INTERVAL.total_seconds())
    return sum(queues.enqueue_reconcile(shop_id) is not None for shop_id in shop_ids)
