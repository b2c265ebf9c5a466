"""Scheduled fulfillment orders: prepaid subscriptions and pre-orders.

Shopify gives each delivery its own fulfillment order, SCHEDULED until its `fulfillAt`, and
opens it then (`fulfillment_orders/scheduled_fulfillment_order_ready`). A scheduled one cannot
be requested or fulfilled, so only what is due is sent: the forward job sends the open
deliveries' quantities and, when nothing is open yet, the supplier order waits ("Scheduled for
<date>"). Each later delivery is sent when Shopify opens it, as its own request (and its own
order in a supplier's store), recorded as a `SupplierDelivery` so a redelivered webhook sends
nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from domain.clock import aware, utcnow
from domain.models.orders import SupplierOrder
from domain.models.shipments import SupplierDelivery
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from extensions import db
from integrations.shopify_admin.gateway.fulfillment import FulfillmentOrder

# Fulfillment orders whose items can be sent now (ON_HOLD ones wait for the hold's release).
DUE = ("OPEN", "IN_PROGRESS", "ON_HOLD")
# Shopify opens a delivery at its fulfillAt; should its webhook be lost, the job looks again.
LOOK_AGAIN = timedelta(hours=1)


def scheduled(fos: list[FulfillmentOrder]) -> list[FulfillmentOrder]:
    return [fo for fo in fos if fo.status == "SCHEDULED"]


def due_quantities(supplier_order: SupplierOrder, fos: list[FulfillmentOrder]) -> dict[int, int]:
    """Relay's line id -> what the due fulfillment orders still hold of it (the rest waits for
    its delivery)."""
    by_gid = {line.shopify_gid: line for line in supplier_order.line_items}
    due: dict[int, int] = {}
    for fo in fos:
        if fo.status not in DUE:
            continue
        for fo_line in fo.lines:
            line = by_gid.get(fo_line.line_item_gid)
            if line is not None and fo_line.remaining_quantity > 0:
                due[line.id] = due.get(line.id, 0) + fo_line.remaining_quantity
    return due


def wait_for_delivery(supplier_order: SupplierOrder, later: list[FulfillmentOrder]) -> datetime:
    """Nothing is due yet: stay "Sending soon", scheduled for the first delivery's date.
    Returns when the forward job looks again (the date, or in an hour once it is past:
    Shopify opens it and says so with a webhook; the job is the fallback)."""
    first = min((fo.fulfill_at for fo in later if fo.fulfill_at), default=None)
    if supplier_order.scheduled_for is None or aware(supplier_order.scheduled_for) != first:
        timeline.record(
            supplier_order.order,
            EventKind.DELIVERY_SCHEDULED,
            N_("Scheduled in Shopify: sent to %(supplier)s when its delivery is due (%(date)s)"),
            actor="shopify",
            supplier=supplier_order.supplier.name,
            date=first.strftime("%Y-%m-%d") if first else "?",
        )
    supplier_order.scheduled_for = first
    now = utcnow()
    supplier_order.forward_at = first if first and first > now else now + LOOK_AGAIN
    return supplier_order.forward_at


def record_deliveries(
    supplier_order: SupplierOrder, sent: list[FulfillmentOrder], submitted_gid: str | None
) -> None:
    """What the forward job sent, per fulfillment order, each with its own quantities (so a
    later ready webhook for one of them sends nothing again, and what may be shipped adds up).
    The request Shopify returned may be a new fulfillment order split off: it is recorded too,
    with nothing of its own."""
    known = _recorded_fo_gids(supplier_order.id)
    rows = {fo.gid: due_quantities(supplier_order, [fo]) for fo in sent}
    if submitted_gid and submitted_gid not in rows:
        rows[submitted_gid] = {}
    for gid, quantities in sorted(rows.items()):
        if gid in known:
            continue
        db.session.add(
            SupplierDelivery(
                supplier_order_id=supplier_order.id,
                shop_id=supplier_order.shop_id,
                fulfillment_order_gid=gid,
                quantities={str(k): v for k, v in quantities.items()},
                supplier_reference=supplier_order.supplier_reference,
                forwarded_at=utcnow(),
            )
        )


def delivered_fo_gids(supplier_order_id: int) -> set[str]:
    """The fulfillment orders whose delivery was sent to the supplier."""
    return set(
        db.session.scalars(
            select(SupplierDelivery.fulfillment_order_gid).where(
                SupplierDelivery.supplier_order_id == supplier_order_id,
                SupplierDelivery.forwarded_at.is_not(None),
            )
        )
    )


def _recorded_fo_gids(supplier_order_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(SupplierDelivery.fulfillment_order_gid).where(
                SupplierDelivery.supplier_order_id == supplier_order_id
            )
        )
    )


def delivery_due(supplier_order: SupplierOrder, fo_gid: str) -> SupplierDelivery:
    """Shopify opened this delivery: a row to send (the outbox of its job), unless known."""
    row = delivery_row(supplier_order.id, fo_gid)
    if row is None:
        row = SupplierDelivery(
            supplier_order_id=supplier_order.id,
            shop_id=supplier_order.shop_id,
            fulfillment_order_gid=fo_gid,
            quantities={},
        )
        db.session.add(row)
        db.session.flush()
    return row


def delivery_row(supplier_order_id: int, fo_gid: str) -> SupplierDelivery | None:
    return db.session.scalar(
        select(SupplierDelivery).where(
            SupplierDelivery.supplier_order_id == supplier_order_id,
            SupplierDelivery.fulfillment_order_gid == fo_gid,
        )
    )


def sent_so_far(supplier_order: SupplierOrder) -> dict[int, int] | None:
    """Line id -> units asked of the supplier over the deliveries sent; None when Shopify
    scheduled nothing for it (everything was sent at once)."""
    deliveries = db.session.scalars(
        select(SupplierDelivery).where(
            SupplierDelivery.supplier_order_id == supplier_order.id,
            SupplierDelivery.forwarded_at.is_not(None),
        )
    ).all()
    if not deliveries:
        return None
    sent: dict[int, int] = {}
    for delivery in deliveries:
        for line_id, quantity in delivery.quantities.items():
            sent[int(line_id)] = sent.get(int(line_id), 0) + int(quantity)
    return sent
