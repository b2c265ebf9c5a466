"""The forward job: once the hold window is over, send a supplier order to its supplier.

Safe to run twice and to be killed at any point: the row is locked and must still be
`scheduled`; Shopify's fulfillment order is only submitted when it is not already; the
supplier-store order is looked up by its reference tag before one is created. So a retry
finishes the work of a killed run instead of repeating it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from background import PUSH, background
from domain import states
from domain.clock import aware, utcnow
from domain.fulfillment import channels, fulfillment_orders, locations, schedules
from domain.models.orders import SupplierOrder
from domain.models.shop import Shop
from domain.notices import to_suppliers
from domain.orders import paid, store_changes, timeline
from domain.orders.timeline import N_, EventKind
from domain.payments import automatic, gate
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyGraphQLError, ShopifyUserError
from integrations.shopify_admin.gateway import fulfillment as fo_gateway

log = logging.getLogger("relay.forwarding")
# Open: its items can be sent (once a hold is released). SCHEDULED ones are later deliveries,
# sent when Shopify opens them (schedules.py).
OPEN_FO_STATUSES = ("OPEN", "IN_PROGRESS", "ON_HOLD")
SUBMITTABLE = ("UNSUBMITTED", "REJECTED")
NOTHING_OPEN = N_(
    "Nothing is left to fulfill in the store for these items: they were fulfilled or "
    "cancelled in Shopify. Nothing was sent to the supplier."
)


PAY_FIRST = "pay first"
WAITING_FOR_PAYMENT = "waiting for payment to the supplier"


# One job id per supplier order: enqueueing again (a release, a new request) reschedules the
# same job, never adds one.
@background(queue=PUSH, job_id="forward-{0}", label=_l("Forward an order to its supplier"))
def forward(supplier_order_id: int) -> str:
    """Send it; for a supplier paid automatically, charge the saved method first (in units of
    its own, so the payment row exists before money moves: domain/payments/automatic.py)."""
    result = _forward(supplier_order_id, charge_first=True)
    if result != PAY_FIRST:
        return result
    payment_id = automatic.payment_due(supplier_order_id)
    if payment_id is not None:
        automatic.charge(payment_id)
    result = _forward(supplier_order_id, charge_first=False)
    return WAITING_FOR_PAYMENT if result == PAY_FIRST else result


@unit_of_work
def _forward(supplier_order_id: int, *, charge_first: bool) -> str:
    supplier_order = db.session.get(
        SupplierOrder, supplier_order_id, with_for_update=True, populate_existing=True
    )
    if supplier_order is None or supplier_order.status != "scheduled":
        return "skipped: not scheduled"
    if _rescheduled(supplier_order):
        return "rescheduled"
    order = supplier_order.order
    shop = db.session.get(Shop, order.shop_id)
    if not shop.is_installed:
        return "skipped: not installed"
    refusal = store_changes.never_forwarded(order) or _refusal(supplier_order)
    if refusal:
        return _failed(supplier_order_id, refusal)
    if _unpaid(supplier_order, charge_first) == WAITING_FOR_PAYMENT:
        return WAITING_FOR_PAYMENT  # before any call to Shopify: recovery re-runs it often
    client = tokens.admin_client(shop)
    in_store = fo_gateway.fulfillment_orders_of(client, order.shopify_gid)
    # Shopify's word on who ships each line, read now: a line the store ships (another
    # location, pickup, no shipping, a gift card) is never sent, even when its SKU is mapped.
    locations.apply(shop, order, in_store)
    if supplier_order not in order.supplier_orders or supplier_order.status != "scheduled":
        return "skipped: the store ships these items"
    lines = [line for line in supplier_order.line_items if line.quantity > 0]
    holding = _holding_at_relays_location(shop, supplier_order, in_store)
    open_in_store = [fo for fo in holding if fo.status in OPEN_FO_STATUSES]
    later = schedules.scheduled(holding)
    if not open_in_store and later:
        at = schedules.wait_for_delivery(supplier_order, later)
        forward.after_commit(supplier_order.id, at=at, shop_id=supplier_order.shop_id)
        return "waiting for its scheduled delivery"
    if not open_in_store:
        # Fulfilled, cancelled or removed in Shopify since it was requested (the order
        # webhook may not have reached Relay yet): Shopify's word wins, nothing is sent.
        return _failed(supplier_order_id, NOTHING_OPEN)
    held = [fo for fo in open_in_store if fo.status == "ON_HOLD"]
    if held:
        _record_store_holds(client, supplier_order, held)
        return _held_in_store(supplier_order)
    # With deliveries scheduled, only what is due now goes (the rest when Shopify opens it).
    due = schedules.due_quantities(supplier_order, open_in_store) if later else None
    if unpaid := _unpaid(supplier_order, charge_first):
        return unpaid
    try:
        channels.require_address(order)
        supplier_order.fulfillment_order_gid = _submit(client, shop, lines, open_in_store)
        channels.dispatch(shop, supplier_order, due)
    except (ShopifyUserError, ShopifyGraphQLError) as exc:
        return _failed(supplier_order_id, str(exc))
    except channels.CannotForward as exc:
        return _failed(supplier_order_id, exc.message)
    supplier_order.scheduled_for = None
    if later:
        schedules.record_deliveries(
            supplier_order, open_in_store, supplier_order.fulfillment_order_gid
        )
    _record_forwarded(shop, supplier_order)
    return "forwarded"


def _rescheduled(supplier_order: SupplierOrder) -> bool:
    """Rescheduled since this job was queued (a release, a new request): wait for it."""
    forward_at = aware(supplier_order.forward_at)
    if forward_at and forward_at > utcnow() + timedelta(seconds=1):
        forward.enqueue(supplier_order.id, at=forward_at, shop_id=supplier_order.shop_id)
        return True
    return False


def _unpaid(supplier_order: SupplierOrder, charge_first: bool) -> str | None:
    """Not sent unpaid: Pay now (or the automatic charge, first) sends it once paid."""
    if not gate.must_pay_first(supplier_order):
        return None
    # Charged automatically once; a failed automatic payment waits for Pay now.
    automatic_now = (
        charge_first
        and supplier_order.supplier.pays_automatically
        and supplier_order.payment_failure is None
    )
    return PAY_FIRST if automatic_now else WAITING_FOR_PAYMENT


def _holding_at_relays_location(shop: Shop, supplier_order: SupplierOrder, in_store) -> list:
    """This supplier's fulfillment orders at Relay's location with something left to fulfill."""
    wanted = {line.shopify_gid for line in supplier_order.line_items}
    return [
        fo
        for fo in in_store
        if fo.location_gid == shop.fulfillment_location_gid
        and any(line.line_item_gid in wanted and line.remaining_quantity > 0 for line in fo.lines)
    ]


def _record_store_holds(client, supplier_order: SupplierOrder, held) -> None:
    """The holds' reasons, so Shopify's release can release the part here too."""
    for fo in held:
        _, holds = fo_gateway.fulfillment_order_holds(client, fo.gid)
        kept = [h for h in supplier_order.store_holds or [] if h.get("fo") != fo.gid]
        supplier_order.store_holds = kept + fulfillment_orders.hold_records(fo.gid, holds)


TEST_ORDER_TO_STORE = N_(
    "This is a test order (Shopify's test gateway): it is never placed in a supplier's store. "
    "Portal and non auto-order suppliers get it marked as a test."
)
REFUNDED_IN_STORE = N_(
    "The order was refunded or its payment voided in the store: nothing was sent to the supplier."
)


def _refusal(supplier_order: SupplierOrder) -> str | None:
    """Why this part must not go to its supplier now, whatever was decided before."""
    order = supplier_order.order
    if order.test and supplier_order.supplier.channel == "store":
        return TEST_ORDER_TO_STORE
    if order.financial_status in paid.MONEY_RETURNED:
        return REFUNDED_IN_STORE
    return None


def _held_in_store(supplier_order: SupplierOrder) -> str:
    """A fulfillment order is on hold in Shopify: nothing is sent until the hold is released."""
    states.advance(supplier_order, "store_on_hold")
    timeline.record(
        supplier_order.order,
        EventKind.HELD_IN_STORE,
        N_("On hold in Shopify: not sent to %(supplier)s until the hold is released"),
        actor="shopify",
        supplier=supplier_order.supplier.name,
    )
    return "on hold in the store"


def _record_forwarded(shop: Shop, supplier_order: SupplierOrder) -> None:
    """Sent: the status, the timeline, an automatic payment, the channel's follow-up."""
    order = supplier_order.order
    supplier_order.forwarded_at = utcnow()
    supplier_order.problem = None
    states.advance(supplier_order, "forward")
    timeline.record(
        order,
        EventKind.FORWARDED,
        N_("Sent to %(supplier)s"),
        supplier=supplier_order.supplier.name,
        channel=supplier_order.supplier.channel,
    )
    channels.after_forward(shop, supplier_order)
    to_suppliers.order_sent(shop, supplier_order)


