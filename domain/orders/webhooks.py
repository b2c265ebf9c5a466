"""Order and fulfillment webhooks keep Relay's mirror current between sweeps.

A webhook's HMAC is made with the app's secret, the same for every shop, over the body only:
a captured body verifies under any X-Shopify-Shop-Domain. So nothing here creates or changes
an order from a body unless the order is shown to belong to the shop named: either Relay
already holds that order for this shop (Shopify ids are global, so another shop's order is
never among them), or it is read back from this shop's Admin API, where another shop's order
does not exist. The fulfillment-order topics always read from the store: the whole order, or
only its status when the topic says just a request moved (the order itself did not change).
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select

from domain.models.orders import Order, Supplier, SupplierOrder
from domain.models.shipments import Parcel
from domain.orders import sync
from domain.shop import shops, tokens
from extensions import db
from integrations.shopify_admin.gateway import orders as orders_gateway
from integrations.shopify_admin.order_shapes import ShopifyOrder
from integrations.shopify_admin.webhook_payloads import OrderReference, StoreFulfillment

log = logging.getLogger("relay.webhooks")


def order_payload(shop_domain: str, snapshot: ShopifyOrder, receipt) -> None:
    shop = shops.shop_by_domain(shop_domain)
    if not sync.holds_order(shop, snapshot.gid):
        # New to Relay: take the store's own copy, which also proves the order is this shop's.
        in_store = orders_gateway.order_by_id(tokens.admin_client(shop), snapshot.gid)
        if in_store is None:  # another shop's order, or one deleted since: nothing to mirror
            log.warning(
                "webhook %s (%s): order %s is not in %s; ignored",
                receipt.id,
                receipt.topic,
                snapshot.gid,
                shop_domain,
            )
            return
        snapshot = in_store
    sync.upsert(shop, snapshot, source=receipt.topic)
    _forget_redacted_customer(shop, snapshot.gid, receipt)


def refresh_order(shop_domain: str, reference: OrderReference, receipt) -> None:
    """These payloads name a fulfillment order or an order id, not the order's state: read the
    order from the store (the source of truth) and upsert that."""
    shop = shops.shop_by_domain(shop_domain)
    client = tokens.admin_client(shop)
    snapshot = None
    if reference.order_gid:
        snapshot = orders_gateway.order_by_id(client, reference.order_gid)
    elif reference.fulfillment_order_gid:
        snapshot = orders_gateway.order_of_fulfillment_order(
            client, reference.fulfillment_order_gid
        )
    if snapshot is not None:
        sync.upsert(shop, snapshot, source=receipt.topic)
        _forget_redacted_customer(shop, snapshot.gid, receipt)


def refresh_unless_relays_own(shop_domain: str, fulfillment: StoreFulfillment, receipt) -> None:
    """fulfillments/create and /update: the order is read back from the store, unless the
    fulfillment is one Relay knows (its own push echoing back in the retailer's store, or the
    supplier's shipment in the supplier's store, already a parcel): nothing to learn from the
    store there, and orders/updated follows with the order itself."""
    shop = shops.shop_by_domain(shop_domain)
    if shop is not None and _relays_own(shop, fulfillment):
        _forget_redacted_customer(shop, fulfillment.order_gid, receipt)
        return
    refresh_order(shop_domain, OrderReference(fulfillment.order_gid, None), receipt)


def _relays_own(shop, fulfillment: StoreFulfillment) -> bool:
    pushed = (
        select(Parcel.id)
        .join(SupplierOrder, SupplierOrder.id == Parcel.supplier_order_id)
        .join(Order, Order.id == SupplierOrder.order_id)
        .where(
            Order.shop_id == shop.id,
            Order.shopify_gid == fulfillment.order_gid,
            Parcel.shopify_fulfillment_gid == fulfillment.reference,
        )
    )
    reported = (
        select(Parcel.id)
        .join(SupplierOrder, SupplierOrder.id == Parcel.supplier_order_id)
        .join(Supplier, Supplier.id == SupplierOrder.supplier_id)
        .where(
            Supplier.channel == "store",
            Supplier.store_domain == shop.domain,
            SupplierOrder.supplier_reference == fulfillment.order_gid,
            Parcel.source_ref == fulfillment.reference,
        )
    )
    return bool(db.session.scalar(select(exists(pushed) | exists(reported))))


def refresh_store_status(shop_domain: str, reference: OrderReference, receipt) -> str | None:
    """A fulfillment order's request moved (submitted, accepted, rejected; its cancellation
    accepted or rejected), or its order's routing is complete: the payload says so, and the
    order itself did not change. Only the order's fulfillment status is read (2 points); the
    whole order (about 12) only when Relay does not hold it yet. Returns the order's id."""
    if not reference.fulfillment_order_gid:
        refresh_order(shop_domain, reference, receipt)
        return reference.order_gid
    shop = shops.shop_by_domain(shop_domain)
    client = tokens.admin_client(shop)
    status = orders_gateway.order_status_of_fulfillment_order(
        client, reference.fulfillment_order_gid
    )
    if status is None:
        return None
    if sync.store_status_read(shop, status.gid, status.store_status, receipt.topic) is None:
        snapshot = orders_gateway.order_by_id(client, status.gid)
        if snapshot is None:
            return None
        sync.upsert(shop, snapshot, source=receipt.topic)
    _forget_redacted_customer(shop, status.gid, receipt)
    return status.gid


def _forget_redacted_customer(shop, order_gid: str, receipt) -> None:
    """The customer of this order asked to be erased: the delivery's body (their name, email,
    address) is not kept either. Runs last among a topic's handlers (topics.py)."""
    if sync.customer_redacted(shop, order_gid):
        receipt.payload = {"redacted": True, "id": (receipt.payload or {}).get("id")}
