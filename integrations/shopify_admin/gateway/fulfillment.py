"""Fulfillment orders and fulfillments: Relay as order manager (submits requests, holds) and as
the fulfillment service that accepts them and reports the supplier's parcels."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.shopify_admin.client import AdminClient

STATE_FULFILLMENTS, STATE_LINES = 15, 10  # OrderFulfillmentState's limits


@dataclass(frozen=True)
class FulfillmentOrderLine:
    gid: str
    line_item_gid: str
    total_quantity: int
    remaining_quantity: int
    # Line kinds: a supplier never gets a line that needs no shipping, nor a gift card.
    requires_shipping: bool = True
    is_gift_card: bool = False


@dataclass(frozen=True)
class FulfillmentOrder:
    gid: str
    status: str
    request_status: str
    location_gid: str | None
    lines: tuple[FulfillmentOrderLine, ...]
    order_gid: str | None = None
    # DeliveryMethodType: SHIPPING, PICK_UP, LOCAL, NONE, RETAIL, PICKUP_POINT (None: not read).
    delivery_method: str | None = None

    def line_for(self, line_item_gid: str) -> FulfillmentOrderLine | None:
        return next((line for line in self.lines if line.line_item_gid == line_item_gid), None)


@dataclass(frozen=True)
class Fulfillment:
    gid: str
    tracking_numbers: tuple[str, ...]
    line_quantities: dict[str, int]  # line item gid -> quantity
    status: str = "SUCCESS"  # CANCELLED, ERROR, FAILURE: nothing left for the customer


def _fulfillment_order(node: dict) -> FulfillmentOrder:
    location = (node.get("assignedLocation") or {}).get("location") or {}
    return FulfillmentOrder(
        gid=node["id"],
        status=node["status"],
        request_status=node["requestStatus"],
        location_gid=location.get("id"),
        lines=tuple(
            FulfillmentOrderLine(
                gid=line["id"],
                line_item_gid=line["lineItem"]["id"],
                total_quantity=line["totalQuantity"],
                remaining_quantity=line["remainingQuantity"],
                requires_shipping=line.get("requiresShipping", True),
                is_gift_card=line["lineItem"].get("isGiftCard", False),
            )
            for line in node["lineItems"]["nodes"]
        ),
        order_gid=(node.get("order") or {}).get("id"),
        delivery_method=(node.get("deliveryMethod") or {}).get("methodType"),
    )


def fulfillment_orders_of(client: AdminClient, order_gid: str) -> list[FulfillmentOrder]:
    order = client.execute("OrderFulfillmentOrders", {"id": order_gid})["order"]
    if order is None:
        return []
    return [_fulfillment_order(node) for node in order["fulfillmentOrders"]["nodes"]]


def fulfillments_of(client: AdminClient, order_gid: str) -> list[Fulfillment]:
    order = client.execute("OrderFulfillments", {"id": order_gid})["order"]
    if order is None:
        return []
    return [_fulfillment(f) for f in order["fulfillments"]]


def _fulfillment(node: dict) -> Fulfillment:
    return Fulfillment(
        gid=node["id"],
        tracking_numbers=tuple(t["number"] for t in node["trackingInfo"] if t.get("number")),
        line_quantities={
            n["lineItem"]["id"]: n["quantity"] for n in node["fulfillmentLineItems"]["nodes"]
        },
        status=node.get("status") or "SUCCESS",
    )


def fulfillment_state(
    client: AdminClient, order_gid: str
) -> tuple[list[Fulfillment], list[FulfillmentOrder]]:
    """An order's fulfillments and fulfillment orders in one read (what a push needs). The
    read stays under Shopify's 1,000-point query limit by taking 15 fulfillments of 10 lines;
    an order with more is read again with OrderFulfillments' wider limits."""
    order = client.execute("OrderFulfillmentState", {"id": order_gid})["order"]
    if order is None:
        return [], []
    fulfillments = order["fulfillments"]
    if len(fulfillments) >= STATE_FULFILLMENTS or any(
        len(f["fulfillmentLineItems"]["nodes"]) >= STATE_LINES for f in fulfillments
    ):
        found = fulfillments_of(client, order_gid)
    else:
        found = [_fulfillment(f) for f in fulfillments]
    return found, [_fulfillment_order(node) for node in order["fulfillmentOrders"]["nodes"]]


def fulfillment_order(client: AdminClient, fo_gid: str) -> FulfillmentOrder | None:
    node = client.execute("FulfillmentOrderById", {"id": fo_gid})["fulfillmentOrder"]
    return _fulfillment_order(node) if node else None


