"""Split an order's line items per supplier by SKU mapping, like Shopify's fulfillment orders.
Items whose SKU is not mapped land in an "unassigned" supplier order the merchant can fix."""

from __future__ import annotations

from sqlalchemy import select

from domain import states
from domain.models.orders import Order, SupplierOrder, VariantMapping
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
    """Assign lines to suppliers and make sure one supplier order exists per supplier.
    Existing supplier orders keep their status; only missing ones are created."""
    mapping = mappings_for(order.shop_id, {li.sku for li in order.line_items if li.sku})
    parts = {so.supplier_id: so for so in order.supplier_orders}
    for line in order.line_items:
        if (
            line.supplier_id is None
            and line.goes_to_a_supplier
            and line.sku in mapping
            and _open_for_lines(parts.get(None))
            and _open_for_lines(parts.get(mapping[line.sku].supplier_id))
        ):
            line.supplier_id = mapping[line.sku].supplier_id
    # Lines the store ships itself (another location, pickup, no shipping) make no part.
    wanted = {
        line.supplier_id
        for line in order.line_items
        if line.supplier_id is not None or line.goes_to_a_supplier
    }
    present = {so.supplier_id for so in order.supplier_orders}
    created = []
    for supplier_id in sorted(wanted - present, key=lambda s: (s is None, s or 0)):
        supplier_order = SupplierOrder(
            shop_id=order.shop_id,
            supplier_id=supplier_id,
            status=states.initial_status(paid=paid, has_supplier=supplier_id is not None),
        )
        order.supplier_orders.append(supplier_order)
        created.append(supplier_order)
    # An unassigned bucket with nothing left in it (all SKUs mapped since) is dropped.
    for supplier_order in list(order.supplier_orders):
        if supplier_order.supplier_id is None and None not in wanted:
            order.supplier_orders.remove(supplier_order)
    return created


def supplier_skus(order: Order) -> dict[str, str]:
    """The order's SKUs as each supplier knows them (the SKU to order on its website)."""
    mapping = mappings_for(order.shop_id, {li.sku for li in order.line_items if li.sku})
    return {sku: m.supplier_sku for sku, m in mapping.items() if m.supplier_sku}
