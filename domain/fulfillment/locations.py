"""Who ships each line: Shopify's fulfillment orders decide, not the SKU alone.

Shopify assigns every line to a location through a fulfillment order. Only lines on a
fulfillment order at Relay's fulfillment-service location, to be shipped to the customer, go to
a supplier (routed there by SKU). Everything else the store ships itself and Relay only shows
it: a line at one of the merchant's own locations, a pickup or local-delivery order (no
supplier ships it to the customer), a line that needs no shipping, a gift card.

When Relay reads it: on `fulfillment_orders/order_routing_complete` (Shopify routed a new
order), on `moved`, `split` and `merged` (the merchant rearranged them), and in the forward job
(which reads them anyway). One read of the order's fulfillment orders each time, never a scan.

Moves. Into Relay's location: the line becomes routable and is routed by SKU (auto-place
suppliers get it requested). Out of it before the part was sent: the line leaves the part (an
emptied part is dropped, or cancelled if the supplier was already paid); nothing reaches the
supplier. Out of it after the part was sent: Shopify refuses to move a fulfillment order whose
request is submitted or accepted, so this happens only once the request was cancelled or
rejected in Shopify. Relay then keeps the part as the supplier's record and flags it for the
merchant, who tells the supplier (or requests a cancellation): cancelling at the supplier by
itself could cancel goods already on their way, which is the merchant's call.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import states
from domain.models.orders import LineItem, Order
from domain.models.shop import Shop
from domain.orders import routing, timeline
from domain.orders.paid import counts_as_paid
from domain.orders.timeline import N_, EventKind
from extensions import db
from integrations.shopify_admin.gateway.fulfillment import FulfillmentOrder

RELAY = "relay"
# Who ships a line the store keeps, as the grid and drawer say it.
STORE_SHIPS = {
    "merchant": N_("Shipped by the store"),
    "pickup": N_("Picked up by the customer at the store"),
    "local": N_("Local delivery by the store"),
    "digital": N_("No shipping needed: the store handles it"),
    "gift_card": N_("Gift card: the store handles it"),
}
# Fulfillment orders that still hold work (closed and cancelled ones say nothing of who ships).
LIVE = ("OPEN", "IN_PROGRESS", "ON_HOLD", "SCHEDULED", "INCOMPLETE")
# Delivery methods a supplier can ship to the customer (a pickup point has an address).
SHIPPED = (None, "SHIPPING", "PICKUP_POINT")
MOVED_AFTER_SENT = N_(
    "Items of this order were moved to another location in Shopify after they were sent to "
    "the supplier: tell the supplier not to ship them, or request a cancellation."
)


@dataclass(frozen=True)
class Placement:
    handled_by: str
    fulfillment_order_gid: str
    fulfillment_order_line_gid: str
    # Only on fulfillment orders with nothing left to do (a gift card fulfilled at once):
    # tells who shipped a line Relay had not placed yet, never moves one it had.
    settled: bool = False


def handled_by(fo: FulfillmentOrder, line, relay_location: str | None) -> str:
    """Who ships this fulfillment order line: "relay" (a supplier) or one of STORE_SHIPS."""
    if line.is_gift_card:
        return "gift_card"
    if not line.requires_shipping or fo.delivery_method == "NONE":
        return "digital"
    if fo.delivery_method == "PICK_UP":
        return "pickup"
    if fo.delivery_method == "LOCAL":
        return "local"
    if fo.delivery_method not in SHIPPED:
        return "merchant"  # RETAIL: sold in person, nothing to ship
    return RELAY if relay_location and fo.location_gid == relay_location else "merchant"


def placements(shop: Shop, fos: list[FulfillmentOrder]) -> dict[str, Placement]:
    """Line item gid -> where its unfulfilled units are. A line with units at Relay's location
    and elsewhere counts as Relay's (those units are the supplier's to ship)."""
    found: dict[str, Placement] = {}
    for fo in fos:
        for line in fo.lines:
            settled = fo.status not in LIVE or line.remaining_quantity <= 0
            where = handled_by(fo, line, shop.fulfillment_location_gid)
            known = found.get(line.line_item_gid)
            if (
                known is None
                or (known.settled and not settled)
                or (not settled and where == RELAY and known.handled_by != RELAY)
            ):
                found[line.line_item_gid] = Placement(where, fo.gid, line.gid, settled)
    return found


def apply(shop: Shop, order: Order, fos: list[FulfillmentOrder]) -> bool:
    """Record where each line is and follow what moved; True when a known line changed hands
    (the caller then lets auto-place suppliers have what moved in: domain.fulfillment.hooks).
    Lines on no live fulfillment order (fulfilled, removed) keep what Relay knew."""
    found = placements(shop, fos)
    moved_in, moved_out = [], []
    for line in order.line_items:
        placement = found.get(line.shopify_gid)
        if placement is None or (placement.settled and line.handled_by is not None):
            continue
        line.fulfillment_order_gid = placement.fulfillment_order_gid
        line.fulfillment_order_line_gid = placement.fulfillment_order_line_gid
        if line.handled_by == placement.handled_by:
            continue
        was_known = line.handled_by is not None
        line.handled_by = placement.handled_by
        if placement.handled_by == RELAY:
            if was_known:
                moved_in.append(line)
        elif line.supplier_id is not None:
            _leaves_supplier(order, line)
            moved_out.append(line)
    # Emptied parts first: routing.split would cancel them as "removed in the store".
    _drop_emptied(order)
    routing.split(order, paid=counts_as_paid(order.financial_status, shop))
    if moved_in:
        timeline.record(
            order,
            EventKind.MOVED_TO_RELAY,
            N_("Moved to Relay's location in Shopify: %(items)s"),
            actor="shopify",
            items=", ".join(line.sku or line.title for line in moved_in),
        )
    return bool(moved_in or moved_out)


def _part_of(order: Order, line: LineItem):
    return next(
        (
            so
            for so in order.supplier_orders
            if so.supplier_id == line.supplier_id and so.part == line.part
        ),
        None,
    )


def _leaves_supplier(order: Order, line: LineItem) -> None:
    """A supplier's line now shipped by the store: taken off its part before it was sent,
    flagged after (see the module's notes)."""
    part = _part_of(order, line)
    supplier = part.supplier.name if part is not None and part.supplier else ""
    if part is not None and part.status not in states.BEFORE_FORWARD:
        if part.status in (*states.WITH_SUPPLIER, "cancellation_requested"):
            part.problem = MOVED_AFTER_SENT
            timeline.record(
                order,
                EventKind.MOVED_AWAY_AFTER_SENT,
                N_(
                    "%(item)s was moved away from Relay's location after it was sent to "
                    "%(supplier)s"
                ),
                actor="shopify",
                item=line.sku or line.title,
                supplier=supplier,
            )
        return
    line.supplier_id, line.part = None, 1
    timeline.record(
        order,
        EventKind.MOVED_FROM_RELAY,
        N_("%(item)s is now shipped by the store: it will not be sent to %(supplier)s"),
        actor="shopify",
        item=line.sku or line.title,
        supplier=supplier,
    )


def _drop_emptied(order: Order) -> None:
    """A supplier's part left with no line before it was sent: dropped, so no forward job
    finds it; cancelled instead when the supplier was paid for it (the money is accounted)."""
    for part in list(order.supplier_orders):
        if part.supplier_id is None or part.line_items or part.status not in states.BEFORE_FORWARD:
            continue
        if part.supplier_paid_at is None:
            order.supplier_orders.remove(part)
            db.session.flush()
        else:
            states.advance(part, "cancel_before_forward")


def store_lines(order: Order) -> list[LineItem]:
    """The lines the store ships itself, shown apart from the suppliers' parts (a line moved
    away after it was sent stays on its supplier's part, flagged there)."""
    return [
        line
        for line in order.line_items
        if not line.goes_to_a_supplier and line.supplier_id is None
    ]