def _submit(client, shop: Shop, lines, open_in_store) -> str | None:
    """Ask Shopify's fulfillment orders at Relay's location for this supplier's lines only
    (unless already requested, e.g. with the admin's own button): Shopify splits the other
    suppliers' lines off into a fulfillment order of their own, so each supplier's accept or
    decline answers only its own request. Returns the (last) fulfillment order gid."""
    wanted = {li.shopify_gid for li in lines}
    chosen = None
    for fo in open_in_store:
        if fo.location_gid != shop.fulfillment_location_gid:
            continue  # the store ships these itself: nothing to request, never "chosen"
        if fo.status == "OPEN" and fo.request_status in SUBMITTABLE:
            fo_lines = {
                line.gid: line.remaining_quantity
                for line in fo.lines
                if line.line_item_gid in wanted
                and line.remaining_quantity > 0
                and locations.handled_by(fo, line, shop.fulfillment_location_gid) == locations.RELAY
            }
            if not fo_lines:
                continue
            fo = fo_gateway.submit_request(
                client, fo.gid, fo_lines, "Sent to the supplier by Relay"
            )
        chosen = fo.gid
    return chosen


def _failed(supplier_order_id: int, reason: str) -> str:
    """Shopify or the channel said no: back to "ready" with the reason, not retried. What this
    unit of work did so far is discarded; the failure is what it commits instead."""
    db.session.rollback()
    supplier_order = db.session.get(SupplierOrder, supplier_order_id, with_for_update=True)
    if supplier_order.status != "scheduled":
        return "skipped: changed meanwhile"
    states.advance(supplier_order, "forward_failed")
    supplier_order.problem = reason
    timeline.record(
        supplier_order.order,
        EventKind.FORWARD_FAILED,
        N_("Could not send to %(supplier)s: %(reason)s"),
        supplier=supplier_order.supplier.name,
        reason=reason,
    )
    log.warning("forward of supplier order %s failed: %s", supplier_order_id, reason)
    return "failed"
