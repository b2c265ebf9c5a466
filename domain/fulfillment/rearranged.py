"""Shopify's fulfillment orders were routed or rearranged (order_routing_complete, moved,
split, merged): read the order's fulfillment orders once and follow who ships each line
(domain/fulfillment/locations.py says what follows)."""

from __future__ import annotations

from sqlalchemy import select

from domain.fulfillment import hooks, locations
from domain.models.orders import LineItem, Order
from domain.models.shop import Shop
from domain.orders import webhooks as order_webhooks
from domain.shop import shops, tokens
from extensions import db
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.webhook_payloads import OrderReference


def fulfillment_orders_changed(shop_domain: str, reference: OrderReference, receipt) -> None:
    """order_routing_complete, moved, split, merged: read the order's fulfillment orders once
    and follow where its lines are now. The order was upserted just before (REFRESH_ORDER)."""
    shop = shops.shop_by_domain(shop_domain)
    if shop is None or not shop.is_installed:
        return
    client = tokens.admin_client(shop)
    order = _order_named(shop, client, reference)
    if order is None:
        return
    in_store = fo_gateway.fulfillment_orders_of(client, order.shopify_gid)
    if locations.apply(shop, order, in_store):
        hooks.order_synced(order)  # a part now at an auto-place supplier is requested


def routing_complete(shop_domain: str, reference: OrderReference, receipt) -> None:
    """order_routing_complete: the order's fulfillment orders are assigned. The order itself did
    not change: its status is read (the whole order only when Relay does not hold it yet), which
    names the order, and then its fulfillment orders, once."""
    order_gid = order_webhooks.refresh_store_status(shop_domain, reference, receipt)
    if order_gid is not None:
        fulfillment_orders_changed(shop_domain, OrderReference(order_gid, None), receipt)


def _order_named(shop: Shop, client, reference: OrderReference) -> Order | None:
    """The order a payload names, locked; a fulfillment order Relay has not seen yet (a new
    order, a split-off one) is read to learn its order."""
    order_gid = reference.order_gid
    if order_gid is None and reference.fulfillment_order_gid:
        order_gid = db.session.scalar(
            select(Order.shopify_gid)
            .join(LineItem, LineItem.order_id == Order.id)
            .where(
                Order.shop_id == shop.id,
                LineItem.fulfillment_order_gid == reference.fulfillment_order_gid,
            )
            .limit(1)
        )
        if order_gid is None:
            fo = fo_gateway.fulfillment_order(client, reference.fulfillment_order_gid)
            order_gid = fo.order_gid if fo is not None else None
    if order_gid is None:
        return None
    return db.session.scalar(
        select(Order)
        .where(Order.shop_id == shop.id, Order.shopify_gid == order_gid)
        .with_for_update()
    )
