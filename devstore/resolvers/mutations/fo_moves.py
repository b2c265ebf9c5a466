"""Rearranging fulfillment orders: fulfillmentOrderMove, fulfillmentOrderSplit,
fulfillmentOrderMerge; and their schedule: fulfillmentOrderOpen, fulfillmentOrderReschedule."""

from __future__ import annotations

from functools import partial

from devstore import commerce
from devstore.commerce import parse_gid
from devstore.resolvers.views.fulfillment import fulfillment_order_view


def move(ctx, id, newLocationId, fulfillmentOrderLineItems=None):
    result = commerce.move_fulfillment_order(
        ctx.store,
        ctx.shop,
        parse_gid(id, "FulfillmentOrder"),
        new_location_id=parse_gid(newLocationId, "Location"),
        line_items=fulfillmentOrderLineItems,
    )
    return {
        "originalFulfillmentOrder": fulfillment_order_view(ctx, result["original"]),
        "movedFulfillmentOrder": fulfillment_order_view(ctx, result["moved"]),
        "remainingFulfillmentOrder": result["remaining"]
        and fulfillment_order_view(ctx, result["remaining"]),
        "userErrors": [],
    }


def split(ctx, fulfillmentOrderSplits):
    results = [
        commerce.split_fulfillment_order(
            ctx.store,
            ctx.shop,
            parse_gid(each["fulfillmentOrderId"], "FulfillmentOrder"),
            each["fulfillmentOrderLineItems"],
        )
        for each in fulfillmentOrderSplits
    ]
    return {
        "fulfillmentOrderSplits": [
            {
                "fulfillmentOrder": fulfillment_order_view(ctx, r["fulfillment_order"]),
                "remainingFulfillmentOrder": fulfillment_order_view(ctx, r["remaining"]),
                "replacementFulfillmentOrder": None,
            }
            for r in results
        ],
        "userErrors": [],
    }


def merge(ctx, fulfillmentOrderMergeInputs):
    results = [
        commerce.merge_fulfillment_orders(ctx.store, ctx.shop, each["mergeIntents"])
        for each in fulfillmentOrderMergeInputs
    ]
    return {
        "fulfillmentOrderMerges": [
            {"fulfillmentOrder": fulfillment_order_view(ctx, r["fulfillment_order"])}
            for r in results
        ],
        "userErrors": [],
    }


def open_(ctx, id):
    fo = commerce.open_fulfillment_order(ctx.store, ctx.shop, parse_gid(id, "FulfillmentOrder"))
    return {"fulfillmentOrder": fulfillment_order_view(ctx, fo), "userErrors": []}


def reschedule(ctx, id, fulfillAt):
    fo = commerce.reschedule_fulfillment_order(
        ctx.store, ctx.shop, parse_gid(id, "FulfillmentOrder"), fulfillAt
    )
    return {"fulfillmentOrder": fulfillment_order_view(ctx, fo), "userErrors": []}


def fields(ctx) -> dict:
    return {
        "fulfillmentOrderOpen": partial(open_, ctx),
        "fulfillmentOrderReschedule": partial(reschedule, ctx),
        "fulfillmentOrderMove": partial(move, ctx),
        "fulfillmentOrderSplit": partial(split, ctx),
        "fulfillmentOrderMerge": partial(merge, ctx),
    }
