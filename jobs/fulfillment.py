"""Fulfillment jobs: forward after the hold window, answer Shopify, push parcels, reconcile what
lost jobs left behind. Ids in, idempotent (see the domain modules for how each survives a
retry)."""

from __future__ import annotations

from domain.fulfillment import forwarding, incoming, recovery, tracking_push
from domain.models.shop import Shop
from extensions import db
from jobs import queues
from jobs.runtime import job


@job
def forward(supplier_order_id: int) -> str:
    return forwarding.forward(supplier_order_id)


@job
def answer_request(supplier_order_id: int) -> str:
    return tracking_push.answer_request(supplier_order_id)


@job
def push_parcel(parcel_id: int) -> str:
    return tracking_push.push_parcel(parcel_id)


@job
def take_admin_requests(shop_id: int, cursor: str | None = None) -> str:
    """One page of the requests assigned to Relay; the next page is a job of its own."""
    if cursor is None:
        queues.admin_requests_listing_started(shop_id)
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed or not shop.fulfillment_location_gid:
        return "not installed"
    taken, next_cursor = incoming.take_requests_page(shop, cursor)
    if next_cursor is not None:
        queues.enqueue_admin_requests_page(shop_id, next_cursor)
    return f"{taken} request(s) taken" + (", next page queued" if next_cursor else "")


@job
def reconcile(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        return "no such shop"
    return str(recovery.reconcile(shop))
