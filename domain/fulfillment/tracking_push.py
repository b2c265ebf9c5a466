"""Jobs that write the supplier's side to the store: the answer to a fulfillment request, and
each parcel as a fulfillment with tracking (notifying the customer).

Retry-safe: a fulfillment created by a run that died before saving its id is found again in
the order's fulfillments (same lines, same tracking number) and adopted, not created twice.
Shopify refusing (userErrors) is shown to the merchant and not retried; transport and throttle
errors escape to RQ, which retries them.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import select

from background import PUSH, background
from domain.clock import aware, utcnow
from domain.fulfillment import fulfillment_orders
from domain.models.cancellations import CancellationRequest
from domain.models.orders import SupplierOrder
from domain.models.shipments import Parcel
from domain.models.shop import Shop
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db, redis_connection
from integrations.shopify_admin.errors import ShopifyGraphQLError, ShopifyUserError
from integrations.shopify_admin.gateway import cancellations as cancellation_gateway
from integrations.shopify_admin.gateway import fulfillment as fo_gateway

log = logging.getLogger("relay.tracking_push")
ANSWERED = ("in_progress", "partially_shipped", "shipped", "declined")
ACCEPTANCE_REFUSED = N_(
    "Shopify refused the supplier's acceptance: the request for these items is no longer "
    "open in the store (declined or cancelled there). Check with the supplier before it ships."
)
# How long the push's Redis marks are kept: longer than every retry and recovery of a push
# (without them a push reads the order first, as a retry does, and adopts what it finds).
MEMORY = 30 * 24 * 3600
ATTEMPT_KEY, ACCEPTED_KEY = "push-attempt", "request-accepted"
# A cancellation request that a shipment overtook is declined with this reason.
SHIPPED_INSTEAD = N_("The supplier shipped the order instead of cancelling it.")


@background(
    queue=PUSH,
    job_id="answer-request-{0}",
    label=_l("Answer a fulfillment request in the store"),
)
@unit_of_work
def answer_request(supplier_order_id: int) -> str:
    """Accept or reject the fulfillment order at Relay's location, as the supplier answered."""
    supplier_order = db.session.get(SupplierOrder, supplier_order_id)
    if supplier_order is None or supplier_order.status not in ANSWERED:
        return "nothing to answer"
    shop = db.session.get(Shop, supplier_order.shop_id)
    if not shop.is_installed:
        return "not installed"
    client = tokens.admin_client(shop)
    refusal = None
    if supplier_order.status != "declined" and supplier_order.fulfillment_order_gid:
        # The usual case: the request Relay submitted is accepted without reading it first.
        try:
            fo_gateway.accept_request(
                client, supplier_order.fulfillment_order_gid, "Accepted by the supplier"
            )
            _remember(ACCEPTED_KEY, supplier_order.id)
            return "answered 1"
        except ShopifyUserError as exc:
            refusal = str(exc)  # answered already, or not that one: look at what is submitted
    at_relay = fulfillment_orders.at_relays_location(client, shop, supplier_order)
    pending = [fo for fo in at_relay if fo.request_status == "SUBMITTED"]
    if any(fo.status == "ON_HOLD" for fo in pending):
        # Held in Shopify: not a refusal; answered when Shopify releases it (store_holds).
        return "waiting for the hold's release"
    if refusal and not pending and not any(fo.request_status == "ACCEPTED" for fo in at_relay):
        return _acceptance_refused(supplier_order, refusal)
    try:
        for fo in pending:
            if supplier_order.status == "declined":
                fo_gateway.reject_request(
                    client,
                    fo.gid,
                    supplier_order.decline_reason_code or "OTHER",
                    supplier_order.decline_reason or "Declined",
                )
            else:
                fo_gateway.accept_request(client, fo.gid, "Accepted by the supplier")
    except ShopifyUserError as exc:
        supplier_order.problem = str(exc)
        return f"refused: {exc}"
    if supplier_order.status != "declined" and at_relay:
        _remember(ACCEPTED_KEY, supplier_order.id)
    return f"answered {len(pending)}"


def _acceptance_refused(supplier_order: SupplierOrder, refusal: str) -> str:
    """The supplier accepted, but Shopify holds no request of its items to accept (declined
    or cancelled in the store meanwhile): never silent, the merchant is shown Shopify's word."""
    supplier_order.problem = ACCEPTANCE_REFUSED
    timeline.record(
        supplier_order.order,
        EventKind.STORE_REFUSED_ANSWER,
        N_("Shopify refused %(supplier)s's acceptance: %(reason)s"),
        actor="shopify",
        supplier=supplier_order.supplier.name if supplier_order.supplier else "",
        reason=refusal,
    )
    log.warning("acceptance of supplier order %s refused: %s", supplier_order.id, refusal)
    return f"refused: {refusal}"


