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
from domain.orders.timeline import N_, EventKind
from integrations.shopify_admin.webhook_payloads import (
    CancelledOrder,
    ShippedLine,
    StoreFulfillment,
)

log = logging.getLogger("relay.supplier_store")


def supplier_fulfilled(shop_domain: str, fulfillment: StoreFulfillment, receipt) -> None:
    owned = channels.placed_in_supplier_store(shop_domain, fulfillment.order_gid)
    if not owned:
        return  # the store's own order, or one this supplier does not fulfill for anyone
    for supplier_order in owned:
        if receipt.topic == "fulfillments/create" and any(
            parcel.source_ref == fulfillment.reference for parcel in supplier_order.parcels
        ):
            # A fulfillment's first state, for a parcel Relay already has: a later state
            # (fulfillments/update, a corrected tracking number) was processed first, or the
            # create came twice. Applying it would put the older tracking back.
            continue
        try:
            shipments.record_shipment(
                supplier_order,
                _tracking(fulfillment),
                quantities=_quantities(supplier_order, fulfillment.lines),
                source_ref=fulfillment.reference,
                actor_name=supplier_order.supplier.name,
            )
        except DomainError as exc:
            log.warning(
                "fulfillment %s from %s not applied to supplier order %s: %s",
                fulfillment.legacy_id,
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
                EventKind.SUPPLIER_SHIPMENT_REFUSED,
                N_("%(supplier)s reported a shipment Relay could not use: %(reason)s"),
                actor="supplier",
                actor_name=supplier_order.supplier.name,
                supplier=supplier_order.supplier.name,
                reason=exc.message,
            )


def supplier_cancelled(shop_domain: str, cancelled: CancelledOrder, receipt) -> None:
    """The supplier cancelled, in its own store, the order Relay placed there: its answer to
    a cancellation request (only for orders that store owns)."""
    cancellation_intake.cancelled_in_supplier_store(shop_domain, cancelled)


def _tracking(fulfillment: StoreFulfillment) -> shipments.Tracking:
    if not fulfillment.tracking_number:
        return shipments.Tracking("untracked")
    return shipments.Tracking(
        "tracked",
        fulfillment.tracking_number,
        fulfillment.tracking_company,
        fulfillment.tracking_url,
    )


def _quantities(
    supplier_order: SupplierOrder, shipped_lines: tuple[ShippedLine, ...]
) -> dict[int, int]:
    """Match the supplier store's lines (its SKUs) to the retailer's lines of this order."""
    mine = supplier_order.line_items
    mappings = routing.mappings_for(supplier_order.shop_id, {li.sku for li in mine if li.sku})
    supplier_skus = {sku: mapping.supplier_sku for sku, mapping in mappings.items()}
    remaining = shipments.remaining_quantities(supplier_order)
    quantities: dict[int, int] = {}
    for shipped in shipped_lines:
        sku, qty = shipped.sku, shipped.quantity
        for line in mine:
            if qty and sku in (line.sku, supplier_skus.get(line.sku)):
                take = min(qty, remaining[line.id] - quantities.get(line.id, 0))
                if take > 0:
                    quantities[line.id] = quantities.get(line.id, 0) + take
                    qty -= take
    return quantities
