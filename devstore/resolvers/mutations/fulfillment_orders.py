"""Fulfillment-order mutations: fulfillment and cancellation requests, holds, cancel."""

from __future__ import annotations

from functools import partial

from devstore import commerce
from devstore.commerce import parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.fulfillment import fulfillment_order_view, hold_view


def _fo_id(value: str) -> int:
    return parse_gid(value, "FulfillmentOrder")


def _payload(ctx: Context, doc: dict, **extra) -> dict:
    return {"fulfillmentOrder": fulfillment_order_view(ctx, doc), "userErrors": [], **extra}


def submit_request(ctx, id, message=None, notifyCustomer=None, fulfillmentOrderLineItems=None):
    result = commerce.submit_fulfillment_request(
        ctx.store,
        ctx.shop,
        _fo_id(id),
        message=message,
        notify_customer=bool(notifyCustomer),
        line_items=fulfillmentOrderLineItems,
    )
    return {
        "originalFulfillmentOrder": fulfillment_order_view(ctx, result["original"]),
        "submittedFulfillmentOrder": fulfillment_order_view(ctx, result["submitted"]),
        "unsubmittedFulfillmentOrder": result["unsubmitted"]
        and fulfillment_order_view(ctx, result["unsubmitted"]),
        "userErrors": [],
    }


def accept_request(ctx, id, message=None, estimatedShippedAt=None):
    fo = commerce.accept_fulfillment_request(ctx.store, ctx.shop, _fo_id(id), message=message)
    return _payload(ctx, fo)


def reject_request(ctx, id, reason=None, message=None, lineItems=None):
    fo = commerce.reject_fulfillment_request(
        ctx.store, ctx.shop, _fo_id(id), reason=reason, message=message
    )
    return _payload(ctx, fo)


def _answer_with(move):
    """A cancellation-request mutation: (id, message) -> the fulfillment order after `move`."""

    def run(ctx, id, message=None):
        return _payload(ctx, move(ctx.store, ctx.shop, _fo_id(id), message=message))

    return run


def hold(ctx, id, fulfillmentHold):
    result = commerce.hold_fulfillment_order(
        ctx.store,
        ctx.shop,
        _fo_id(id),
        reason=fulfillmentHold["reason"],
        reason_notes=fulfillmentHold.get("reasonNotes"),
        handle=fulfillmentHold.get("handle") or "",
        client_id=ctx.client_id,
        line_items=fulfillmentHold.get("fulfillmentOrderLineItems") or None,
    )
    return _payload(
        ctx,
        result["fulfillment_order"],
        fulfillmentHold=hold_view(ctx, result["hold"]),
        remainingFulfillmentOrder=result["remaining"]
        and fulfillment_order_view(ctx, result["remaining"]),
    )


def release_hold(ctx, id, holdIds=None, externalId=None):
    fo = commerce.release_hold(
        ctx.store,
        ctx.shop,
        _fo_id(id),
        hold_ids=[parse_gid(h, "FulfillmentHold") for h in holdIds or []] or None,
    )
    return _payload(ctx, fo)


def cancel(ctx, id):
    result = commerce.cancel_fulfillment_order(ctx.store, ctx.shop, _fo_id(id))
    return _payload(
        ctx,
        result["fulfillment_order"],
        replacementFulfillmentOrder=fulfillment_order_view(ctx, result["replacement"]),
    )


def fields(ctx: Context) -> dict:
    return {
        "fulfillmentOrderSubmitFulfillmentRequest": partial(submit_request, ctx),
        "fulfillmentOrderAcceptFulfillmentRequest": partial(accept_request, ctx),
        "fulfillmentOrderRejectFulfillmentRequest": partial(reject_request, ctx),
        "fulfillmentOrderSubmitCancellationRequest": partial(
            _answer_with(commerce.submit_cancellation_request), ctx
        ),
        "fulfillmentOrderAcceptCancellationRequest": partial(
            _answer_with(commerce.accept_cancellation_request), ctx
        ),
        "fulfillmentOrderRejectCancellationRequest": partial(
            _answer_with(commerce.reject_cancellation_request), ctx
        ),
        "fulfillmentOrderHold": partial(hold, ctx),
        "fulfillmentOrderReleaseHold": partial(release_hold, ctx),
        "fulfillmentOrderCancel": partial(cancel, ctx),
    }
