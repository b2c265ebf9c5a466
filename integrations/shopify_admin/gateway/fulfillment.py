"""Fulfillment orders and fulfillments: Relay as order manager (submits requests, holds) and as
the fulfillment service that accepts them and reports the supplier's parcels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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
    # When a SCHEDULED one (a subscription's later delivery, a pre-order) becomes due.
    fulfill_at: datetime | None = None

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
        fulfill_at=_time(node.get("fulfillAt")),
    )


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _complete_lines(client: AdminClient, node: dict) -> dict:
    """A fulfillment order read with its first lines gets the rest, 250 a page (Shopify's
    most): a request or fulfillment must never be built from part of one."""
    lines = node["lineItems"]
    info = lines.get("pageInfo") or {}
    while info.get("hasNextPage"):
        more = client.execute(
            "FulfillmentOrderLineItems", {"id": node["id"], "after": info["endCursor"]}
        )["fulfillmentOrder"]
        if more is None:
            break
        lines["nodes"] = lines["nodes"] + more["lineItems"]["nodes"]
        info = more["lineItems"]["pageInfo"]
    return node


def _read(client: AdminClient, node: dict) -> FulfillmentOrder:
    return _fulfillment_order(_complete_lines(client, node))


def fulfillment_orders_of(client: AdminClient, order_gid: str) -> list[FulfillmentOrder]:
    """Every fulfillment order of an order (10 a page: a subscription has one per delivery)
    with every line."""
    found, after = [], None
    while True:
        order = client.execute("OrderFulfillmentOrders", {"id": order_gid, "after": after})["order"]
        if order is None:
            return found
        connection = order["fulfillmentOrders"]
        found += [_read(client, node) for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


def fulfillments_of(client: AdminClient, order_gid: str) -> list[Fulfillment]:
    order = client.execute("OrderFulfillments", {"id": order_gid})["order"]
    if order is None:
        return []
    return [_fulfillment(_complete_fulfillment_lines(client, f)) for f in order["fulfillments"]]


def _complete_fulfillment_lines(client: AdminClient, node: dict) -> dict:
    """A parcel of more lines than the order read took gets the rest, 250 a page: adopting a
    fulfillment compares every line."""
    lines = node["fulfillmentLineItems"]
    info = lines.get("pageInfo") or {}
    while info.get("hasNextPage"):
        more = client.execute(
            "FulfillmentLineItems", {"id": node["id"], "after": info["endCursor"]}
        )["fulfillment"]
        if more is None:
            break
        lines["nodes"] = lines["nodes"] + more["fulfillmentLineItems"]["nodes"]
        info = more["fulfillmentLineItems"]["pageInfo"]
    return node


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
    if order["fulfillmentOrders"]["pageInfo"]["hasNextPage"]:
        return found, fulfillment_orders_of(client, order_gid)
    return found, [_read(client, node) for node in order["fulfillmentOrders"]["nodes"]]


@dataclass(frozen=True)
class FulfillmentHold:
    gid: str
    reason: str  # Shopify's FulfillmentHoldReason, e.g. HIGH_RISK_OF_FRAUD
    notes: str | None
    held_by: str | None  # the app's title; None when the merchant placed it


def fulfillment_order_holds(
    client: AdminClient, fo_gid: str
) -> tuple[FulfillmentOrder | None, tuple[FulfillmentHold, ...]]:
    """A fulfillment order and the holds on it now, as Shopify lists them."""
    node = client.execute("FulfillmentOrderHolds", {"id": fo_gid})["fulfillmentOrder"]
    if node is None:
        return None, ()
    holds = tuple(
        FulfillmentHold(
            gid=hold["id"],
            reason=hold["reason"],
            notes=hold.get("reasonNotes") or None,
            held_by=(hold.get("heldByApp") or {}).get("title"),
        )
        for hold in node.get("fulfillmentHolds") or ()
    )
    return _read(client, node), holds


def fulfillment_order(client: AdminClient, fo_gid: str) -> FulfillmentOrder | None:
    node = client.execute("FulfillmentOrderById", {"id": fo_gid})["fulfillmentOrder"]
    return _read(client, node) if node else None


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
        [_read(client, node) for node in connection["nodes"]],
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
    return _read(client, payload["submittedFulfillmentOrder"]), unsubmitted.get("id")


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
