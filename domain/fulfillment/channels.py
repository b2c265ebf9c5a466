"""How a supplier order reaches each kind of supplier.

store   another Shopify store running Relay: the order is created there (Collective's model),
        and its fulfillment comes back as tracking (see supplier_store_events).
portal  Relay's supplier pages: the supplier accepts or declines and enters tracking.
manual  non auto-order: the merchant orders on the supplier's website and types tracking in.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from domain.errors import NotInstalled
from domain.fulfillment import shipments
from domain.models.orders import (
    Supplier,
    SupplierOrder,
)
from domain.models.shipments import SupplierDelivery
from domain.models.shop import Shop
from domain.orders import routing, timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from extensions import db
from integrations.shopify_admin.errors import ShopifyAuthError
from integrations.shopify_admin.gateway import supplier_store
from integrations.shopify_admin.order_shapes import PostalAddress


class CannotForward(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def reference_tag(shop: Shop, supplier_order: SupplierOrder) -> str:
    """Unique per retailer and supplier order: how a retried job finds what it placed."""
    return f"relay-r{shop.id}-so{supplier_order.id}"


def placed_in_supplier_store(store_domain: str, order_gid: str) -> list[SupplierOrder]:
    """The supplier orders Relay placed in this supplier's store as that order, locked: only
    the store that owns an order may report on it (a supplier cannot ship or cancel another's
    orders)."""
    # A scheduled delivery sent later is an order of its own there (SupplierDelivery).
    later_delivery = select(SupplierDelivery.supplier_order_id).where(
        SupplierDelivery.supplier_reference == order_gid
    )
    return list(
        db.session.scalars(
            select(SupplierOrder)
            .join(Supplier, Supplier.id == SupplierOrder.supplier_id)
            .where(
                Supplier.channel == "store",
                Supplier.store_domain == store_domain,
                (SupplierOrder.supplier_reference == order_gid)
                | SupplierOrder.id.in_(later_delivery),
            )
            .with_for_update(of=SupplierOrder)
        )
    )


def require_address(order) -> None:
    """A supplier ships to the customer: an order with no shipping address (a pickup order, a
    redacted customer) is never sent, whatever its lines."""
    if not order.shipping_address:
        raise CannotForward(
            _(
                "This order has no shipping address (a pickup order, or the customer's data "
                "was erased): a supplier cannot ship it. Nothing was sent."
            )
        )


def dispatch(
    shop: Shop, supplier_order: SupplierOrder, quantities: dict[int, int] | None = None
) -> None:
    """`quantities` (line id -> quantity): only what is due now, when Shopify schedules
    deliveries (domain/fulfillment/schedules.py); else every line's quantity."""
    if supplier_order.supplier.channel == "store":
        supplier_order.supplier_reference = _place_in_supplier_store(
            shop, supplier_order, quantities
        )


def dispatch_delivery(
    shop: Shop, supplier_order: SupplierOrder, fo_gid: str, quantities: dict[int, int]
) -> str | None:
    """A later scheduled delivery: its own order in a supplier's store (tagged per fulfillment
    order, so a retry finds it). Portal and manual suppliers see it in what is left to ship."""
    if supplier_order.supplier.channel != "store":
        return None
    tag = f"{reference_tag(shop, supplier_order)}-fo{fo_gid.rsplit('/', 1)[-1]}"
    return _place_in_supplier_store(shop, supplier_order, quantities, tag=tag)


def after_forward(shop: Shop, supplier_order: SupplierOrder) -> None:
    supplier = supplier_order.supplier
    if supplier.channel == "store":
        # The order now exists in the supplier's store: that is its acceptance.
        shipments.supplier_accepts(supplier_order, actor_name=supplier.name)
    elif supplier.channel == "portal":
        timeline.record(
            supplier_order.order,
            EventKind.AWAITING_SUPPLIER,
            N_("Waiting for %(supplier)s to accept it in the supplier portal"),
            supplier=supplier.name,
        )
    else:
        timeline.record(
            supplier_order.order,
            EventKind.ORDER_ON_WEBSITE,
            N_("Order it on %(supplier)s's website, then mark it as ordered"),
            supplier=supplier.name,
        )


def _place_in_supplier_store(
    shop: Shop,
    supplier_order: SupplierOrder,
    quantities: dict[int, int] | None = None,
    tag: str | None = None,
) -> str:
    supplier = supplier_order.supplier
    supplier_shop = shops.shop_by_domain(supplier.store_domain or "")
    if supplier_shop is None or not supplier_shop.is_installed:
        raise CannotForward(
            _(
                "%(store)s has not installed Relay, so the order cannot be placed in it.",
                store=supplier.store_domain or _("The supplier's store"),
            )
        )
    try:
        return _place_once(
            shop, supplier_order, tokens.admin_client(supplier_shop), quantities, tag
        )
    except (ShopifyAuthError, NotInstalled) as exc:
        raise CannotForward(
            _(
                "%(store)s no longer lets Relay in (the app was uninstalled or its access "
                "revoked): ask the supplier to reinstall Relay, then request fulfillment again.",
                store=supplier.store_domain,
            )
        ) from exc


def _place_once(
    shop: Shop,
    supplier_order: SupplierOrder,
    client,
    quantities: dict[int, int] | None = None,
    tag: str | None = None,
) -> str:
    """Create the order in the supplier's store, unless a run killed before it could record
    it already did (found again by the reference tag)."""
    supplier = supplier_order.supplier
    tag = tag or reference_tag(shop, supplier_order)
    existing = supplier_store.find_order_by_tag(client, tag)
    if existing:
        return existing
    order = supplier_order.order
    lines = [line for line in supplier_order.line_items if line.quantity > 0]
    mappings = routing.mappings_for(shop.id, {li.sku for li in lines if li.sku})
    placed = []
    for line in lines:
        quantity = line.quantity if quantities is None else quantities.get(line.id, 0)
        if quantity <= 0:
            continue  # not due yet: a later delivery
        mapping = mappings.get(line.sku)
        placed.append(
            supplier_store.PlacedLine(
                sku=(mapping.supplier_sku if mapping and mapping.supplier_sku else line.sku),
                title=line.title,
                quantity=quantity,
                unit_cost=mapping.cost if mapping else None,
            )
        )
    return supplier_store.place_order(
        client,
        reference_tag=tag,
        retailer_reference=f"{shop.name or shop.domain} {order.name}",
        lines=placed,
        currency=supplier.currency,
        shipping_address=(
            PostalAddress.from_fields(order.shipping_address) if order.shipping_address else None
        ),
        paid=supplier.pays_automatically or supplier_order.supplier_paid_at is not None,
    )
