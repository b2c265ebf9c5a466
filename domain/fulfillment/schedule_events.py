"""Shopify opens a scheduled delivery (`scheduled_fulfillment_order_ready`) or gives it a new
date (`rescheduled`): a supplier order waiting for it is forwarded, or, when an earlier delivery
is with the supplier already, this one is sent on its own (see schedules.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import PUSH, background
from domain import states
from domain.clock import aware, utcnow
from domain.fulfillment import channels, forwarding, fulfillment_orders, schedules
from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyGraphQLError, ShopifyUserError
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.gateway.fulfillment import FulfillmentOrder
from integrations.shopify_admin.webhook_payloads import OrderReference

SUBMITTABLE = ("UNSUBMITTED", "REJECTED")


def fulfillment_order_due(shop_domain: str, reference: OrderReference, receipt) -> None:
    """`scheduled_fulfillment_order_ready` and `rescheduled`: read the fulfillment order from
    the store (the payload proves nothing about the shop) and move what it holds along."""
    shop = shops.shop_by_domain(shop_domain)
    if shop is None or not reference.fulfillment_order_gid:
        return
    fo = fo_gateway.fulfillment_order(tokens.admin_client(shop), reference.fulfillment_order_gid)
    if fo is None or fo.order_gid is None:
        return
    order = db.session.scalar(
        select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == fo.order_gid)
    )
    if order is None:
        return
    for supplier_order in fulfillment_orders.supplier_orders_on(fo, order, still_to_fulfill=True):
        _follow(supplier_order, fo)


def _follow(supplier_order: SupplierOrder, fo: FulfillmentOrder) -> None:
    if supplier_order.supplier is None:
        return
    if supplier_order.status == "scheduled":
        # Waiting for its delivery: sent now if this one is due, else its new date is shown.
        if fo.status == "SCHEDULED":
            if supplier_order.scheduled_for is not None:  # it waits for a delivery: its date
                supplier_order.scheduled_for = fo.fulfill_at
            return
        now = utcnow()
        if supplier_order.scheduled_for is not None:
            # It waited for this delivery, past its hold window already.
            supplier_order.scheduled_for = None
            supplier_order.forward_at = now
        forwarding.forward.after_commit(
            supplier_order.id,
            at=max(now, aware(supplier_order.forward_at) or now),
            shop_id=supplier_order.shop_id,
        )
    elif supplier_order.status in states.WITH_SUPPLIER and fo.status in schedules.DUE:
        # An earlier delivery is with the supplier: this one is sent on its own.
        if fo.gid in schedules.delivered_fo_gids(supplier_order.id):
            return
        schedules.delivery_due(supplier_order, fo.gid)
        forward_delivery.once_after_commit(
            supplier_order.id,
            fo.gid,
            id_parts={"fo": fo.gid.rsplit("/", 1)[-1]},
            shop_id=supplier_order.shop_id,
        )


@background(queue=PUSH, job_id="forward-delivery-{0}-{fo}", label=_l("Send a scheduled delivery"))
@unit_of_work
def forward_delivery(supplier_order_id: int, fo_gid: str) -> str:
    """Send one due delivery of a supplier order already with its supplier: request it in
    Shopify, place it through the supplier's channel, record it."""
    supplier_order = db.session.get(
        SupplierOrder, supplier_order_id, with_for_update=True, populate_existing=True
    )
    if supplier_order is None:
        return "skipped: gone"
    if fo_gid in schedules.delivered_fo_gids(supplier_order.id):
        return "skipped: already sent"
    shop = db.session.get(Shop, supplier_order.shop_id)
    if supplier_order.status not in states.WITH_SUPPLIER or not shop.is_installed:
        return _nothing_to_send(supplier_order, fo_gid, "not with the supplier")
    client = tokens.admin_client(shop)
    fo = fo_gateway.fulfillment_order(client, fo_gid)
    if fo is None or fo.status not in ("OPEN", "IN_PROGRESS"):
        return _nothing_to_send(supplier_order, fo_gid, "not open")
    quantities = schedules.due_quantities(supplier_order, [fo])
    if not quantities:
        return _nothing_to_send(supplier_order, fo_gid, "nothing of this supplier's")
    try:
        fo, reference = _request_and_place(client, shop, supplier_order, fo, quantities)
    except (ShopifyUserError, ShopifyGraphQLError, channels.CannotForward) as exc:
        reason = getattr(exc, "message", None) or str(exc)
        supplier_order.problem = reason
        timeline.record(
            supplier_order.order,
            EventKind.FORWARD_FAILED,
            N_("Could not send to %(supplier)s: %(reason)s"),
            supplier=supplier_order.supplier.name,
            reason=reason,
        )
        return "failed"
    row = schedules.delivery_due(supplier_order, fo_gid)
    row.quantities = {str(k): v for k, v in quantities.items()}
    row.supplier_reference, row.forwarded_at = reference, utcnow()
    if fo.gid != fo_gid:  # Shopify split the request off as a new fulfillment order
        schedules.delivery_due(supplier_order, fo.gid).forwarded_at = utcnow()
    timeline.record(
        supplier_order.order,
        EventKind.DELIVERY_FORWARDED,
        N_("Next delivery sent to %(supplier)s (%(count)s items)"),
        supplier=supplier_order.supplier.name,
        count=sum(quantities.values()),
    )
    return "forwarded"


def _request_and_place(client, shop: Shop, supplier_order: SupplierOrder, fo, quantities):
    """Request the delivery in Shopify (at Relay's location, unless already requested), then
    place it through the channel. Returns the fulfillment order and the supplier's reference."""
    at_relay = fo.location_gid == shop.fulfillment_location_gid
    if at_relay and fo.status == "OPEN" and fo.request_status in SUBMITTABLE:
        wanted = {line.shopify_gid for line in supplier_order.line_items}
        fo = fo_gateway.submit_request(
            client,
            fo.gid,
            {
                line.gid: line.remaining_quantity
                for line in fo.lines
                if line.line_item_gid in wanted and line.remaining_quantity > 0
            },
            "Sent to the supplier by Relay",
        )
    reference = channels.dispatch_delivery(shop, supplier_order, fo.gid, quantities)
    placed_in_store = supplier_order.supplier.channel == "store"
    if at_relay and placed_in_store and fo.request_status == "SUBMITTED":
        # Placed in the supplier's store: accepted, as the first delivery was.
        fo_gateway.accept_request(client, fo.gid, "Accepted by the supplier")
    return fo, reference


def _nothing_to_send(supplier_order: SupplierOrder, fo_gid: str, why: str) -> str:
    """Cancelled, fulfilled or moved since Shopify opened it: its row leaves the outbox (a
    later webhook about it is looked at afresh)."""
    row = schedules.delivery_row(supplier_order.id, fo_gid)
    if row is not None and row.forwarded_at is None:
        db.session.delete(row)
    return f"skipped: {why}"
