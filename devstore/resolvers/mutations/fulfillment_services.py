"""fulfillmentServiceCreate, fulfillmentServiceUpdate."""

from __future__ import annotations

from functools import partial

from devstore import commerce
from devstore.commerce import parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.fulfillment import fulfillment_service_view


def create(
    ctx,
    name,
    callbackUrl=None,
    trackingSupport=None,
    inventoryManagement=None,
    requiresShippingMethod=None,
    fulfillmentOrdersOptIn=None,
):
    fs = commerce.create_fulfillment_service(
        ctx.store,
        ctx.shop,
        client_id=ctx.client_id,
        name=name,
        callback_url=callbackUrl,
        tracking_support=bool(trackingSupport),
        inventory_management=bool(inventoryManagement),
    )
    return {"fulfillmentService": fulfillment_service_view(ctx, fs), "userErrors": []}


def update(
    ctx,
    id,
    name=None,
    callbackUrl=None,
    trackingSupport=None,
    inventoryManagement=None,
    requiresShippingMethod=None,
    fulfillmentOrdersOptIn=None,
):
    fs = commerce.update_fulfillment_service(
        ctx.store,
        ctx.shop,
        client_id=ctx.client_id,
        service_id=parse_gid(id, "FulfillmentService"),
        changes={
            "name": name,
            "callback_url": callbackUrl,
            "tracking_support": trackingSupport,
            "inventory_management": inventoryManagement,
        },
    )
    return {"fulfillmentService": fulfillment_service_view(ctx, fs), "userErrors": []}


def fields(ctx: Context) -> dict:
    return {
        "fulfillmentServiceCreate": partial(create, ctx),
        "fulfillmentServiceUpdate": partial(update, ctx),
    }
