"""Views of an order and what hangs off it: line items, addresses, refunds, transactions."""

from __future__ import annotations

from decimal import Decimal

from devstore import commerce
from devstore.commerce import gid
from devstore.commerce.order_edits import current_quantity
from devstore.commerce.orders import received_amount
from devstore.resolvers.common import Context, connection, list_first, money_bag

# Module, not names: fulfillment views point back at order_view.
from devstore.resolvers.views import fulfillment

DISPLAY_FINANCIAL = {
    "paid": "PAID",
    "pending": "PENDING",
    "authorized": "AUTHORIZED",
    "partially_paid": "PARTIALLY_PAID",
    "partially_refunded": "PARTIALLY_REFUNDED",
    "refunded": "REFUNDED",
    "voided": "VOIDED",
}


def address_view(address: dict | None) -> dict | None:
    if not address:
        return None
    return {
        "__typename": "MailingAddress",
        "name": address.get("name")
        or f"{address.get('first_name') or ''} {address.get('last_name') or ''}".strip(),
        "firstName": address.get("first_name"),
        "lastName": address.get("last_name"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "provinceCode": address.get("province_code"),
        "zip": address.get("zip"),
        "country": address.get("country"),
        "countryCodeV2": address.get("country_code"),
        "phone": address.get("phone"),
        "formatted": lambda info, **a: [
            p for p in (address.get("address1"), address.get("city"), address.get("country")) if p
        ],
    }


def _display_fulfillment_status(ctx: Context, order: dict) -> str:
    fos = commerce.fulfillment_orders_of(ctx.store, ctx.shop, order["id"])
    total = sum(li["total_quantity"] for f in fos for li in f["line_items"])
    remaining = sum(li["remaining_quantity"] for f in fos for li in f["line_items"])
    if total and remaining == 0:
        return "FULFILLED"
    if remaining < total:
        return "PARTIALLY_FULFILLED"
    if any(f["status"] == "ON_HOLD" for f in fos):
        return "ON_HOLD"
    if any(f["request_status"] == "REJECTED" for f in fos):
        return "REQUEST_DECLINED"
    if any(f["status"] == "IN_PROGRESS" for f in fos):
        return "IN_PROGRESS"
    if any(f["request_status"] == "SUBMITTED" for f in fos):
        return "PENDING_FULFILLMENT"
    return "UNFULFILLED"


def variant_view(variant: dict | None) -> dict | None:
    return variant and {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", variant["id"]),
        "sku": variant["sku"],
        "title": variant["title"],
        "price": variant["price"],
        "displayName": f"{variant['product_title']} - {variant['title']}",
        "inventoryItem": {"id": gid("InventoryItem", variant["id"])},
    }


def line_item_view(ctx: Context, order: dict, item: dict) -> dict:
    currency = order["currency"]
    unfulfilled = sum(
        li["remaining_quantity"]
        for f in commerce.fulfillment_orders_of(ctx.store, ctx.shop, order["id"])
        for li in f["line_items"]
        if li["line_item_id"] == item["id"]
    )
    variant = ctx.store.get("variant", item["variant_id"]) if item.get("variant_id") else None
    current = current_quantity(item)
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", item["id"]),
        "name": f"{item['title']} - {item['variant_title']}"
        if item.get("variant_title")
        else item["title"],
        "title": item["title"],
        "variantTitle": item.get("variant_title"),
        "quantity": item["quantity"],
        "currentQuantity": current,
        "refundableQuantity": current,
        "nonFulfillableQuantity": item["quantity"] - current,
        "fulfillableQuantity": unfulfilled,
        "unfulfilledQuantity": unfulfilled,
        "sku": item["sku"] or None,
        "vendor": item.get("vendor"),
        "requiresShipping": item["requires_shipping"],
        "isGiftCard": bool(item.get("gift_card")),
        "originalUnitPriceSet": money_bag(item["price"], currency),
        "discountedUnitPriceSet": money_bag(item["price"], currency),
        "originalTotalSet": money_bag(str(Decimal(item["price"]) * item["quantity"]), currency),
        "variant": variant_view(variant),
        "product": item.get("product_id")
        and {
            "__typename": "Product",
            "id": gid("Product", item["product_id"]),
            "title": item["title"],
        },
    }


def _customer_view(customer: dict) -> dict:
    return customer and {
        "__typename": "Customer",
        "id": gid("Customer", customer["id"]),
        "firstName": customer.get("first_name"),
        "lastName": customer.get("last_name"),
        "displayName": f"{customer.get('first_name', '')} {customer.get('last_name', '')}".strip(),
        "email": customer.get("email"),
        "phone": customer.get("phone"),
    }


