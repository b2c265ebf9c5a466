"""Cancellation jobs: the store's side of a request, the automatic cancellation at its
deadline, and the sweep's fallback. Ids in, idempotent (see the domain modules)."""

from __future__ import annotations

from domain.cancellations import intake as cancellation_intake
from domain.cancellations import lifecycle as cancellations
from domain.cancellations import push as cancellation_push
from domain.models.shop import Shop
from extensions import db
from jobs.runtime import job


@job
def carry_out(request_id: int) -> str:
    return cancellation_push.carry_out(request_id)


@job
def auto_cancel(request_id: int) -> str:
    return cancellations.auto_cancel_if_due(request_id)


@job
def reconcile(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        return "no such shop"
    return str(cancellation_intake.reconcile(shop))
