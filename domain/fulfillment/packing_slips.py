"""A supplier order's items as the supplier knows them (its own SKU, what is left to ship), and
the packing slip that goes in the parcel: no prices, since the customer reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from domain.errors import NotFound
from domain.fulfillment import shipments
from domain.models.orders import LineItem, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.suppliers.portal import retailer_name
from extensions import db


@dataclass
class Item:
    line: LineItem
    supplier_sku: str | None
    remaining: int

    @property
    def shipped(self) -> int:
        return self.line.quantity - self.remaining


def items_of(supplier_order: SupplierOrder) -> list[Item]:
    """This supplier's lines, with the supplier SKU from the SKU mapping (the store SKU when the
    mapping has none), and the quantity not yet in a parcel."""
    lines = [
        line
        for line in supplier_order.order.line_items
        if line.supplier_id == supplier_order.supplier_id
    ]
    skus = [line.sku for line in lines if line.sku]
    mapped = (
        dict(
            db.session.execute(
                select(VariantMapping.sku, VariantMapping.supplier_sku).where(
                    VariantMapping.shop_id == supplier_order.shop_id, VariantMapping.sku.in_(skus)
                )
            ).all()
        )
        if skus
        else {}
    )
    remaining = shipments.remaining_quantities(supplier_order)
    return [
        Item(line, mapped.get(line.sku) or line.sku, max(remaining.get(line.id, 0), 0))
        for line in lines
    ]


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
