"""Split an order's line items per supplier by SKU mapping, like Shopify's fulfillment orders.
Items whose SKU is not mapped land in an "unassigned" supplier order the merchant can fix."""

from __future__ import annotations

from sqlalchemy import select

from domain import states
from domain.models.orders import Order, SupplierOrder, VariantMapping
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from extensions import db


def mappings_for(shop_id: int, skus: set[str]) -> dict[str, VariantMapping]:
    if not skus:
        return {}
    rows = db.session.scalars(
        select(VariantMapping).where(
            VariantMapping.shop_id == shop_id, VariantMapping.sku.in_(skus)
        )
    )
    return {row.sku: row for row in rows}


# Supplier orders whose lines may still change: not sent, and not about to be (a scheduled one's
# hold timer is running). A line never leaves or joins any other (sent, shipped, cancelled).
OPEN_FOR_LINES = frozenset(states.BEFORE_FORWARD) - {"scheduled"}


def _open_for_lines(supplier_order: SupplierOrder | None) -> bool:
    return supplier_order is None or supplier_order.status in OPEN_FOR_LINES


def split(order: Order, *, paid: bool) -> list[SupplierOrder]:
    """Assign lines to suppliers and make sure one supplier order exists per supplier part.
    Existing supplier orders keep their status; only missing ones are created.

    A line newly mapped to a supplier whose part was already sent goes to a follow-up part of
    that supplier (part 2, 3...), requested and forwarded like any other: Shopify puts units
    added by an order edit on a fulfillment order of their own, so the sent part never changes.
    Lines the order no longer holds (quantity 0: removed by an edit, refunded) count for no
    part; a part left with none before it was sent is cancelled (the unassigned one dropped)."""
    mapping = mappings_for(order.shop_id, {li.sku for li in order.line_items if li.sku})
    latest = _latest_parts(order)
    for line in order.line_items:
        if (
            line.supplier_id is None
            and line.goes_to_a_supplier
            and line.quantity > 0
            and line.sku in mapping
            and latest.get(None, (1, True))[1]
        ):
            supplier_id = mapping[line.sku].supplier_id
            part, open_for_lines = latest.get(supplier_id, (1, True))
            if not open_for_lines:  # sent: a follow-up part, made below
                part += 1
                latest[supplier_id] = (part, True)
            line.supplier_id, line.part = supplier_id, part
    # Lines the store ships itself (another location, pickup, no shipping) make no part.
    wanted = {
        (line.supplier_id, line.part)
        for line in order.line_items
        if line.quantity > 0 and (line.supplier_id is not None or line.goes_to_a_supplier)
    }
    present = {(so.supplier_id, so.part) for so in order.supplier_orders}
    created = []
    missing = sorted(wanted - present, key=lambda key: (key[0] is None, key[0] or 0, key[1]))
    for supplier_id, part in missing:
        supplier_order = SupplierOrder(
            shop_id=order.shop_id,
            supplier_id=supplier_id,
            part=part,
            status=states.initial_status(paid=paid, has_supplier=supplier_id is not None),
        )
        order.supplier_orders.append(supplier_order)
        created.append(supplier_order)
    if order.cancelled_at is None:
        _drop_emptied_parts(order, wanted)
    return created


def _drop_emptied_parts(order: Order, wanted: set) -> None:
    """Parts no line wants any more: the unassigned one dropped, a supplier's cancelled."""
    for supplier_order in list(order.supplier_orders):
        if (supplier_order.supplier_id, supplier_order.part) in wanted:
            continue
        if supplier_order.supplier_id is None:
            # Nothing left unassigned (all SKUs mapped since, or removed): dropped.
            order.supplier_orders.remove(supplier_order)
        elif states.advance(supplier_order, "emptied_in_store"):
            # Not sent, and every item of it removed or refunded in the store: nothing to
            # send. Kept, cancelled, for what it carries (a supplier payment, the ledger).
            timeline.record(
                order,
                EventKind.PART_EMPTIED,
                N_(
                    "Every item for %(supplier)s was removed or refunded in the store: "
                    "nothing will be sent"
                ),
                actor="shopify",
                supplier=supplier_order.supplier.name if supplier_order.supplier else "",
            )


def _latest_parts(order: Order) -> dict[int | None, tuple[int, bool]]:
    """Each supplier's newest part of the order: (its number, may lines still join it)."""
    latest: dict[int | None, SupplierOrder] = {}
    for supplier_order in order.supplier_orders:
        known = latest.get(supplier_order.supplier_id)
        if known is None or supplier_order.part > known.part:
            latest[supplier_order.supplier_id] = supplier_order
    return {key: (so.part, _open_for_lines(so)) for key, so in latest.items()}


def supplier_skus(order: Order) -> dict[str, str]:
    """The order's SKUs as each supplier knows them (the SKU to order on its website)."""
    mapping = mappings_for(order.shop_id, {li.sku for li in order.line_items if li.sku})
    return {sku: m.supplier_sku for sku, m in mapping.items() if m.supplier_sku}
