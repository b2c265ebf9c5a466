"""Views of an order and what hangs off it: line items, addresses, refunds, transactions."""

from __future__ import annotations

from devstore import commerce
from devstore.commerce import gid
from devstore.commerce.order_edits import current_quantity
from devstore.commerce.orders import received_amount
from devstore.resolvers.common import Context, connection, list_first

# Module, not names: fulfillment views point back at order_view.
from devstore.resolvers.views import fulfillment, money
from devstore.resolvers.views.suggested_refund import suggested_refund_view

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
        **money.line_money(order, item),
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
        "defaultEmailAddress": customer.get("email") and {"emailAddress": customer["email"]},
        "phone": customer.get("phone"),
    }


def _order_money(order: dict) -> dict:
    """The order's *Set fields: totals as Shopify's MoneyBags."""
    pending = order["financial_status"] == "pending"
    paid = {"t": "0"} if pending else {"t": order["total_price"]}
    paid["t_presentment"] = "0" if pending else order.get("total_price_presentment", paid["t"])
    if order.get("edited"):  # an edit moves the total away from what was paid
        paid = {"t": str(received_amount(order))}
        paid["t_presentment"] = str(received_amount(order, "_presentment"))
    owed = {
        "total": order["total_price"],
        "total_presentment": order.get("total_price_presentment", order["total_price"]),
        "paid": paid["t"],
        "paid_presentment": paid["t_presentment"],
    }
    return {
        "totalPriceSet": money.bag(order, order, "total_price"),
        "originalTotalPriceSet": money.bag(order, order, "total_price"),
        "currentTotalPriceSet": money.diff_bag(order, order, "total_price", "total_refunded"),
        "subtotalPriceSet": money.bag(order, order, "subtotal_price"),
        "currentSubtotalPriceSet": money.diff_bag(
            order, order, "subtotal_price", "refunded_subtotal"
        ),
        "totalShippingPriceSet": money.bag(order, order, "shipping_price"),
        "currentShippingPriceSet": money.diff_bag(
            order, order, "shipping_price", "refunded_shipping"
        ),
        "totalRefundedSet": money.bag(order, order, "total_refunded"),
        "totalReceivedSet": money.bag(order, paid, "t"),
        "totalOutstandingSet": money.diff_bag(order, owed, "total", "paid"),
        **money.order_money(order),
    }


def _transaction_view(transaction: dict, order: dict) -> dict:
    return {
        "__typename": "OrderTransaction",
        "id": gid("OrderTransaction", transaction["id"]),
        "kind": transaction["kind"].upper(),
        "status": transaction["status"].upper(),
        "gateway": transaction["gateway"],
        "amountSet": money.bag(order, transaction, "amount"),
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
            _transaction_view(t, order) for t in list_first(order["transactions"], **args)
        ],
    }


def order_view(ctx: Context, order: dict) -> dict:
    return {
        "__typename": "Order",
        "id": gid("Order", order["id"]),
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "note": order.get("note"),
        "tags": order.get("tags") or [],
        "poNumber": order.get("po_number"),
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
        "currencyCode": order["currency"],
        "displayFinancialStatus": DISPLAY_FINANCIAL.get(order["financial_status"]),
        "displayFulfillmentStatus": lambda info, **a: _display_fulfillment_status(ctx, order),
        "fullyPaid": order["financial_status"] in ("paid", "partially_refunded", "refunded"),
        **_order_money(order),
        "customer": _customer_view(order.get("customer") or {}),
        "shippingAddress": address_view(order.get("shipping_address")),
        "billingAddress": address_view(order.get("billing_address", order.get("shipping_address"))),
        **_order_connections(ctx, order),
        "suggestedRefund": lambda info, **args: suggested_refund_view(ctx, order, args),
    }


def refund_line_view(ctx: Context, order: dict, r: dict) -> dict:
    item = next(i for i in order["line_items"] if i["id"] == r["line_item_id"])
    return {
        "__typename": "RefundLineItem",
        "quantity": r["quantity"],
        "restockType": r.get("restock_type", "NO_RESTOCK"),
        "restocked": r.get("restock_type", "NO_RESTOCK") != "NO_RESTOCK",
        "subtotalSet": money.bag(order, r, "subtotal"),
        "totalTaxSet": money.bag(order, r, "total_tax"),
        "priceSet": money.bag(order, item, "price"),
        "lineItem": line_item_view(ctx, order, item),
    }


def refund_view(ctx: Context, order: dict, refund: dict) -> dict:
    return {
        "__typename": "Refund",
        "id": gid("Refund", refund["id"]),
        "note": refund.get("note"),
        "createdAt": refund["created_at"],
        "totalRefundedSet": money.bag(order, refund, "total"),
        "refundLineItems": lambda info, **args: connection(
            refund["refund_line_items"],
            lambda r: refund_line_view(ctx, order, r),
            key=lambda r: r["line_item_id"],
            **args,
        ),
        "order": lambda info, **a: order_view(ctx, order),
    }
