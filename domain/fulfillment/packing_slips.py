"""A supplier order's items as the supplier knows them (its own SKU, what is left to ship), and
the packing slip that goes in the parcel: no prices, since the customer reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from domain.errors import NotFound
from domain.fulfillment import shipments
from domain.models.orders import LineItem, SupplierOrder
from domain.models.shop import Shop
from domain.orders import routing
from domain.suppliers.portal import retailer_name
from extensions import db


@dataclass
class Item:
    line: LineItem
    supplier_sku: str | None
    remaining: int  # what the supplier can ship now (a scheduled delivery not due is not)
    left: int | None = None  # not yet in any parcel, when it differs from `remaining`

    @property
    def shipped(self) -> int:
        return self.line.quantity - (self.remaining if self.left is None else self.left)


def items_of(supplier_order: SupplierOrder) -> list[Item]:
    """This supplier's lines, with the supplier SKU from the SKU mapping (the store SKU when the
    mapping has none), and the quantity not yet in a parcel."""
    lines = supplier_order.line_items
    mappings = routing.mappings_for(supplier_order.shop_id, {li.sku for li in lines if li.sku})
    left = shipments.remaining_quantities(supplier_order)
    now = shipments.shippable_quantities(supplier_order)
    items = []
    for line in lines:
        mapping = mappings.get(line.sku)
        supplier_sku = (mapping.supplier_sku if mapping else None) or line.sku
        items.append(
            Item(
                line,
                supplier_sku,
                max(now.get(line.id, 0), 0),
                max(left.get(line.id, 0), 0),
            )
        )
    return items


@dataclass
class PackingSlip:
    retailer: str
    order_name: str
    order_date: datetime
    supplier_name: str
    ship_to: dict | None
    items: list[Item]

    @property
    def total_quantity(self) -> int:
        return sum(item.line.quantity for item in self.items)


def slip_for(supplier_order: SupplierOrder) -> PackingSlip:
    shop = db.session.get(Shop, supplier_order.shop_id)
    order = supplier_order.order
    return PackingSlip(
        retailer=retailer_name(shop),
        order_name=order.name,
        order_date=order.created_at,
        supplier_name=supplier_order.supplier.name if supplier_order.supplier else "",
        ship_to=order.shipping_address,
        items=items_of(supplier_order),
    )


def slip_for_shop(shop: Shop, supplier_order_id: int) -> PackingSlip:
    """The merchant's view: any supplier order of this shop (with a supplier), none of others."""
    supplier_order = db.session.scalar(
        select(SupplierOrder).where(
            SupplierOrder.id == supplier_order_id,
            SupplierOrder.shop_id == shop.id,
            SupplierOrder.supplier_id.is_not(None),
        )
    )
    if supplier_order is None:
        raise NotFound(_("That supplier order does not exist in this store."))
    return slip_for(supplier_order)
