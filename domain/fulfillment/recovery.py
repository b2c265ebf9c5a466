"""Nothing lost when a job is: a worker killed mid-job, a web process killed between storing a
webhook and enqueueing it, retries that ran out during a long outage. The database says what
is still to do; `reconcile(shop)` enqueues it again. Every job it enqueues is idempotent and
enqueued only when no job with its id is waiting or running, so reconciling is always safe.

What is still to do, per shop:
- supplier orders `scheduled` whose forward time has passed (the forward job was lost);
- scheduled deliveries Shopify opened that were not sent yet (`supplier_deliveries` rows);
- parcels whose push is pending: new, or tracking changed since it was pushed;
- webhook receipts stored but never processed (e.g. a supplier store's fulfillment), except
  those set aside because they can never succeed as they are (domain/webhooks/parking.py);
- fulfillment requests made in the Shopify admin that Relay never saw, and supplier answers
  that never reached Shopify (read from Shopify, a page per job: incoming.take_requests_page).

Run by the reconciliation sweep (domain.sweep, every few minutes) and at worker start.
Cheap when there is nothing to do: three indexed queries, and a listing of Shopify's assigned
fulfillment orders queued (one page per job, one listing waiting per shop at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import SYNC, background
from domain import states
from domain.clock import aware, utcnow
from domain.fulfillment import forwarding, incoming, schedule_events, tracking_push
from domain.models.orders import SupplierOrder
from domain.models.shipments import (
    Parcel,
    SupplierDelivery,
)
from domain.models.shop import Shop, WebhookReceipt
from domain.webhooks import intake
from extensions import db

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


@background(
    queue=SYNC,
    job_id="reconcile-{0}",
    label=_l("Resume work that a stopped job left unfinished"),
)
def reconcile_shop(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        return "no such shop"
    return str(reconcile(shop))


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
            forwarding.forward.enqueue_once(supplier_order_id, shop_id=shop.id) is not None
        )
    for supplier_order_id, fo_gid in db.session.execute(
        select(SupplierDelivery.supplier_order_id, SupplierDelivery.fulfillment_order_gid)
        .join(SupplierOrder, SupplierOrder.id == SupplierDelivery.supplier_order_id)
        .where(
            SupplierDelivery.shop_id == shop.id,
            SupplierDelivery.forwarded_at.is_(None),  # opened in Shopify, not sent yet
            SupplierOrder.status.in_(states.WITH_SUPPLIER),
        )
    ):
        done.forwards += (
            schedule_events.forward_delivery.enqueue_once(
                supplier_order_id,
                fo_gid,
                id_parts={"fo": fo_gid.rsplit("/", 1)[-1]},
                shop_id=shop.id,
            )
            is not None
        )
    for parcel_id in db.session.scalars(
        select(Parcel.id).where(Parcel.shop_id == shop.id, Parcel.push_status == "pending")
    ):
        done.pushes += (
            tracking_push.push_parcel.enqueue_once(parcel_id, shop_id=shop.id) is not None
        )
    for receipt_id, received_at in db.session.execute(
        select(WebhookReceipt.id, WebhookReceipt.received_at).where(
            WebhookReceipt.shop_domain == shop.domain,
            WebhookReceipt.processed_at.is_(None),
            WebhookReceipt.parked_at.is_(None),  # set aside: only the merchant re-runs it
        )
    ):
        if aware(received_at) <= now - RECEIPT_GRACE:
            job = intake.process.enqueue_once(receipt_id, shop_domain=shop.domain)
        else:  # its intake may still be enqueueing it: only a job a dead worker took
            job = intake.process.enqueue_if_lost(receipt_id, shop_domain=shop.domain)
        done.webhooks += job is not None
    db.session.rollback()  # read-only
    if shop.fulfillment_location_gid:
        done.admin_requests_listed = incoming.list_admin_requests_soon(shop.id, 0) is not None
    return done
