"""Which handlers run for a webhook topic, in order: the one table to read.

Each handler gets the payload as the typed value its reader (integrations/shopify_admin/
webhook_payloads.py) makes of it. webhooks.intake.process runs a receipt's handlers in one
transaction; a topic nobody handles is recorded and acknowledged, never an error: Shopify would
retry it forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.cancellations import intake as cancellation_intake
from domain.fulfillment import (
    incoming,
    rearranged,
    schedule_events,
    store_holds,
    supplier_store_events,
)
from domain.money import refund_mirror
from domain.orders import store_changes
from domain.orders import webhooks as order_webhooks
from domain.shop import lifecycle_webhooks as lifecycle
from integrations.shopify_admin import webhook_payloads as payloads


@dataclass(frozen=True)
class Handler:
    run: Callable  # (shop domain, typed payload, receipt) -> None
    read: Callable[[dict], object] | None  # None: the handler does not read the payload

    def __call__(self, shop_domain: str, payload: dict, receipt) -> None:
        self.run(shop_domain, self.read(payload) if self.read else None, receipt)


ORDER = Handler(order_webhooks.order_payload, payloads.order)
REFRESH_ORDER = Handler(order_webhooks.refresh_order, payloads.order_reference)
WHO_SHIPS = Handler(rearranged.fulfillment_orders_changed, payloads.order_reference)
# A request's move, as the payload says: the store's status is read, not the whole order.
REQUEST_MOVED = Handler(order_webhooks.refresh_store_status, payloads.order_reference)
HOLDS = Handler(store_holds.holds_changed, payloads.order_reference)
DUE = Handler(schedule_events.fulfillment_order_due, payloads.order_reference)
SUPPLIER_SHIPPED = Handler(supplier_store_events.supplier_fulfilled, payloads.store_fulfillment)
MERCHANT_FULFILLED = Handler(store_changes.fulfilled_in_store, payloads.store_fulfillment)
REFRESH_UNLESS_OWN = Handler(order_webhooks.refresh_unless_relays_own, payloads.store_fulfillment)

HANDLERS: dict[str, tuple[Handler, ...]] = {
    "orders/create": (ORDER,),
    "orders/updated": (ORDER,),
    "orders/paid": (ORDER,),
    "orders/cancelled": (
        Handler(cancellation_intake.order_cancelled_in_store, payloads.cancelled_order),
        Handler(supplier_store_events.supplier_cancelled, payloads.cancelled_order),
        ORDER,
    ),
    "orders/delete": (Handler(store_changes.deleted_in_store, payloads.deleted_order),),
    "orders/fulfilled": (ORDER,),
    "orders/partially_fulfilled": (ORDER,),
    # The payload is the edit alone (line ids and deltas), not the order: the order is read
    # back from the store, as it is now. orders/updated follows, but may come late or before
    # it; reading the order makes this one enough, and replaying it changes nothing.
    "orders/edited": (Handler(order_webhooks.refresh_order, payloads.order_edit_reference),),
    "refunds/create": (Handler(refund_mirror.refund_created, payloads.refund), REFRESH_ORDER),
    # REFRESH_UNLESS_OWN last: it drops the body of a redacted customer's order. Relay's own
    # fulfillments (its pushes, its suppliers' parcels) are not read back (issue 18).
    "fulfillments/create": (SUPPLIER_SHIPPED, MERCHANT_FULFILLED, REFRESH_UNLESS_OWN),
    "fulfillments/update": (SUPPLIER_SHIPPED, MERCHANT_FULFILLED, REFRESH_UNLESS_OWN),
    # Relay as the fulfillment service: the callback, then the webhooks.
    "fulfillment_service/notification": (
        Handler(incoming.fulfillment_service_notified, payloads.service_notification),
        Handler(incoming.cancellation_callback, payloads.service_notification),
    ),
    "fulfillment_orders/fulfillment_request_submitted": (
        Handler(incoming.fulfillment_request_submitted, payloads.submitted_request),
        REQUEST_MOVED,
    ),
    "fulfillment_orders/cancellation_request_submitted": (
        Handler(incoming.cancellation_request_arrived, None),
        REFRESH_ORDER,
    ),
    "fulfillment_orders/order_routing_complete": (
        Handler(rearranged.routing_complete, payloads.order_reference),
    ),
    # The merchant rearranged fulfillment orders: lines may have moved to or from Relay. The
    # order itself did not change: only its fulfillment orders are read.
    "fulfillment_orders/moved": (WHO_SHIPS,),
    "fulfillment_orders/split": (WHO_SHIPS,),
    "fulfillment_orders/merged": (WHO_SHIPS,),
    "fulfillment_orders/fulfillment_request_accepted": (REQUEST_MOVED,),
    "fulfillment_orders/fulfillment_request_rejected": (REQUEST_MOVED,),
    "fulfillment_orders/cancellation_request_accepted": (REQUEST_MOVED,),
    "fulfillment_orders/cancellation_request_rejected": (REQUEST_MOVED,),
    "fulfillment_orders/placed_on_hold": (REFRESH_ORDER, HOLDS),
    "fulfillment_orders/hold_released": (REFRESH_ORDER, HOLDS),
    "fulfillment_holds/added": (HOLDS,),
    "fulfillment_holds/released": (HOLDS,),
    "fulfillment_orders/scheduled_fulfillment_order_ready": (REFRESH_ORDER, DUE),
    "fulfillment_orders/rescheduled": (REFRESH_ORDER, DUE),
    "fulfillment_orders/cancelled": (REFRESH_ORDER,),
    # The shop's lifecycle and compliance.
    "app/uninstalled": (Handler(lifecycle.uninstalled, payloads.app_uninstalled),),
    "customers/data_request": (Handler(lifecycle.data_request, payloads.compliance_request),),
    "customers/redact": (Handler(lifecycle.customer_redact, payloads.compliance_request),),
    "shop/redact": (Handler(lifecycle.shop_redact, payloads.compliance_request),),
}


def handlers_for(topic: str) -> tuple[Handler, ...]:
    return HANDLERS.get(topic, ())


# Topics that must be processed even for a shop that has uninstalled Relay.
ALWAYS_PROCESSED = {"customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"}
# Uninstall and erasure lock the shop's row before the receipt's (webhooks.intake.process).
SHOP_LIFECYCLE_TOPICS = {"app/uninstalled", "shop/redact"}
