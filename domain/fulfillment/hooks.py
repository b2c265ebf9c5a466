"""Reactions to an order synced from the store (called by domain.orders.sync.upsert)."""

from __future__ import annotations

from domain import states
from domain.orders import timeline
from domain.orders.paid import MONEY_RETURNED
from domain.orders.timeline import N_, EventKind


def order_synced(order) -> None:
    """Auto-place: a paid order's parts for suppliers that place automatically are requested
    (and so forwarded once the hold window is over). Only paid orders go automatically."""
    from domain.fulfillment import requesting as requests

    if order.cancelled_at is not None or order.paid_at is None:
        return
    if order.deleted_at is not None or order.customer_redacted_at is not None:
        return  # never forwarded (domain/orders/store_changes.never_forwarded)
    if order.financial_status in MONEY_RETURNED:
        return
    due = [
        so
        for so in order.supplier_orders
        if so.status == "ready"
        and so.supplier is not None
        and so.supplier.places_automatically
        # A test order is never placed in a supplier's store; the merchant may still send it
        # to a portal supplier by hand (forwarding refuses the store channel anyway).
        and not (order.test and so.supplier.channel == "store")
    ]
    if due:
        requests.request_fulfillment(due, actor="relay")


def address_changed_in_store(order) -> None:
    """The address may change freely until the order is forwarded; after that only the
    supplier can act on it, so the merchant is told to contact them."""
    for supplier_order in order.supplier_orders:
        if supplier_order.status in (*states.WITH_SUPPLIER, "cancellation_requested"):
            supplier_order.problem = N_(
                "The shipping address changed after the order was sent: tell the supplier."
            )
            timeline.record(
                order,
                EventKind.ADDRESS_CHANGED_AFTER_FORWARD,
                N_(
                    "The shipping address changed in the store after the order was sent to "
                    "%(supplier)s: contact the supplier, Relay cannot change it there"
                ),
                actor="shopify",
                supplier=supplier_order.supplier.name if supplier_order.supplier else "",
            )
