"""The store's fulfillment orders, matched to supplier orders by the line items they hold.

Shopify splits an order into fulfillment orders per location; Relay requests, answers and
fulfills the ones at its own location. A fulfillment order requested with the admin's own
button can hold several suppliers' items, so matching goes by line item, both ways.
"""

from __future__ import annotations

from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.gateway.fulfillment import FulfillmentOrder


def holding(
    client, supplier_order: SupplierOrder, *, still_to_fulfill: bool = False
) -> list[FulfillmentOrder]:
    """The order's fulfillment orders, at any location, holding this supplier's items (with
    `still_to_fulfill`, only where some of them are not fulfilled yet)."""
    wanted = {line.shopify_gid for line in supplier_order.line_items}
    return [
        fo
        for fo in fo_gateway.fulfillment_orders_of(client, supplier_order.order.shopify_gid)
        if any(
            line.line_item_gid in wanted and (line.remaining_quantity > 0 or not still_to_fulfill)
            for line in fo.lines
        )
    ]


def at_relays_location(client, shop: Shop, supplier_order: SupplierOrder) -> list[FulfillmentOrder]:
    """This supplier's fulfillment orders at Relay's location."""
    return [
        fo
        for fo in holding(client, supplier_order)
        if fo.location_gid == shop.fulfillment_location_gid
    ]


def supplier_orders_on(
    fo: FulfillmentOrder, order: Order, *, still_to_fulfill: bool = False
) -> list[SupplierOrder]:
    """The order's supplier orders with items on this fulfillment order (with
    `still_to_fulfill`, items not fulfilled yet)."""
    on_fo = {
        line.line_item_gid
        for line in fo.lines
        if line.remaining_quantity > 0 or not still_to_fulfill
    }
    return [
        supplier_order
        for supplier_order in order.supplier_orders
        if any(line.shopify_gid in on_fo for line in supplier_order.line_items)
    ]


def hold_records(fo_gid: str, holds) -> list[dict]:
    """Shopify's holds on one fulfillment order as a supplier order keeps them (store_holds)."""
    return [
        {
            "id": hold.gid,
            "fo": fo_gid,
            "reason": hold.reason,
            "notes": hold.notes,
            "by": hold.held_by,
        }
        for hold in holds
    ]
