"""Orders from the store: pages for backfill and sweeps, one order for a refresh."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.shopify_admin.client import AdminClient

# OrderFields asks for 10 line items: a node costs 37 points, so 25 orders stay under
# Shopify's 1,000-point ceiling per query (2 + 25 × 37 = 927).
PAGE_SIZE = 25


@dataclass(frozen=True)
class OrdersPage:
    nodes: list[dict]
    next_cursor: str | None


def orders_page(client: AdminClient, *, after: str | None, query: str | None) -> OrdersPage:
    connection = client.execute("OrdersPage", {"first": PAGE_SIZE, "after": after, "query": query})[
        "orders"
    ]
    info = connection["pageInfo"]
    return OrdersPage(connection["nodes"], info["endCursor"] if info["hasNextPage"] else None)


def order_by_id(client: AdminClient, gid: str) -> dict | None:
    return client.execute("OrderById", {"id": gid})["order"]


def order_of_fulfillment_order(client: AdminClient, fo_gid: str) -> dict | None:
    fulfillment_order = client.execute("OrderOfFulfillmentOrder", {"id": fo_gid})[
        "fulfillmentOrder"
    ]
    return fulfillment_order and fulfillment_order["order"]


def update_shipping_address(client: AdminClient, order_gid: str, address: dict) -> None:
    """orderUpdate with a MailingAddressInput (firstName, lastName, address1, ... countryCode)."""
    client.mutate(
        "OrderUpdateShippingAddress", {"id": order_gid, "address": address}, "orderUpdate"
    )
