"""The root fields: queries by resource, and the mutations (devstore.resolvers.mutations)."""

from __future__ import annotations

from graphql import GraphQLError

from devstore import bulk, commerce
from devstore.commerce import NotFound, gid, parse_gid
from devstore.resolvers import order_search
from devstore.resolvers.common import Context, connection
from devstore.resolvers.mutations import mutations
from devstore.resolvers.views import locations
from devstore.resolvers.views.fulfillment import (
    fulfillment_order_view,
    fulfillment_service_view,
    fulfillment_view,
)
from devstore.resolvers.views.orders import order_view
from devstore.resolvers.views.shop import shop_locales, shop_view, webhook_subscription_view

# assignedFulfillmentOrders(assignmentStatus:) as (status, request status).
_ASSIGNMENT_STATUSES = {
    None: None,
    "FULFILLMENT_REQUESTED": ("OPEN", "SUBMITTED"),
    "FULFILLMENT_ACCEPTED": ("IN_PROGRESS", "ACCEPTED"),
    "CANCELLATION_REQUESTED": ("IN_PROGRESS", "CANCELLATION_REQUESTED"),
    "FULFILLMENT_UNSUBMITTED": ("OPEN", "UNSUBMITTED"),
}


def _node(ctx: Context, global_id: str):
    kind = global_id.split("/")[3] if global_id.count("/") >= 4 else ""
    loaders = {
        "Order": lambda i: order_view(ctx, commerce.get_order(ctx.store, ctx.shop, i)),
        "FulfillmentOrder": lambda i: fulfillment_order_view(
            ctx, commerce.get_fulfillment_order(ctx.store, ctx.shop, i)
        ),
        "Fulfillment": lambda i: _fulfillment(ctx, i),
    }
    if kind not in loaders:
        return None
    try:
        return loaders[kind](parse_gid(global_id, kind))
    except NotFound:
        return None


def _fulfillment(ctx: Context, fulfillment_id: int):
    """A fulfillment of this shop's (another shop's is not found, as on Shopify)."""
    found = [
        f
        for f in ctx.store.peek("fulfillment", shop=ctx.shop)
        if str(f["id"]) == str(fulfillment_id)
    ]
    return fulfillment_view(ctx, found[0]) if found else None


def _fulfillment_orders(ctx: Context, *, includeClosed=False, **page) -> dict:
    return connection(
        [
            f
            for f in ctx.store.peek("fulfillment_order", shop=ctx.shop)
            if includeClosed or f["status"] != "CLOSED"
        ],
        lambda f: fulfillment_order_view(ctx, f),
        **page,
    )


def _assigned_fulfillment_orders(
    ctx: Context, *, assignmentStatus=None, locationIds=None, reverse=False, sortKey=None, **page
) -> dict:
    services = commerce.fulfillment_services_of(ctx.store, ctx.shop, ctx.client_id)
    if not services:
        raise GraphQLError(
            "The api_client is not associated with any fulfillment service.",
            extensions={"code": "ACCESS_DENIED"},
        )
    locations = {s["location_id"] for s in services}
    if locationIds:
        locations &= {parse_gid(i, "Location") for i in locationIds}
    wanted = _ASSIGNMENT_STATUSES[assignmentStatus]
    fos = [
        f
        for f in ctx.store.peek("fulfillment_order", shop=ctx.shop)
        if f["location_id"] in locations
        and f["status"] != "CLOSED"
        and (wanted is None or (f["status"], f["request_status"]) == wanted)
    ]
    return connection(fos, lambda f: fulfillment_order_view(ctx, f), reverse=reverse, **page)


def _fulfillment_service(ctx: Context, id: str) -> dict | None:
    found = ctx.store.find(
        "fulfillment_service",
        shop=ctx.shop,
        where=lambda f: gid("FulfillmentService", f["id"]) == id.split("?")[0],
    )
    return next((fulfillment_service_view(ctx, fs) for fs in found), None)


def _webhook_subscriptions(ctx: Context, *, topics=None, uri=None, callbackUrl=None, **page):
    subscriptions = ctx.store.find(
        "webhook_subscription", shop=ctx.shop, where=lambda s: s["client_id"] == ctx.client_id
    )
    return connection(
        [
            s
            for s in subscriptions
            if (not topics or s["topic"] in topics)
            and (not (uri or callbackUrl) or s["uri"] == (uri or callbackUrl))
        ],
        webhook_subscription_view,
        **page,
    )


def root(ctx: Context) -> dict:
    return {
        "shop": lambda info: shop_view(ctx),
        "shopLocales": lambda info, **args: shop_locales(ctx, **args),
        "orders": lambda info, **args: order_search.orders(ctx, **args),
        "ordersCount": lambda info, **args: order_search.orders_count(ctx, **args),
        **bulk.query_fields(ctx),
        "order": lambda info, id: _node(ctx, id) if "/Order/" in id else None,
        "node": lambda info, id: _node(ctx, id),
        "nodes": lambda info, ids: [_node(ctx, i) for i in ids],
        "fulfillmentOrder": lambda info, id: _node(ctx, id) if "/FulfillmentOrder/" in id else None,
        "fulfillment": lambda info, id: _node(ctx, id) if "/Fulfillment/" in id else None,
        "fulfillmentOrders": lambda info, **args: _fulfillment_orders(ctx, **args),
        "assignedFulfillmentOrders": lambda info, **args: _assigned_fulfillment_orders(ctx, **args),
        "fulfillmentService": lambda info, id: _fulfillment_service(ctx, id),
        "locations": lambda info, **args: locations.locations(ctx, **args),
        "location": lambda info, **args: locations.location(ctx, **args),
        "webhookSubscriptions": lambda info, **args: _webhook_subscriptions(ctx, **args),
        **mutations(ctx),
    }
