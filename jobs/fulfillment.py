"""Fulfillment jobs: forward after the hold window, answer Shopify, push parcels. Ids in,
idempotent (see the domain modules for how each survives a retry)."""

from __future__ import annotations

from domain.fulfillment import forwarding, tracking_push
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
