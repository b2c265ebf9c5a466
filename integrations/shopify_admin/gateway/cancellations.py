"""Cancellations in the store: the fulfillment order's cancellation request (Relay submits it as
the order manager and answers it as the fulfillment service), withdrawing a request not yet
accepted, and cancelling an order (the retailer's, or the one Relay placed in a supplier's
store)."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.gateway.fulfillment import FulfillmentOrder, _read


@dataclass(frozen=True)
class RequestedCancellation:
    fulfillment_order: FulfillmentOrder
    message: str | None  # the merchant's note, from the CANCELLATION_REQUEST merchant request


@dataclass(frozen=True)
class OrderState:
    gid: str
    name: str
    cancelled: bool
    note: str | None
    tags: tuple[str, ...]


def submit_cancellation_request(client: AdminClient, fo_gid: str, message: str | None) -> None:
    client.mutate(
        "FulfillmentOrderSubmitCancellationRequest",
        {"id": fo_gid, "message": message},
        "fulfillmentOrderSubmitCancellationRequest",
    )


def accept_cancellation_request(client: AdminClient, fo_gid: str, message: str | None) -> None:
    client.mutate(
        "FulfillmentOrderAcceptCancellationRequest",
        {"id": fo_gid, "message": message},
        "fulfillmentOrderAcceptCancellationRequest",
    )


def reject_cancellation_request(client: AdminClient, fo_gid: str, message: str | None) -> None:
    client.mutate(
        "FulfillmentOrderRejectCancellationRequest",
        {"id": fo_gid, "message": message},
        "fulfillmentOrderRejectCancellationRequest",
    )


def withdraw_fulfillment_request(client: AdminClient, fo_gid: str) -> str | None:
    """fulfillmentOrderCancel: the merchant takes back a request the service has not accepted.
    Shopify closes the fulfillment order and opens a replacement; returns the replacement."""
    payload = client.mutate("FulfillmentOrderCancel", {"id": fo_gid}, "fulfillmentOrderCancel")
    return (payload.get("replacementFulfillmentOrder") or {}).get("id")


def cancel_order(
    client: AdminClient,
    order_gid: str,
    *,
    restock: bool,
    refund: bool,
    notify_customer: bool,
    reason: str = "CUSTOMER",
    staff_note: str | None = None,
) -> str | None:
    """orderCancel (asynchronous in Shopify: returns its Job's gid). Raises ShopifyUserError
    with Shopify's orderCancelUserErrors, e.g. "Cannot cancel an order that has outstanding
    fulfillments"."""
    payload = client.mutate(
        "OrderCancel",
        {
            "orderId": order_gid,
            "restock": restock,
            "refundMethod": {"originalPaymentMethodsRefund": refund},
            "notifyCustomer": notify_customer,
            "reason": reason,
            "staffNote": (staff_note or "")[:255] or None,  # Shopify's limit
        },
        "orderCancel",
    )
    return (payload.get("job") or {}).get("id")


def order_state(client: AdminClient, order_gid: str) -> OrderState | None:
    node = client.execute("OrderCancellationState", {"id": order_gid})["order"]
    if node is None:
        return None
    return OrderState(
        gid=node["id"],
        name=node["name"],
        cancelled=node["cancelledAt"] is not None,
        note=node.get("note"),
        tags=tuple(node.get("tags") or ()),
    )


def update_note_and_tags(client: AdminClient, order_gid: str, note: str, tags: list[str]) -> None:
    client.mutate(
        "OrderUpdateNoteAndTags", {"id": order_gid, "note": note, "tags": tags}, "orderUpdate"
    )


def requested_cancellations(
    client: AdminClient, location_gid: str | None
) -> list[RequestedCancellation]:
    """Fulfillment orders at Relay's location with a cancellation request waiting (all pages)."""
    found, after = [], None
    while True:
        connection = client.execute(
            "CancellationRequestedFulfillmentOrders",
            {"locationIds": [location_gid] if location_gid else None, "after": after},
        )["assignedFulfillmentOrders"]
        for node in connection["nodes"]:
            requests = (node.get("merchantRequests") or {}).get("nodes") or []
            message = requests[-1].get("message") if requests else None
            found.append(RequestedCancellation(_read(client, node), message))
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]
