"""An order's money as Shopify computed it, both currencies (the shop's and the customer's):
line prices, the discounts Shopify allocated to each line (line and order level), tax lines,
shipping, totals. Read page by page (OrderMoney, 75 lines a page)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.errors import ShopifyRecordGone
from integrations.shopify_admin.order_shapes import line_money_from_graphql


def _side(bag: dict | None, side: str) -> Decimal | None:
    amount = ((bag or {}).get(side) or {}).get("amount")
    return None if amount is None else Decimal(str(amount))


@dataclass(frozen=True)
class LineMoney:
    gid: str
    presentment_unit_price: Decimal | None
    discounted_total: Decimal | None
    presentment_discounted_total: Decimal | None
    tax: Decimal | None
    presentment_tax: Decimal | None


@dataclass(frozen=True)
class OrderMoney:
    presentment_currency: str | None
    taxes_included: bool | None
    presentment_total: Decimal | None
    shipping_total: Decimal | None
    presentment_shipping_total: Decimal | None
    lines: tuple[LineMoney, ...]


def order_money(client: AdminClient, order_gid: str) -> OrderMoney:
    node, lines, after = None, [], None
    while True:
        page = client.execute("OrderMoney", {"id": order_gid, "after": after})["order"]
        if page is None:
            raise ShopifyRecordGone(f"no order {order_gid} in Shopify")
        node = node or page
        for li in page["lineItems"]["nodes"]:
            money = line_money_from_graphql(li)
            lines.append(LineMoney(gid=li["id"], **{k: money.get(k) for k in LINE_KEYS}))
        info = page["lineItems"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    return OrderMoney(
        presentment_currency=node.get("presentmentCurrencyCode"),
        taxes_included=node.get("taxesIncluded"),
        presentment_total=_side(node.get("totalPriceSet"), "presentmentMoney"),
        shipping_total=_side(node.get("totalShippingPriceSet"), "shopMoney"),
        presentment_shipping_total=_side(node.get("totalShippingPriceSet"), "presentmentMoney"),
        lines=tuple(lines),
    )


LINE_KEYS = (
    "presentment_unit_price",
    "discounted_total",
    "presentment_discounted_total",
    "tax",
    "presentment_tax",
)