# Tracking is what the customer waits for: ahead of the webhooks already waiting.
@background(
    queue=PUSH, job_id="push-parcel-{0}", label=_l("Send tracking to the store"), at_front=True
)
@unit_of_work
def push_parcel(parcel_id: int) -> str:
    shop_id = db.session.scalar(select(Parcel.shop_id).where(Parcel.id == parcel_id))
    shop = db.session.get(Shop, shop_id) if shop_id is not None else None
    if shop is None or not shop.is_installed:
        return "gone" if shop is None else "not installed"
    client = tokens.admin_client(shop)
    parcel = db.session.get(Parcel, parcel_id, with_for_update=True, populate_existing=True)
    if parcel is None:
        return "gone"
    supplier_order = parcel.supplier_order
    tracking = _tracking_input(parcel)
    try:
        if parcel.shopify_fulfillment_gid:
            if parcel.pushed_tracking == tracking:
                if parcel.push_status != "pushed":  # e.g. changed, then changed back
                    parcel.push_status, parcel.push_error = "pushed", None
                return "up to date"
            fo_gateway.update_tracking(client, parcel.shopify_fulfillment_gid, tracking or {}, True)
            outcome = "tracking updated"
        else:
            parcel.shopify_fulfillment_gid = _adopt_or_create(client, shop, parcel, tracking)
            outcome = "fulfillment created"
    except (ShopifyUserError, ShopifyGraphQLError) as exc:
        return _rejected(parcel, str(exc))
    parcel.pushed_tracking = tracking
    parcel.push_status, parcel.push_error = "pushed", None
    parcel.pushed_at = utcnow()
    parcel.pushed_latency_ms = int(
        (parcel.pushed_at - aware(parcel.created_at)).total_seconds() * 1000
    )
    timeline.record(
        supplier_order.order,
        EventKind.TRACKING_PUSHED,
        N_("Fulfillment sent to the store; the customer was notified"),
        fulfillment=parcel.shopify_fulfillment_gid,
    )
    return outcome


def _tracking_input(parcel: Parcel) -> dict | None:
    if parcel.kind != "tracked":
        return None
    tracking = {
        "number": parcel.tracking_number,
        "company": parcel.carrier,
        "url": parcel.tracking_url,
    }
    return {k: v for k, v in tracking.items() if v}


def _adopt_or_create(client, shop: Shop, parcel: Parcel, tracking: dict | None) -> str:
    """The parcel's fulfillment: created straight from the fulfillment order lines the last
    sync stored (one mutation, 10 points), unless an earlier attempt may have created it
    already or Shopify refuses that; then the order's fulfillments are read (adopting the one
    an earlier attempt made) and the parcel is allocated on what the store holds now."""
    plan = _stored_plan(parcel)
    if plan is not None and _known(ACCEPTED_KEY, parcel.supplier_order_id):
        plan = plan if _remember(ATTEMPT_KEY, parcel.id) else None  # first attempt only
    else:
        plan = None  # not known to be accepted: the read path accepts the request first
    if plan is not None:
        try:
            return fo_gateway.create_fulfillment(client, plan, tracking, True)
        except (ShopifyUserError, ShopifyGraphQLError) as exc:  # nothing was created
            log.info("parcel %s: stored lines refused (%s); reading the order", parcel.id, exc)
    return _read_then_adopt_or_create(client, shop, parcel, tracking)


def _stored_plan(parcel: Parcel) -> dict[str, dict[str, int]] | None:
    """Fulfillment order gid -> {its line gid: quantity} for the parcel, from the lines' stored
    places; None when one is unknown, or when a cancellation request was ever made for the
    part (the read path answers it in the store before the fulfillment: _allocate)."""
    supplier_order = parcel.supplier_order
    if db.session.scalar(
        select(CancellationRequest.id)
        .where(CancellationRequest.supplier_order_id == supplier_order.id)
        .limit(1)
    ):
        return None
    plan: dict[str, dict[str, int]] = {}
    for line in parcel.lines:
        item = line.line_item
        if not (item.fulfillment_order_gid and item.fulfillment_order_line_gid):
            return None
        lines, fo_line = (
            plan.setdefault(item.fulfillment_order_gid, {}),
            item.fulfillment_order_line_gid,
        )
        lines[fo_line] = lines.get(fo_line, 0) + line.quantity
    return plan or None