def assigned_fulfillment_orders(
    client: AdminClient, status: str, location_gid: str | None
) -> list[FulfillmentOrder]:
    """Fulfillment orders assigned to Relay's location in one assignment status (all pages)."""
    found, after = [], None
    while True:
        page, after = assigned_fulfillment_orders_page(client, status, location_gid, after)
        found += page
        if after is None:
            return found


def assigned_fulfillment_orders_page(
    client: AdminClient, status: str, location_gid: str | None, after: str | None
) -> tuple[list[FulfillmentOrder], str | None]:
    """One page of them, and the cursor of the next page (None on the last)."""
    connection = client.execute(
        "AssignedFulfillmentOrders",
        {
            "status": status,
            "locationIds": [location_gid] if location_gid else None,
            "after": after,
        },
    )["assignedFulfillmentOrders"]
    more = connection["pageInfo"]["hasNextPage"]
    return (
        [_fulfillment_order(node) for node in connection["nodes"]],
        connection["pageInfo"]["endCursor"] if more else None,
    )


def submit_request(
    client: AdminClient, fo_gid: str, lines: dict[str, int], message: str | None
) -> FulfillmentOrder:
    """Submit a fulfillment request for some lines (FO line gid -> quantity); Shopify splits
    the rest into a new unsubmitted fulfillment order. Returns the submitted one."""
    return submit_request_splitting(client, fo_gid, lines, message)[0]


def submit_request_splitting(
    client: AdminClient, fo_gid: str, lines: dict[str, int], message: str | None
) -> tuple[FulfillmentOrder, str | None]:
    """The same, also naming the unsubmitted fulfillment order Shopify split the other lines
    into (None when every line was requested)."""
    payload = client.mutate(
        "FulfillmentOrderSubmitRequest",
        {
            "id": fo_gid,
            "message": message,
            "lineItems": [{"id": gid, "quantity": qty} for gid, qty in lines.items()],
        },
        "fulfillmentOrderSubmitFulfillmentRequest",
    )
    unsubmitted = payload.get("unsubmittedFulfillmentOrder") or {}
    return _fulfillment_order(payload["submittedFulfillmentOrder"]), unsubmitted.get("id")


def accept_request(client: AdminClient, fo_gid: str, message: str | None = None) -> None:
    client.mutate(
        "FulfillmentOrderAcceptRequest",
        {"id": fo_gid, "message": message},
        "fulfillmentOrderAcceptFulfillmentRequest",
    )


def reject_request(client: AdminClient, fo_gid: str, reason: str, message: str) -> None:
    client.mutate(
        "FulfillmentOrderRejectRequest",
        {"id": fo_gid, "reason": reason, "message": message},
        "fulfillmentOrderRejectFulfillmentRequest",
    )


def hold(client: AdminClient, fo_gid: str, notes: str) -> str:
    payload = client.mutate(
        "FulfillmentOrderHold",
        {"id": fo_gid, "hold": {"reason": "OTHER", "reasonNotes": notes, "handle": "relay"}},
        "fulfillmentOrderHold",
    )
    return payload["fulfillmentHold"]["id"]


def release_hold(client: AdminClient, fo_gid: str) -> None:
    client.mutate("FulfillmentOrderReleaseHold", {"id": fo_gid}, "fulfillmentOrderReleaseHold")


def create_fulfillment(
    client: AdminClient,
    lines_by_fulfillment_order: dict[str, dict[str, int]],
    tracking: dict | None,
    notify_customer: bool,
) -> str:
    """One fulfillment (a parcel) covering FO lines; returns the fulfillment gid."""
    fulfillment: dict = {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fo_gid,
                "fulfillmentOrderLineItems": [
                    {"id": line_gid, "quantity": qty} for line_gid, qty in lines.items()
                ],
            }
            for fo_gid, lines in lines_by_fulfillment_order.items()
        ],
        "notifyCustomer": notify_customer,
    }
    if tracking:
        fulfillment["trackingInfo"] = tracking
    payload = client.mutate("FulfillmentCreate", {"fulfillment": fulfillment}, "fulfillmentCreate")
    return payload["fulfillment"]["id"]


def update_tracking(
    client: AdminClient, fulfillment_gid: str, tracking: dict, notify_customer: bool
) -> None:
    client.mutate(
        "FulfillmentTrackingInfoUpdate",
        {
            "fulfillmentId": fulfillment_gid,
            "trackingInfo": tracking,
            "notifyCustomer": notify_customer,
        },
        "fulfillmentTrackingInfoUpdate",
    )
