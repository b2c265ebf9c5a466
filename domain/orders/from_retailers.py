"""Orders a retailer's Relay placed in this store: the store is that retailer's supplier
(channel `store`), and ships them itself.

Relay inside a supplier's store sees these orders like any other (orders/create), at the
store's own location: no supplier of this store ships them, so they are not "No supplier"
work but the retailer's order to fulfil here. The grid and the drawer say whose order it is
and under which of the retailer's order numbers, read from Relay's own record of what it
placed (the supplier order's reference, or a later scheduled delivery's), never from tags a
customer or staff member could type."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union_all

from domain.models.orders import Order, Supplier, SupplierOrder
from domain.models.shipments import SupplierDelivery
from domain.models.shop import Shop
from extensions import db


@dataclass(frozen=True)
class RetailerOrder:
    retailer: str  # the retailer's shop name (its domain when it has none)
    order_name: str  # the retailer's own order number, "#1045"


def retailer_orders(shop: Shop, orders: list[Order]) -> dict[int, RetailerOrder]:
    """{order id: RetailerOrder} for those of `orders` that a retailer placed in `shop`
    through Relay. One query for a page of orders, none when no order on it has lines the
    store ships itself: an order Relay placed lands at the store's own location (its SKUs are
    the supplier's), so an order whose every line goes to a supplier of this store is not
    asked about (a supplier that passes such orders on to its own suppliers sees those
    suppliers' parts instead, which is true too)."""
    by_gid = {
        order.shopify_gid: order.id
        for order in orders
        if any(not line.goes_to_a_supplier for line in order.line_items)
    }
    if not by_gid:
        return {}
    placed = union_all(
        select(SupplierOrder.supplier_reference.label("ref"), SupplierOrder.id.label("so_id")),
        select(SupplierDelivery.supplier_reference, SupplierDelivery.supplier_order_id),
    ).subquery()
    retailer_order = Order.__table__.alias("retailer_order")
    rows = db.session.execute(
        select(placed.c.ref, Shop.name, Shop.domain, retailer_order.c.name)
        .join(SupplierOrder, SupplierOrder.id == placed.c.so_id)
        .join(Supplier, Supplier.id == SupplierOrder.supplier_id)
        .join(Shop, Shop.id == SupplierOrder.shop_id)
        .join(retailer_order, retailer_order.c.id == SupplierOrder.order_id)
        .where(
            Supplier.channel == "store",
            Supplier.store_domain == shop.domain,
            placed.c.ref.in_(list(by_gid)),
        )
    ).all()
    return {
        by_gid[ref]: RetailerOrder(retailer=name or domain, order_name=order_name)
        for ref, name, domain, order_name in rows
    }


def retailer_order(shop: Shop, order: Order) -> RetailerOrder | None:
    return retailer_orders(shop, [order]).get(order.id)