def _remember(kind: str, row_id: int) -> bool:
    """Marks a fact in Redis, seen by every worker: ATTEMPT_KEY, set before the mutation, that
    a fulfillment may be created for this parcel (False when an earlier attempt was marked: it
    may have created it and died before storing its id, so the order is read to adopt it);
    ACCEPTED_KEY, that the store accepted this supplier order's request. False when Redis
    cannot say (the read path is always correct, only dearer)."""
    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "")
    try:
        return bool(redis_connection().set(f"relay:{prefix}{kind}:{row_id}", 1, nx=True, ex=MEMORY))
    except RedisError:
        return False


def _known(kind: str, row_id: int) -> bool:
    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "")
    try:
        return bool(redis_connection().exists(f"relay:{prefix}{kind}:{row_id}"))
    except RedisError:
        return False


def _read_then_adopt_or_create(client, shop: Shop, parcel: Parcel, tracking: dict | None) -> str:
    order = parcel.supplier_order.order
    want = {line.line_item.shopify_gid: line.quantity for line in parcel.lines}
    claimed = {
        p.shopify_fulfillment_gid
        for so in order.supplier_orders
        for p in so.parcels
        if p.shopify_fulfillment_gid
    }
    number = (tracking or {}).get("number")
    fulfillments, fulfillment_orders = fo_gateway.fulfillment_state(client, order.shopify_gid)
    for fulfillment in fulfillments:
        if (
            fulfillment.gid not in claimed
            and fulfillment.line_quantities == want
            and (
                number in fulfillment.tracking_numbers
                if number
                else not fulfillment.tracking_numbers
            )
        ):
            log.info("adopting fulfillment %s for parcel %s", fulfillment.gid, parcel.id)
            return fulfillment.gid
    by_fulfillment_order = _allocate(client, shop, fulfillment_orders, want)
    return fo_gateway.create_fulfillment(client, by_fulfillment_order, tracking, True)


def _allocate(client, shop: Shop, fulfillment_orders, want: dict[str, int]) -> dict:
    """Spread the parcel's quantities over the fulfillment orders that still hold them,
    accepting a request at Relay's location first if it is still only submitted."""
    left = dict(want)
    plan: dict[str, dict[str, int]] = {}
    for fo in fulfillment_orders:
        if fo.status not in ("OPEN", "IN_PROGRESS"):
            continue
        take = {}
        for line in fo.lines:
            qty = min(left.get(line.line_item_gid, 0), line.remaining_quantity)
            if qty > 0:
                take[line.gid] = qty
                left[line.line_item_gid] -= qty
        if not take:
            continue
        if fo.location_gid == shop.fulfillment_location_gid and fo.request_status == "SUBMITTED":
            fo_gateway.accept_request(client, fo.gid, "Accepted by the supplier")
        if fo.location_gid == shop.fulfillment_location_gid and (
            fo.request_status == "CANCELLATION_REQUESTED"
        ):  # the supplier shipped instead: it answers the request before reporting the parcel
            cancellation_gateway.reject_cancellation_request(client, fo.gid, SHIPPED_INSTEAD)
        plan[fo.gid] = take
    if any(qty > 0 for qty in left.values()):
        raise ShopifyUserError(
            [
                {
                    "message": N_(
                        "These items are no longer open for fulfillment in the store "
                        "(already fulfilled, on hold or cancelled)."
                    )
                }
            ]
        )
    return plan


def _rejected(parcel: Parcel, reason: str) -> str:
    """The store refused: what this unit of work did is discarded; the refusal is what it
    commits instead."""
    parcel_id = parcel.id
    db.session.rollback()
    parcel = db.session.get(Parcel, parcel_id, with_for_update=True)
    parcel.push_status, parcel.push_error = "rejected", reason
    parcel.supplier_order.problem = reason
    timeline.record(
        parcel.supplier_order.order,
        EventKind.TRACKING_REJECTED,
        N_("The store refused the fulfillment: %(reason)s"),
        reason=reason,
    )
    return f"rejected: {reason}"


def retry_rejected(supplier_order: SupplierOrder, *, actor: str = "merchant") -> int:
    """The merchant sends the parcels Shopify refused again (a refused parcel is kept and
    shown, never dropped). Returns how many."""
    rejected = [p for p in supplier_order.parcels if p.push_status == "rejected"]
    for parcel in rejected:
        if supplier_order.problem == parcel.push_error:
            supplier_order.problem = None
        parcel.push_status, parcel.push_error = "pending", None
        push_parcel.after_commit(parcel.id, shop_id=supplier_order.shop_id)
    if rejected:
        timeline.record(
            supplier_order.order,
            EventKind.TRACKING_RETRIED,
            N_("Tracking sent to the store again"),
            actor=actor,
        )
    return len(rejected)
