"""Re-route orders after SKU mappings change, the way Shopify moves fulfillment-order lines
between locations before they are requested.

Only lines of supplier orders that have not left Relay move. A supplier order that was sent
("scheduled" is included: its hold timer is already running and the forward job may be
sending it right now), shipped or cancelled keeps its lines, and a line never joins such a
part: it stays where it is and the timeline says why. The unassigned part becomes the new
supplier's part through the status table (supplier_assigned / supplier_assigned_unpaid), and a
supplier's part left with nothing mapped to it becomes the unassigned part
(supplier_unassigned); parts emptied otherwise are dropped (they were never sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from domain import states
from domain.fulfillment import hooks
from domain.models.orders import LineItem, Order, Supplier, SupplierOrder
from domain.orders import routing, timeline
from domain.orders.sync import PAID_STATUSES
from domain.orders.timeline import N_, EventKind
from extensions import db

REROUTABLE = routing.OPEN_FOR_LINES
CHUNK = 500


@dataclass
class RerouteReport:
    orders: int = 0  # orders whose items moved
    lines: int = 0
    blocked: list[str] = field(default_factory=list)  # order names whose items could not move


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
    parts = {so.supplier_id: so for so in order.supplier_orders}
    unassigned_parts = [so for so in order.supplier_orders if so.supplier_id is None]

    def open_part(supplier_id: int | None) -> bool:
        """May lines leave or join this supplier's part of the order?"""
        if supplier_id is None:
            # A deleted supplier's past part also has no supplier: lines without a supplier
            # are then ambiguous, so they stay put.
            return len(unassigned_parts) <= 1 and all(
                so.status in REROUTABLE for so in unassigned_parts
            )
        part = parts.get(supplier_id)
        return part is None or part.status in REROUTABLE

    moves, blocked = [], []
    for line in order.line_items:
        if line.sku not in skus or not line.goes_to_a_supplier:
            continue
        target = mapping[line.sku].supplier_id if line.sku in mapping else None
        if target == line.supplier_id or not open_part(line.supplier_id):
            continue
        if not open_part(target):
            if target is not None:
                blocked.append((line, target))
            continue
        moves.append((line, line.supplier_id, target))
        line.supplier_id = target
    if moves:
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
    for line, target in blocked:
        timeline.record(
            order,
            EventKind.REROUTE_BLOCKED,
            N_(
                "%(sku)s is now mapped to %(supplier)s, but that supplier's part of this order "
                "was already sent; the item stays where it is"
            ),
            actor="relay",
            sku=line.sku,
            supplier=_supplier_names(order, [(line, None, target)]).get(target) or "",
        )
        report.blocked.append(order.name)


def _reshape_parts(order: Order) -> None:
    """One open part per supplier that has lines; emptied open parts are reused or dropped."""
    paid = order.financial_status in PAID_STATUSES
    wanted = {
        line.supplier_id
        for line in order.line_items
        if line.supplier_id is not None or line.goes_to_a_supplier
    }
    missing = wanted - {so.supplier_id for so in order.supplier_orders}
    for part in list(order.supplier_orders):
        if part.supplier_id in wanted or part.status not in REROUTABLE:
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
