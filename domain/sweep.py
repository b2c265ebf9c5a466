"""The shop's sweep, every few minutes, and reconciliation at worker start.

A sweep pulls what changed in the store since the last one (domain.orders.sync_runs), pays
suppliers whose payout delay is over, expires refunds whose answer never came, and re-enqueues
what lost jobs left half-done (domain.fulfillment.recovery, domain.cancellations.intake). It
re-arms itself; one sweep is scheduled per shop (a fixed job id)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import SYNC, background, defer
from domain.cancellations import intake as cancellation_intake
from domain.fulfillment import recovery
from domain.models.shop import Shop
from domain.money import refunds, supplier_ledger
from domain.orders import sync_runs
from domain.shop import subscriptions
from domain.transaction import unit_of_work
from extensions import db

SWEEP_INTERVAL = timedelta(minutes=5)


# No retries: a failed sweep is re-armed by the next worker start or reconciliation.
@background(queue=SYNC, job_id="sweep-{0}", label=_l("Reconciliation sweep"), retry=None)
@unit_of_work
def sweep(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return "not installed; sweep not re-armed"
    run = sync_runs.start(shop, "sweep")
    supplier_ledger.release_due_payouts(shop)  # suppliers whose payout delay is over
    refunds.expire_stale_pending(shop)  # refunds whose answer from Shopify never came back
    # Once this is committed: the next sweep, and what lost jobs left half-done.
    defer(schedule, shop_id)
    recovery.reconcile_shop.once_after_commit(shop_id, shop_id=shop_id)
    if subscriptions.behind(shop):  # installed by a release that listened to fewer topics
        subscriptions.refresh.once_after_commit(shop_id, shop_id=shop_id)
    cancellation_intake.reconcile_shop.once_after_commit(shop_id, shop_id=shop_id)
    return f"sweep run {run.id}"


def schedule(shop_id: int) -> None:
    """The next sweep, one interval from now (the same job id: a reschedule, never a second)."""
    sweep.enqueue(shop_id, shop_id=shop_id, delay=SWEEP_INTERVAL.total_seconds())


def reconcile_every_shop_soon() -> int:
    """At worker start (and when Redis came back empty): one reconcile job per installed shop,
    and its sweep re-armed if its chain broke (a sweep killed mid-run has no retry: it lands in
    the failed registry)."""
    shop_ids = db.session.scalars(
        select(Shop.id).where(
            Shop.access_token_encrypted.is_not(None), Shop.uninstalled_at.is_(None)
        )
    ).all()
    db.session.rollback()
    for shop_id in shop_ids:
        if not sweep.is_pending(shop_id):
            schedule(shop_id)
    return sum(
        recovery.reconcile_shop.enqueue_once(shop_id, shop_id=shop_id) is not None
        for shop_id in shop_ids
    )
