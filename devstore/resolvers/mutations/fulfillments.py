"""Fulfillment mutations: fulfillmentCreate and fulfillmentTrackingInfoUpdate."""

from __future__ import annotations

from functools import partial

from devstore import commerce
from devstore.commerce import UserError, parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.fulfillment import fulfillment_view


def _tracking(tracking: dict) -> dict:
    """FulfillmentTrackingInput: the first of `numbers`/`urls` stands in for `number`/`url`."""
    if tracking.get("url") and not str(tracking["url"]).startswith(("http://", "https://")):
        raise UserError("Tracking url is invalid", field=["fulfillment", "trackingInfo"])
    return {
        "company": tracking.get("company"),
        "number": tracking.get("number") or (tracking.get("numbers") or [None])[0],
        "url": tracking.get("url") or (tracking.get("urls") or [None])[0],
    }


def create(ctx, fulfillment, message=None):
    groups = [
        {
            "fulfillment_order_id": parse_gid(g["fulfillmentOrderId"], "FulfillmentOrder"),
            "line_items": g.get("fulfillmentOrderLineItems"),
        }
        for g in fulfillment["lineItemsByFulfillmentOrder"]
    ]
    doc = commerce.create_fulfillment(
        ctx.store,
        ctx.shop,
        by_fulfillment_order=groups,
        tracking=_tracking(fulfillment.get("trackingInfo") or {}),
        notify_customer=bool(fulfillment.get("notifyCustomer")),
        client_id=ctx.client_id,
    )
    return {"fulfillment": fulfillment_view(ctx, doc), "userErrors": []}


def update_tracking(ctx, fulfillmentId, trackingInfoInput, notifyCustomer=None):
    doc = commerce.update_tracking(
        ctx.store,
        ctx.shop,
        parse_gid(fulfillmentId, "Fulfillment"),
        tracking={
            "company": trackingInfoInput.get("company"),
            "number": trackingInfoInput.get("number"),
            "url": trackingInfoInput.get("url"),
        },
        notify_customer=bool(notifyCustomer),
    )
    return {"fulfillment": fulfillment_view(ctx, doc), "userErrors": []}


def fields(ctx: Context) -> dict:
    return {
        "fulfillmentCreate": partial(create, ctx),
        "fulfillmentTrackingInfoUpdate": partial(update_tracking, ctx),
    }
