"""Re-route orders after SKU mappings change, the way Shopify moves fulfillment-order lines
between locations before they are requested.

Only lines of supplier orders that have not left Relay move. A supplier order that was sent
("scheduled" is included: its hold timer is already running and the forward job may be
sending it right now), shipped or cancelled keeps its lines, and a line never joins such a
part: a line mapped to a supplier whose part was sent goes to a follow-up part of that
supplier (SupplierOrder.part 2, 3...), requested on its own, and the timeline says so. The
unassigned part becomes the new supplier's part through the status table (supplier_assigned /
supplier_assigned_unpaid), and a supplier's part left with nothing mapped to it becomes the
unassigned part (supplier_unassigned); parts emptied otherwise are dropped (they were never sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from domain import states
from domain.fulfillment import hooks
from domain.models.orders import LineItem, Order, Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.orders import routing, timeline
from domain.orders.paid import counts_as_paid
from domain.orders.timeline import N_, EventKind
from extensions import db

REROUTABLE = routing.OPEN_FOR_LINES
# Stored on timelines written before follow-up parts (EventKind.REROUTE_BLOCKED): kept in the
# catalogs so those events still read in French and Hungarian.
LEGACY_MESSAGES = (
    N_(
        "%(sku)s is now mapped to %(supplier)s, but that supplier's part of this order was "
        "already sent; the item stays where it is"
    ),
)
CHUNK = 500


@dataclass
class RerouteReport:
    orders: int = 0  # orders whose items moved
    lines: int = 0
    # Order names whose items went to a follow-up part (their supplier's part was sent).
    follow_ups: list[str] = field(default_factory=list)


def reroute_skus(shop_id: int, skus: set[str]) -> RerouteReport:
    """Re-route, in the current transaction, every open order holding one of these SKUs."""
    report = RerouteReport()
    sku_list = sorted(s for s in skus if s)
    for start in range(0, len(sku_list), CHUNK):
        chunk = set(sku_list[start : start + CHUNK])
        mapping = routing.mappings_for(shop_id, chunk)
        for order in _open_orders_with(shop_id, chunk):
            _reroute_order(order, chunk, mapping, report)
    return report


def _open_orders_with(shop_id: int, skus: set[str]) -> list[Order]:
    return db.session.scalars(
        select(Order)
        .where(
            Order.shop_id == shop_id,
            # Driven by the (shop_id, status) index: open parts are few, all orders are many.
            Order.id.in_(
                select(SupplierOrder.order_id).where(
                    SupplierOrder.shop_id == shop_id, SupplierOrder.status.in_(REROUTABLE)
                )
            ),
            exists().where(LineItem.order_id == Order.id, LineItem.sku.in_(skus)),
        )
        .options(
            selectinload(Order.line_items),
            selectinload(Order.supplier_orders).selectinload(SupplierOrder.supplier),
        )
        .order_by(Order.id)
        # The same row lock sync.upsert takes: a webhook for this order waits for us.
        .with_for_update(of=Order)
    ).all()


def _reroute_order(order: Order, skus: set[str], mapping: dict, report: RerouteReport) -> None:
    parts = {(so.supplier_id, so.part): so for so in order.supplier_orders}
    latest = {}  # each supplier's newest part (a follow-up's number is higher)
    for so in order.supplier_orders:
        if so.supplier_id not in latest or so.part > latest[so.supplier_id].part:
            latest[so.supplier_id] = so
    unassigned_parts = [so for so in order.supplier_orders if so.supplier_id is None]

    def open_part(supplier_id: int | None, part: SupplierOrder | None) -> bool:
        """May lines leave or join this part of the order?"""
        if supplier_id is None:
            # A deleted supplier's past part also has no supplier: lines without a supplier
            # are then ambiguous, so they stay put.
            return len(unassigned_parts) <= 1 and all(
                so.status in REROUTABLE for so in unassigned_parts
            )
        return part is None or part.status in REROUTABLE

    moves, follow_ups = [], []
    for line in order.line_items:
        if line.sku not in skus or line.quantity == 0 or not line.goes_to_a_supplier:
            continue
        target = mapping[line.sku].supplier_id if line.sku in mapping else None
        source = parts.get((line.supplier_id, line.part))
        if target == line.supplier_id or not open_part(line.supplier_id, source):
            continue
        target_part = latest.get(target)
        if not open_part(target, target_part):
            if target is None:
                continue
            # The supplier's part was sent: the line goes to a follow-up part of its own,
            # requested like any other (Shopify holds it on a fulfillment order not requested).
            follow_up = SupplierOrder(
                shop_id=order.shop_id,
                supplier_id=target,
                part=target_part.part + 1,
                status=states.initial_status(paid=_paid(order), has_supplier=True),
            )
            order.supplier_orders.append(follow_up)
            latest[target] = parts[(target, follow_up.part)] = follow_up
            follow_ups.append((line, target))
        moves.append((line, line.supplier_id, target))
        line.supplier_id = target
        line.part = latest[target].part if target in latest else 1
    if moves:
        _record_moves(order, moves, report)
    for line, target in follow_ups:
        _record_follow_up(order, line, target, report)


def _record_moves(order: Order, moves: list, report: RerouteReport) -> None:
    _reshape_parts(order)
    names = _supplier_names(order, moves)
    timeline.record(
        order,
        EventKind.REROUTED,
        N_("Items re-routed after a SKU mapping change: %(moves)s"),
        actor="merchant",
        moves="; ".join(
            f"{line.sku} → {names.get(new) or _('no supplier')}" for line, _old, new in moves
        ),
    )
    report.orders += 1
    report.lines += len(moves)
    hooks.order_synced(order)  # a part now at an auto-place supplier is requested


def _record_follow_up(order: Order, line, target: int, report: RerouteReport) -> None:
    timeline.record(
        order,
        EventKind.FOLLOW_UP_PART,
        N_(
            "%(sku)s is now mapped to %(supplier)s, whose part of this order was already "
            "sent: the item is a follow-up part for that supplier, to request on its own"
        ),
        actor="relay",
        sku=line.sku,
        supplier=_supplier_names(order, [(line, None, target)]).get(target) or "",
    )
    report.follow_ups.append(order.name)


def _paid(order: Order) -> bool:
    return counts_as_paid(order.financial_status, db.session.get(Shop, order.shop_id))


def _reshape_parts(order: Order) -> None:
    """One open part per supplier that has lines; emptied open parts are reused or dropped."""
    paid = _paid(order)
    # Lines the store ships itself (another location, pickup, no shipping) make no part.
    kept = [
        line for line in order.line_items if line.supplier_id is not None or line.goes_to_a_supplier
    ]
    wanted = {line.supplier_id for line in kept}
    wanted_parts = {(line.supplier_id, line.part) for line in kept}
    missing = wanted - {so.supplier_id for so in order.supplier_orders}
    for part in list(order.supplier_orders):
        if (part.supplier_id, part.part) in wanted_parts or part.status not in REROUTABLE:
            continue
        if part.part > 1:  # an emptied follow-up part: its supplier keeps its first part
            order.supplier_orders.remove(part)
            continue
        newcomers = sorted(s for s in missing if s is not None)
        if part.supplier_id is None and newcomers:
            part.supplier_id = newcomers[0]
            states.advance(part, "supplier_assigned" if paid else "supplier_assigned_unpaid")
            missing.discard(newcomers[0])
        elif part.supplier_id is not None and None in missing:
            part.supplier_id = None
            states.advance(part, "supplier_unassigned")
            missing.discard(None)
        else:
            order.supplier_orders.remove(part)
    for supplier_id in sorted(missing, key=lambda s: (s is None, s or 0)):
        order.supplier_orders.append(
            SupplierOrder(
                shop_id=order.shop_id,
                supplier_id=supplier_id,
                status=states.initial_status(paid=paid, has_supplier=supplier_id is not None),
            )
        )
    db.session.flush()
    for part in order.supplier_orders:  # supplier_id changed under a loaded relationship
        db.session.refresh(part, ["supplier"])


def _supplier_names(order: Order, moves) -> dict[int, str]:
    ids = {new for _line, _old, new in moves if new is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Supplier.id, Supplier.name).where(
            Supplier.shop_id == order.shop_id, Supplier.id.in_(ids)
        )
    )
    return dict(rows.all())
