"""Orders from the store: how many, pages for small backfills and sweeps, one order for a
refresh. Large backfills use the bulk export (gateway/bulk.py) instead.

What a page costs (Shopify's calculated cost): an order node is 1, totalPriceSet 2 (MoneyBag and
shopMoney), customer 1, shippingAddress 1, lineItems 2 + 3 per line (LineItem and
originalUnitPriceSet.shopMoney); scalars are free. Requested, with 10 lines reserved per order:
2 + 25 x (7 + 3 x 10) = 927, under Shopify's 1,000 ceiling per query. Actual, charged by what
came back: 2 + sum(7 + 3 x lines), e.g. 2 + 25 x 13 = 327 points for two-line orders.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.order_shapes import (
    PostalAddress,
    ShopifyOrder,
    mailing_address_input,
    order_from_graphql,
)

PAGE_SIZE = 25
PAGE_REQUESTED_COST = 927  # reserved before each page runs: 2 + 25 x 37
# The actual cost of one order in OrdersPage (7 + 3 per line) with a typical two lines: what
# the backfill's choice between pages and a bulk export is computed from.
ORDER_COST = 13


@dataclass(frozen=True)
class OrdersPage:
    orders: list[ShopifyOrder]
    next_cursor: str | None
    cost: dict | None = None  # extensions.cost of the page request


@dataclass(frozen=True)
class OrdersCount:
    count: int
    exact: bool
    throttle: dict  # throttleStatus: maximumAvailable, currentlyAvailable, restoreRate


def orders_count(client: AdminClient, query: str | None) -> OrdersCount:
    counted = client.execute("OrdersCount", {"query": query})["ordersCount"]
    throttle = (client.last_cost or {}).get("throttleStatus") or {}
    return OrdersCount(counted["count"], counted["precision"] == "EXACT", throttle)


def orders_page(client: AdminClient, *, after: str | None, query: str | None) -> OrdersPage:
    connection = client.execute("OrdersPage", {"first": PAGE_SIZE, "after": after, "query": query})[
        "orders"
    ]
    cost = client.last_cost
    for node in connection["nodes"]:
        _complete_line_items(client, node)
    info = connection["pageInfo"]
    orders = [order_from_graphql(node) for node in connection["nodes"]]
    return OrdersPage(orders, info["endCursor"] if info["hasNextPage"] else None, cost)


def pages(client: AdminClient, *, after: str | None, query: str | None) -> Iterator[OrdersPage]:
    """Every page from `after` on. Before each request it waits until the bucket holds what
    the previous page requested, so no request comes back THROTTLED; the bucket refills while
    the caller works on a page, so only the shortfall is waited for."""
    last_cost, last_at = None, 0.0
    while True:
        time.sleep(_bucket_shortfall_seconds(last_cost, time.monotonic() - last_at))
        page = orders_page(client, after=after, query=query)
        last_cost, last_at = page.cost, time.monotonic()
        yield page
        if page.next_cursor is None:
            return
        after = page.next_cursor


def _bucket_shortfall_seconds(cost: dict | None, elapsed: float) -> float:
    if not cost:
        return 0.0
    status = cost.get("throttleStatus") or {}
    rate = float(status.get("restoreRate") or 0) or 50.0
    available = min(
        float(status.get("maximumAvailable") or 0) or float("inf"),
        float(status.get("currentlyAvailable") or 0) + elapsed * rate,
    )
    return max(0.0, (float(cost.get("requestedQueryCost") or 0) - available) / rate)


def _complete_line_items(client: AdminClient, node: dict) -> None:
    """Orders with more lines than the page asked for get the rest from OrderLineItems."""
    lines = node.get("lineItems") or {}
    info = lines.pop("pageInfo", None) or {}
    after = info.get("endCursor")
    while info.get("hasNextPage"):
        more = client.execute("OrderLineItems", {"id": node["id"], "after": after})["order"]
        if more is None:
            return
        lines["nodes"] = lines.get("nodes", []) + more["lineItems"]["nodes"]
        info = more["lineItems"]["pageInfo"]
        after = info["endCursor"]


def order_by_id(client: AdminClient, gid: str) -> ShopifyOrder | None:
    node = client.execute("OrderById", {"id": gid})["order"]
    if node is None:
        return None
    _complete_line_items(client, node)
    return order_from_graphql(node)


def order_of_fulfillment_order(client: AdminClient, fo_gid: str) -> ShopifyOrder | None:
    fulfillment_order = client.execute("OrderOfFulfillmentOrder", {"id": fo_gid})[
        "fulfillmentOrder"
    ]
    node = fulfillment_order and fulfillment_order["order"]
    if node is None:
        return None
    _complete_line_items(client, node)
    return order_from_graphql(node)


@dataclass(frozen=True)
class OrderStatus:
    """An order's id and Shopify's displayFulfillmentStatus, nothing else (2 points, against
    about 11 for the whole order)."""

    gid: str
    store_status: str


def order_status_of_fulfillment_order(client: AdminClient, fo_gid: str) -> OrderStatus | None:
    fulfillment_order = client.execute("OrderStatusOfFulfillmentOrder", {"id": fo_gid})[
        "fulfillmentOrder"
    ]
    node = fulfillment_order and fulfillment_order["order"]
    if node is None:
        return None
    return OrderStatus(node["id"], node.get("displayFulfillmentStatus") or "UNFULFILLED")


def update_shipping_address(client: AdminClient, order_gid: str, address: PostalAddress) -> None:
    client.mutate(
        "OrderUpdateShippingAddress",
        {"id": order_gid, "address": mailing_address_input(address)},
        "orderUpdate",
    )
