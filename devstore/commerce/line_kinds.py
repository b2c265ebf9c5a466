"""Lines that are not shipped: gift cards and lines that need no shipping (digital goods,
services), as Shopify treats them.

- Both are the merchant's to deliver: they are routed to the store's own (primary) location,
  never to a fulfillment service's, on a fulfillment order of their own whose delivery method is
  NONE ("Non-physical items, no delivery needed", DeliveryMethodType): a fulfillment order has one
  delivery method, so they never share one with shipped lines.
- Gift cards are fulfilled automatically once the order is paid (help.shopify.com, gift card
  settings: "By default, gift cards will be automatically fulfilled ... when an order has been
  paid"; the store's default "Automatically fulfill only the gift cards of the order"): the
  gift-card fulfillment order closes with a fulfillment of its own, and `fulfillments/create`
  goes out as for any fulfillment.
- Other non-shipping lines wait for the merchant to mark them fulfilled (Shopify's default does
  not fulfil them automatically).
"""

from __future__ import annotations

from devstore.commerce.fulfillment_orders import fulfillment_orders_of
from devstore.commerce.fulfillments import create_fulfillment
from devstore.commerce.orders import get_order
from devstore.store import Store


def fulfill_gift_cards(store: Store, shop: str, order_id: int) -> list[dict]:
    """Fulfil the paid order's gift-card lines still open (returns the fulfillments made)."""
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["financial_status"] != "paid" or order["cancelled_at"]:
            return []
        gift_cards = {li["id"] for li in order["line_items"] if li.get("gift_card")}
        made = []
        for fo in fulfillment_orders_of(store, shop, order_id):
            lines = [
                {"id": f"gid://shopify/FulfillmentOrderLineItem/{li['id']}", "quantity": left}
                for li in fo["line_items"]
                if li["line_item_id"] in gift_cards and (left := li["remaining_quantity"])
            ]
            if lines and fo["status"] == "OPEN":
                made.append(
                    create_fulfillment(
                        store,
                        shop,
                        by_fulfillment_order=[
                            {"fulfillment_order_id": fo["id"], "line_items": lines}
                        ],
                    )
                )
        return made