def _order_money(order: dict) -> dict:
    """The order's *Set fields: totals as Shopify's MoneyBags."""
    currency = order["currency"]
    pending = order["financial_status"] == "pending"
    received = order["total_price"] if not pending else "0"
    outstanding = "0" if not pending else order["total_price"]
    if order.get("edited"):  # an edit moves the total away from what was paid
        received = str(received_amount(order))
        outstanding = str(Decimal(order["total_price"]) - Decimal(received))
    return {
        "totalPriceSet": money_bag(order["total_price"], currency),
        "currentTotalPriceSet": money_bag(
            str(Decimal(order["total_price"]) - Decimal(order["total_refunded"])), currency
        ),
        "subtotalPriceSet": money_bag(order["subtotal_price"], currency),
        "currentSubtotalPriceSet": money_bag(order["subtotal_price"], currency),
        "totalShippingPriceSet": money_bag(order["shipping_price"], currency),
        "totalRefundedSet": money_bag(order["total_refunded"], currency),
        "totalReceivedSet": money_bag(received, currency),
        "totalOutstandingSet": money_bag(outstanding, currency),
        "totalTaxSet": money_bag("0", currency),
    }


def _transaction_view(transaction: dict, currency: str) -> dict:
    return {
        "__typename": "OrderTransaction",
        "id": gid("OrderTransaction", transaction["id"]),
        "kind": transaction["kind"].upper(),
        "status": transaction["status"].upper(),
        "gateway": transaction["gateway"],
        "amountSet": money_bag(transaction["amount"], currency),
        "createdAt": transaction["created_at"],
        "parentTransaction": None,
    }


def _order_connections(ctx: Context, order: dict) -> dict:
    """The order's paginated and listed children, resolved only when selected."""
    return {
        "lineItems": lambda info, **args: connection(
            order["line_items"], lambda i: line_item_view(ctx, order, i), **args
        ),
        "fulfillmentOrders": lambda info, **args: connection(
            commerce.fulfillment_orders_of(ctx.store, ctx.shop, order["id"]),
            lambda f: fulfillment.fulfillment_order_view(ctx, f),
            **args,
        ),
        "fulfillments": lambda info, **args: [
            fulfillment.fulfillment_view(ctx, f)
            for f in list_first(commerce.fulfillments_of(ctx.store, ctx.shop, order["id"]), **args)
        ],
        "refunds": lambda info, **args: [
            refund_view(ctx, order, r) for r in list_first(order["refunds"], **args)
        ],
        "transactions": lambda info, **args: [
            _transaction_view(t, order["currency"])
            for t in list_first(order["transactions"], **args)
        ],
    }


def order_view(ctx: Context, order: dict) -> dict:
    currency = order["currency"]
    return {
        "__typename": "Order",
        "id": gid("Order", order["id"]),
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "note": order.get("note"),
        "tags": order.get("tags") or [],
        "test": bool(order.get("test")),
        "edited": bool(order.get("edited")),
        "createdAt": order["created_at"],
        "updatedAt": order["updated_at"],
        "processedAt": order["processed_at"],
        "cancelledAt": order["cancelled_at"],
        "cancelReason": order["cancel_reason"].upper() if order["cancel_reason"] else None,
        "closed": order["closed_at"] is not None,
        "closedAt": order["closed_at"],
        "sourceName": order.get("source_name"),
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "displayFinancialStatus": DISPLAY_FINANCIAL.get(order["financial_status"]),
        "displayFulfillmentStatus": lambda info, **a: _display_fulfillment_status(ctx, order),
        "fullyPaid": order["financial_status"] in ("paid", "partially_refunded", "refunded"),
        **_order_money(order),
        "customer": _customer_view(order.get("customer") or {}),
        "shippingAddress": address_view(order.get("shipping_address")),
        "billingAddress": address_view(order.get("billing_address", order.get("shipping_address"))),
        **_order_connections(ctx, order),
    }


def refund_view(ctx: Context, order: dict, refund: dict) -> dict:
    currency = order["currency"]
    items = {i["id"]: i for i in order["line_items"]}
    return {
        "__typename": "Refund",
        "id": gid("Refund", refund["id"]),
        "note": refund.get("note"),
        "createdAt": refund["created_at"],
        "totalRefundedSet": money_bag(refund["total"], currency),
        "refundLineItems": lambda info, **args: connection(
            refund["refund_line_items"],
            lambda r: {
                "__typename": "RefundLineItem",
                "quantity": r["quantity"],
                "restockType": r["restock_type"],
                "restocked": r["restock_type"] != "NO_RESTOCK",
                "subtotalSet": money_bag(r["subtotal"], currency),
                "lineItem": line_item_view(ctx, order, items[r["line_item_id"]]),
            },
            key=lambda r: r["line_item_id"],
            **args,
        ),
        "order": lambda info, **a: order_view(ctx, order),
    }
