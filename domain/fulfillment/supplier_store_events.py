"""Channel `store`: the supplier fulfills Relay's order in its own store; that fulfillment
(webhook from the supplier's shop) becomes a parcel of the retailer's supplier order.

A fulfillment only counts for supplier orders placed in *that* store: a supplier cannot report
shipments on an order it does not own. Redeliveries update the same parcel (keyed by the
supplier's fulfillment id)."""

from __future__ import annotations

import logging

from domain.cancellations import intake as cancellation_intake
from domain.errors import DomainError
from domain.fulfillment import channels, shipments
from domain.models.orders import SupplierOrder
from domain.orders import routing, timeline
from domain.orders.timeline import N_
from domain.webhooks.topics import handles

log = logging.getLogger("relay.supplier_store")


@handles("fulfillments/create", "fulfillments/update")
def supplier_fulfilled(shop_domain: str, payload: dict, receipt) -> None:
    order_gid = f"gid://shopify/Order/{payload.get('order_id')}"
    owned = channels.placed_in_supplier_store(shop_domain, order_gid)
    if not owned:
        return  # the store's own order, or one this supplier does not fulfill for anyone
    for supplier_order in owned:
        try:
            shipments.record_shipment(
                supplier_order,
                _tracking(payload),
                quantities=_quantities(supplier_order, payload.get("line_items") or []),
                source_ref=payload.get("admin_graphql_api_id") or str(payload.get("id")),
                actor_name=supplier_order.supplier.name,
            )
        except DomainError as exc:
            log.warning(
                "fulfillment %s from %s not applied to supplier order %s: %s",
                payload.get("id"),
                shop_domain,
                supplier_order.id,
                exc.message,
            )
            receipt.error = exc.message
            # Nothing reaches the customer, so the merchant must hear of it. Fixing the
            # fulfillment in the supplier's store (fulfillments/update) brings it in.
            supplier_order.problem = N_(
                "The supplier's store reported a shipment Relay could not use; ask the "
                "supplier to correct it there."
            )
            timeline.record(
                supplier_order.order,
                "supplier_shipment_refused",
                N_("%(supplier)s reported a shipment Relay could not use: %(reason)s"),
                actor="supplier",
                actor_name=supplier_order.supplier.name,
                supplier=supplier_order.supplier.name,
                reason=exc.message,
            )


@handles("orders/cancelled")
def supplier_cancelled(shop_domain: str, payload: dict, receipt) -> None:
    """The supplier cancelled, in its own store, the order Relay placed there: its answer to
    a cancellation request (only for orders that store owns)."""
    cancellation_intake.cancelled_in_supplier_store(shop_domain, payload)


def _tracking(payload: dict) -> shipments.Tracking:
    number = payload.get("tracking_number") or next(
        iter(payload.get("tracking_numbers") or []), None
    )
    if not number:
        return shipments.Tracking("untracked")
    url = payload.get("tracking_url") or next(iter(payload.get("tracking_urls") or []), None)
    return shipments.Tracking("tracked", number, payload.get("tracking_company"), url)


def _quantities(supplier_order: SupplierOrder, shipped_lines: list[dict]) -> dict[int, int]:
    """Match the supplier store's lines (its SKUs) to the retailer's lines of this order."""
    mine = supplier_order.line_items
    mappings = routing.mappings_for(supplier_order.shop_id, {li.sku for li in mine if li.sku})
    supplier_skus = {sku: mapping.supplier_sku for sku, mapping in mappings.items()}
    remaining = shipments.remaining_quantities(supplier_order)
    quantities: dict[int, int] = {}
    for shipped in shipped_lines:
        sku, qty = shipped.get("sku"), int(shipped.get("quantity") or 0)
        for line in mine:
            if qty and sku in (line.sku, supplier_skus.get(line.sku)):
                take = min(qty, remaining[line.id] - quantities.get(line.id, 0))
                if take > 0:
                    quantities[line.id] = quantities.get(line.id, 0) + take
                    qty -= take
    return quantities
