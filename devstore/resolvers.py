"""GraphQL views over devstore documents: root query and mutation fields.

A view is a dict keyed by GraphQL field name; values are data or callables (info, **args).
Fields absent from a view answer "not emulated by devstore" (see graphql_api).
"""

from __future__ import annotations

import base64
import re
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from graphql import GraphQLError

from devstore import bulk, commerce, search
from devstore.commerce import NotFound, UserError, gid, parse_gid

# Set while a bulk operation executes its query: connections return every item, since
# pagination arguments do not apply inside a bulk query.
UNBOUNDED_CONNECTIONS: ContextVar[bool] = ContextVar("unbounded_connections", default=False)


@dataclass
class Context:
    store: object
    shop: str
    client_id: str
    # Where this devstore is reached, for URLs it hands out (bulk operation results).
    base_url: str = "http://127.0.0.1:8765"


# -- helpers ------------------------------------------------------------------------------


def _money_bag(amount: str, currency: str) -> dict:
    money = {
        "amount": str(Decimal(amount).normalize())
        if Decimal(amount) == Decimal(amount).to_integral()
        else amount,
        "currencyCode": currency,
    }
    money["amount"] = _shopify_decimal(amount)
    return {"__typename": "MoneyBag", "shopMoney": dict(money), "presentmentMoney": dict(money)}


def _shopify_decimal(amount: str) -> str:
    """Shopify serialises Decimal as e.g. "30.0" or "29.95"."""
    value = Decimal(amount)
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def _cursor(doc_id: int) -> str:
    return base64.b64encode(f"devstore:{doc_id}".encode()).decode()


def _uncursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.b64decode(cursor.encode()).decode()
        return int(raw.split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise GraphQLError(
            f"Invalid cursor for current pagination sort: {cursor}",
            extensions={"code": "BAD_REQUEST"},
        ) from exc


def connection(
    docs: list,
    view,
    *,
    first=None,
    last=None,
    after=None,
    before=None,
    reverse=False,
    key=lambda d: d["id"],
    **_unused,
) -> dict:
    """Relay-style pagination over an already ordered list (other arguments are filters the
    caller applied already, or sort options devstore does not distinguish)."""
    if reverse:
        docs = list(reversed(docs))
    unbounded = UNBOUNDED_CONNECTIONS.get()
    if unbounded:
        first, last, after, before = len(docs), None, None, None
    if first is None and last is None:
        raise GraphQLError(
            "you must provide one of first or last", extensions={"code": "BAD_REQUEST"}
        )
    too_many = (first is not None and first > 250) or (last is not None and last > 250)
    if too_many and not unbounded:
        raise GraphQLError(
            "The maximum number of items that can be requested is 250",
            extensions={"code": "BAD_REQUEST"},
        )
    after_id, before_id = _uncursor(after), _uncursor(before)
    start, end = 0, len(docs)
    if after_id is not None:
        for index, doc in enumerate(docs):
            if key(doc) == after_id:
                start = index + 1
                break
    if before_id is not None:
        for index, doc in enumerate(docs):
            if key(doc) == before_id:
                end = index
                break
    window = docs[start:end]
    has_next = has_prev = False
    if first is not None:
        has_next = len(window) > first or end < len(docs)
        window = window[:first]
        has_prev = start > 0
    if last is not None:
        has_prev = len(window) > last or start > 0
        window = window[-last:] if last else []
        has_next = has_next or end < len(docs)
    nodes = [view(d) for d in window]
    edges = [{"cursor": _cursor(key(d)), "node": n} for d, n in zip(window, nodes, strict=True)]
    return {
        "nodes": nodes,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _list_first(items: list, first=None, **_):
    return items[:first] if first is not None else items


def _user_errors(exc: UserError) -> list[dict]:
    return [{"field": exc.field, "message": exc.message, "code": exc.code}]


# -- views ---------------------------------------------------------------------------------


def shop_view(ctx: Context) -> dict:
    doc = ctx.store.get("shop", ctx.shop)
    plan = commerce.PLANS[doc["plan"]]
    return {
        "__typename": "Shop",
        "id": gid("Shop", doc["id"]),
        "name": doc["name"],
        "email": doc["email"],
        "contactEmail": doc["email"],
        "myshopifyDomain": ctx.shop,
        "currencyCode": doc["currency"],
        "ianaTimezone": "UTC",
        "createdAt": doc["created_at"],
        "plan": {
            "displayName": plan["display"],
            "publicDisplayName": plan["display"],
            "partnerDevelopment": True,
            "shopifyPlus": doc["plan"] == "plus",
        },
        "primaryDomain": {"host": ctx.shop, "url": f"https://{ctx.shop}", "id": gid("Domain", 1)},
        "orders": lambda info, **args: _orders(ctx, **args),
        "fulfillmentServices": lambda info, **args: [
            fulfillment_service_view(ctx, fs)
            for fs in ctx.store.find("fulfillment_service", shop=ctx.shop)
        ],
    }


def _address_view(address: dict | None) -> dict | None:
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


DISPLAY_FINANCIAL = {
    "paid": "PAID",
    "pending": "PENDING",
    "authorized": "AUTHORIZED",
    "partially_refunded": "PARTIALLY_REFUNDED",
    "refunded": "REFUNDED",
    "voided": "VOIDED",
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


def line_item_view(ctx: Context, order: dict, item: dict) -> dict:
    currency = order["currency"]
    unfulfilled = sum(
        li["remaining_quantity"]
        for f in commerce.fulfillment_orders_of(ctx.store, ctx.shop, order["id"])
        for li in f["line_items"]
        if li["line_item_id"] == item["id"]
    )
    variant = ctx.store.get("variant", item["variant_id"]) if item.get("variant_id") else None
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", item["id"]),
        "name": f"{item['title']} - {item['variant_title']}"
        if item.get("variant_title")
        else item["title"],
        "title": item["title"],
        "variantTitle": item.get("variant_title"),
        "quantity": item["quantity"],
        "currentQuantity": item["quantity"] - item.get("refunded_quantity", 0),
        "refundableQuantity": item["quantity"] - item.get("refunded_quantity", 0),
        "unfulfilledQuantity": unfulfilled,
        "sku": item["sku"] or None,
        "vendor": item.get("vendor"),
        "requiresShipping": item["requires_shipping"],
        "originalUnitPriceSet": _money_bag(item["price"], currency),
        "discountedUnitPriceSet": _money_bag(item["price"], currency),
        "originalTotalSet": _money_bag(str(Decimal(item["price"]) * item["quantity"]), currency),
        "variant": variant
        and {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", variant["id"]),
            "sku": variant["sku"],
            "title": variant["title"],
            "price": variant["price"],
            "displayName": f"{variant['product_title']} - {variant['title']}",
            "inventoryItem": {"id": gid("InventoryItem", variant["id"])},
        },
        "product": item.get("product_id")
        and {
            "__typename": "Product",
            "id": gid("Product", item["product_id"]),
            "title": item["title"],
        },
    }


def order_view(ctx: Context, order: dict) -> dict:
    currency = order["currency"]
    customer = order.get("customer") or {}
    return {
        "__typename": "Order",
        "id": gid("Order", order["id"]),
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "note": order.get("note"),
        "tags": order.get("tags") or [],
        "test": False,
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
        "totalPriceSet": _money_bag(order["total_price"], currency),
        "currentTotalPriceSet": _money_bag(
            str(Decimal(order["total_price"]) - Decimal(order["total_refunded"])), currency
        ),
        "subtotalPriceSet": _money_bag(order["subtotal_price"], currency),
        "currentSubtotalPriceSet": _money_bag(order["subtotal_price"], currency),
        "totalShippingPriceSet": _money_bag(order["shipping_price"], currency),
        "totalRefundedSet": _money_bag(order["total_refunded"], currency),
        "totalReceivedSet": _money_bag(
            order["total_price"] if order["financial_status"] != "pending" else "0", currency
        ),
        "totalOutstandingSet": _money_bag(
            "0" if order["financial_status"] != "pending" else order["total_price"], currency
        ),
        "totalTaxSet": _money_bag("0", currency),
        "customer": customer
        and {
            "__typename": "Customer",
            "id": gid("Customer", customer["id"]),
            "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"),
            "displayName": f"{customer.get('first_name', '')} "
            f"{customer.get('last_name', '')}".strip(),
            "email": customer.get("email"),
            "phone": customer.get("phone"),
        },
        "shippingAddress": _address_view(order.get("shipping_address")),
        "billingAddress": _address_view(order.get("shipping_address")),
        "lineItems": lambda info, **args: connection(
            order["line_items"], lambda i: line_item_view(ctx, order, i), **args
        ),
        "fulfillmentOrders": lambda info, **args: connection(
            commerce.fulfillment_orders_of(ctx.store, ctx.shop, order["id"]),
            lambda f: fulfillment_order_view(ctx, f),
            **args,
        ),
        "fulfillments": lambda info, **args: [
            fulfillment_view(ctx, f)
            for f in _list_first(commerce.fulfillments_of(ctx.store, ctx.shop, order["id"]), **args)
        ],
        "refunds": lambda info, **args: [
            refund_view(ctx, order, r) for r in _list_first(order["refunds"], **args)
        ],
        "transactions": lambda info, **args: [
            {
                "__typename": "OrderTransaction",
                "id": gid("OrderTransaction", t["id"]),
                "kind": t["kind"].upper(),
                "status": t["status"].upper(),
                "gateway": t["gateway"],
                "amountSet": _money_bag(t["amount"], currency),
                "createdAt": t["created_at"],
                "parentTransaction": None,
            }
            for t in _list_first(order["transactions"], **args)
        ],
    }


def fulfillment_order_view(ctx: Context, fo: dict) -> dict:
    order = ctx.store.get("order", fo["order_id"])
    items = {i["id"]: i for i in order["line_items"]}
    location = ctx.store.get("location", fo["location_id"]) or {}
    status = fo["status"]
    request_status = fo["request_status"]
    supported = []
    if status == "OPEN" and request_status in ("UNSUBMITTED", "REJECTED"):
        supported = ["REQUEST_FULFILLMENT", "HOLD", "MOVE"]
    elif request_status == "SUBMITTED":
        supported = ["CANCEL_FULFILLMENT_ORDER"]
    elif status == "IN_PROGRESS" and request_status in ("ACCEPTED", "CANCELLATION_REJECTED"):
        supported = ["REQUEST_CANCELLATION", "CREATE_FULFILLMENT"]
    elif status == "ON_HOLD":
        supported = ["RELEASE_HOLD"]
    return {
        "__typename": "FulfillmentOrder",
        "id": gid("FulfillmentOrder", fo["id"]),
        "status": status,
        "requestStatus": request_status,
        "createdAt": fo["created_at"],
        "updatedAt": fo["updated_at"],
        "orderId": gid("Order", fo["order_id"]),
        "orderName": order["name"],
        "order": lambda info, **a: order_view(ctx, order),
        "assignedLocation": {
            "__typename": "FulfillmentOrderAssignedLocation",
            "name": location.get("name"),
            "location": {
                "__typename": "Location",
                "id": gid("Location", fo["location_id"]),
                "name": location.get("name"),
            },
        },
        "destination": _address_view(order.get("shipping_address"))
        and {
            **{
                k: v
                for k, v in _address_view(order["shipping_address"]).items()
                if k not in ("name", "formatted", "countryCodeV2", "provinceCode")
            },
            "__typename": "FulfillmentOrderDestination",
            "email": order.get("email"),
            "countryCode": order["shipping_address"].get("country_code"),
        },
        "supportedActions": [{"action": a, "externalUrl": None} for a in supported],
        "fulfillmentHolds": [
            {
                "__typename": "FulfillmentHold",
                "id": gid("FulfillmentHold", h["id"]),
                "reason": h["reason"],
                "reasonNotes": h.get("reason_notes"),
                "handle": h.get("handle"),
                "displayReason": h["reason"].replace("_", " ").title(),
                "heldByRequestingApp": h.get("client_id") == ctx.client_id,
            }
            for h in fo["holds"]
        ],
        "lineItems": lambda info, **args: connection(
            fo["line_items"],
            lambda li: {
                "__typename": "FulfillmentOrderLineItem",
                "id": gid("FulfillmentOrderLineItem", li["id"]),
                "totalQuantity": li["total_quantity"],
                "remainingQuantity": li["remaining_quantity"],
                "sku": items[li["line_item_id"]]["sku"],
                "productTitle": items[li["line_item_id"]]["title"],
                "lineItem": line_item_view(ctx, order, items[li["line_item_id"]]),
            },
            **args,
        ),
        "merchantRequests": lambda info, **args: connection(
            [
                r
                for r in fo["merchant_requests"]
                if not args.get("kind") or r["kind"] == args.get("kind")
            ],
            lambda r: {
                "__typename": "FulfillmentOrderMerchantRequest",
                "id": gid("FulfillmentOrderMerchantRequest", r["id"]),
                "kind": r["kind"],
                "message": r.get("message"),
                "requestOptions": r.get("request_options"),
                "responseData": None,
                "sentAt": r["sent_at"],
            },
            **args,
        ),
    }


def fulfillment_view(ctx: Context, doc: dict) -> dict:
    order = ctx.store.get("order", doc["order_id"])
    items = {i["id"]: i for i in order["line_items"]}
    tracking = doc.get("tracking") or {}
    return {
        "__typename": "Fulfillment",
        "id": gid("Fulfillment", doc["id"]),
        "name": doc["name"],
        "status": doc["status"],
        "createdAt": doc["created_at"],
        "updatedAt": doc["updated_at"],
        "totalQuantity": sum(li["quantity"] for li in doc["line_items"]),
        "trackingInfo": lambda info, **args: (
            []
            if not any(tracking.values())
            else [
                {
                    "__typename": "FulfillmentTrackingInfo",
                    "company": tracking.get("company"),
                    "number": tracking.get("number"),
                    "url": tracking.get("url"),
                }
            ]
        ),
        "order": lambda info, **a: order_view(ctx, order),
        "fulfillmentLineItems": lambda info, **args: connection(
            doc["line_items"],
            lambda fl: {
                "__typename": "FulfillmentLineItem",
                "id": gid("FulfillmentLineItem", fl["fulfillment_order_line_item_id"]),
                "quantity": fl["quantity"],
                "lineItem": line_item_view(ctx, order, items[fl["line_item_id"]]),
            },
            key=lambda fl: fl["fulfillment_order_line_item_id"],
            **args,
        ),
    }


def refund_view(ctx: Context, order: dict, refund: dict) -> dict:
    currency = order["currency"]
    items = {i["id"]: i for i in order["line_items"]}
    return {
        "__typename": "Refund",
        "id": gid("Refund", refund["id"]),
        "note": refund.get("note"),
        "createdAt": refund["created_at"],
        "totalRefundedSet": _money_bag(refund["total"], currency),
        "refundLineItems": lambda info, **args: connection(
            refund["refund_line_items"],
            lambda r: {
                "__typename": "RefundLineItem",
                "quantity": r["quantity"],
                "restockType": r["restock_type"],
                "restocked": r["restock_type"] != "NO_RESTOCK",
                "subtotalSet": _money_bag(r["subtotal"], currency),
                "lineItem": line_item_view(ctx, order, items[r["line_item_id"]]),
            },
            key=lambda r: r["line_item_id"],
            **args,
        ),
        "order": lambda info, **a: order_view(ctx, order),
    }


def fulfillment_service_view(ctx: Context, fs: dict) -> dict:
    return {
        "__typename": "FulfillmentService",
        "id": gid("FulfillmentService", fs["id"]),
        "serviceName": fs["name"],
        "handle": fs["handle"],
        "callbackUrl": fs.get("callback_url"),
        "trackingSupport": fs["tracking_support"],
        "inventoryManagement": fs["inventory_management"],
        "requiresShippingMethod": False,
        "type": "THIRD_PARTY",
        "location": {
            "__typename": "Location",
            "id": gid("Location", fs["location_id"]),
            "name": fs["name"],
        },
    }


def webhook_subscription_view(sub: dict) -> dict:
    return {
        "__typename": "WebhookSubscription",
        "id": gid("WebhookSubscription", sub["id"]),
        "legacyResourceId": str(sub["id"]),
        "topic": sub["topic"],
        "uri": sub["uri"],
        "callbackUrl": sub["uri"] if sub["uri"].startswith("http") else None,
        "format": sub["format"],
        "createdAt": sub["created_at"],
        "updatedAt": sub["updated_at"],
        "includeFields": [],
        "filter": None,
        "apiVersion": {"handle": "2026-07", "displayName": "2026-07", "supported": True},
    }


# -- orders query filter ------------------------------------------------------------------

_TERM = re.compile(r'(\w+):(>=|<=|>|<)?("[^"]*"|\S+)')


def _order_matches(order: dict, query: str | None) -> bool:
    if not query:
        return True
    for field, op, raw in _TERM.findall(query):
        value = raw.strip('"')
        if field in ("updated_at", "created_at", "processed_at"):
            have = order[field]
            wanted = value.replace("+00:00", "Z")
            comparisons = {
                ">": have > wanted,
                ">=": have >= wanted,
                "<": have < wanted,
                "<=": have <= wanted,
                "": have[: len(wanted)] == wanted,
            }
            if not comparisons[op or ""]:
                return False
        elif field == "financial_status":
            if order["financial_status"] != value.lower():
                return False
        elif field == "name":
            if order["name"].lstrip("#") != value.lstrip("#"):
                return False
        elif field == "tag":
            if value.lower() not in {t.lower() for t in order.get("tags") or []}:
                return False
        elif field == "status":
            state = (
                "cancelled" if order["cancelled_at"] else "closed" if order["closed_at"] else "open"
            )
            if value.lower() not in (state, "any"):
                return False
        elif field == "id" and order["id"] != int(value) if value.isdigit() else False:
            return False
        # Like Shopify, unknown search terms are ignored rather than rejected.
    return True


_SORT_KEYS = {
    "ID": "id",
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "PROCESSED_AT": "processed_at",
    "ORDER_NUMBER": "number",
}


def _orders(
    ctx: Context, *, query=None, sortKey="ID", reverse=False, savedSearchId=None, **page
) -> dict:
    field = _SORT_KEYS.get(sortKey or "ID", "id")
    orders = [o for o in ctx.store.peek("order", shop=ctx.shop) if _matches(o, query)]
    orders.sort(key=lambda o: (o[field], o["id"]), reverse=bool(reverse))
    return connection(orders, lambda o: order_view(ctx, o), **page)


def _matches(order: dict, query: str | None) -> bool:
    """Shopify's search syntax (AND, OR, NOT, grouping) over the order terms above."""
    return search.matches(order, query, _order_matches)


def _orders_count(ctx: Context, *, query=None, limit=10_000, savedSearchId=None) -> dict:
    """Count with Shopify's cap: over `limit` answers the limit as AT_LEAST; null: no cap."""
    count = sum(1 for o in ctx.store.peek("order", shop=ctx.shop) if _matches(o, query))
    if limit is not None and count > limit:
        return {"__typename": "Count", "count": limit, "precision": "AT_LEAST"}
    return {"__typename": "Count", "count": count, "precision": "EXACT"}


# -- root ---------------------------------------------------------------------------------


def _node(ctx: Context, global_id: str):
    kind = global_id.split("/")[3] if global_id.count("/") >= 4 else ""
    loaders = {
        "Order": lambda i: order_view(ctx, commerce.get_order(ctx.store, ctx.shop, i)),
        "FulfillmentOrder": lambda i: fulfillment_order_view(
            ctx, commerce.get_fulfillment_order(ctx.store, ctx.shop, i)
        ),
    }
    if kind not in loaders:
        return None
    try:
        return loaders[kind](parse_gid(global_id, kind))
    except NotFound:
        return None


def _assigned_fulfillment_orders(
    ctx: Context, *, assignmentStatus=None, locationIds=None, reverse=False, sortKey=None, **page
) -> dict:
    services = commerce.fulfillment_services_of(ctx.store, ctx.shop, ctx.client_id)
    if not services:
        raise GraphQLError(
            "The api_client is not associated with any fulfillment service.",
            extensions={"code": "ACCESS_DENIED"},
        )
    locations = {s["location_id"] for s in services}
    if locationIds:
        locations &= {parse_gid(i, "Location") for i in locationIds}
    wanted = {
        None: None,
        "FULFILLMENT_REQUESTED": ("OPEN", "SUBMITTED"),
        "FULFILLMENT_ACCEPTED": ("IN_PROGRESS", "ACCEPTED"),
        "CANCELLATION_REQUESTED": ("IN_PROGRESS", "CANCELLATION_REQUESTED"),
        "FULFILLMENT_UNSUBMITTED": ("OPEN", "UNSUBMITTED"),
    }[assignmentStatus]
    fos = [
        f
        for f in ctx.store.peek("fulfillment_order", shop=ctx.shop)
        if f["location_id"] in locations
        and f["status"] != "CLOSED"
        and (wanted is None or (f["status"], f["request_status"]) == wanted)
    ]
    return connection(fos, lambda f: fulfillment_order_view(ctx, f), reverse=reverse, **page)


def root(ctx: Context) -> dict:
    store, shop = ctx.store, ctx.shop
    return {
        "shop": lambda info: shop_view(ctx),
        "orders": lambda info, **args: _orders(ctx, **args),
        "ordersCount": lambda info, **args: _orders_count(ctx, **args),
        **bulk.query_fields(ctx),
        "order": lambda info, id: _node(ctx, id) if "/Order/" in id else None,
        "node": lambda info, id: _node(ctx, id),
        "nodes": lambda info, ids: [_node(ctx, i) for i in ids],
        "fulfillmentOrder": lambda info, id: _node(ctx, id) if "/FulfillmentOrder/" in id else None,
        "fulfillmentOrders": lambda info, includeClosed=False, **page: connection(
            [
                f
                for f in store.peek("fulfillment_order", shop=shop)
                if includeClosed or f["status"] != "CLOSED"
            ],
            lambda f: fulfillment_order_view(ctx, f),
            **page,
        ),
        "assignedFulfillmentOrders": lambda info, **args: _assigned_fulfillment_orders(ctx, **args),
        "fulfillmentService": lambda info, id: next(
            (
                fulfillment_service_view(ctx, fs)
                for fs in store.find(
                    "fulfillment_service",
                    shop=shop,
                    where=lambda f: gid("FulfillmentService", f["id"]) == id.split("?")[0],
                )
            ),
            None,
        ),
        "webhookSubscriptions": lambda info, topics=None, uri=None, callbackUrl=None, **page: (
            connection(
                [
                    s
                    for s in store.find(
                        "webhook_subscription",
                        shop=shop,
                        where=lambda s: s["client_id"] == ctx.client_id,
                    )
                    if (not topics or s["topic"] in topics)
                    and (not (uri or callbackUrl) or s["uri"] == (uri or callbackUrl))
                ],
                webhook_subscription_view,
                **page,
            )
        ),
        **mutations(ctx),
    }


# -- mutations ----------------------------------------------------------------------------


def _mutation(run):
    """Turn UserError into the payload's userErrors; NotFound propagates as a top-level error."""

    def resolver(info, **args):
        try:
            return run(**args)
        except UserError as exc:
            name = info.field_name
            key = "orderCancelUserErrors" if name == "orderCancel" else "userErrors"
            payload = {"userErrors": _user_errors(exc)}
            payload[key] = _user_errors(exc)
            return _null_payload(info, payload)

    return resolver


def _null_payload(info, payload: dict) -> dict:
    """Every non-error field of a payload type is null when the mutation failed."""
    for name in (
        info.return_type.of_type.fields
        if hasattr(info.return_type, "of_type")
        else info.return_type.fields
    ):
        payload.setdefault(name, None)
    return payload


def mutations(ctx: Context) -> dict:
    store, shop = ctx.store, ctx.shop

    def fo_id(value: str) -> int:
        return parse_gid(value, "FulfillmentOrder")

    def fo_payload(doc: dict, **extra) -> dict:
        return {"fulfillmentOrder": fulfillment_order_view(ctx, doc), "userErrors": [], **extra}

    def submit_request(id, message=None, notifyCustomer=None, fulfillmentOrderLineItems=None):
        result = commerce.submit_fulfillment_request(
            store,
            shop,
            fo_id(id),
            message=message,
            notify_customer=bool(notifyCustomer),
            line_items=fulfillmentOrderLineItems,
        )
        return {
            "originalFulfillmentOrder": fulfillment_order_view(ctx, result["original"]),
            "submittedFulfillmentOrder": fulfillment_order_view(ctx, result["submitted"]),
            "unsubmittedFulfillmentOrder": result["unsubmitted"]
            and fulfillment_order_view(ctx, result["unsubmitted"]),
            "userErrors": [],
        }

    def fulfillment_create(fulfillment, message=None):
        groups = [
            {
                "fulfillment_order_id": fo_id(g["fulfillmentOrderId"]),
                "line_items": g.get("fulfillmentOrderLineItems"),
            }
            for g in fulfillment["lineItemsByFulfillmentOrder"]
        ]
        tracking = fulfillment.get("trackingInfo") or {}
        if tracking.get("url") and not str(tracking["url"]).startswith(("http://", "https://")):
            raise UserError("Tracking url is invalid", field=["fulfillment", "trackingInfo"])
        doc = commerce.create_fulfillment(
            store,
            shop,
            by_fulfillment_order=groups,
            tracking={
                "company": tracking.get("company"),
                "number": tracking.get("number") or (tracking.get("numbers") or [None])[0],
                "url": tracking.get("url") or (tracking.get("urls") or [None])[0],
            },
            notify_customer=bool(fulfillment.get("notifyCustomer")),
            client_id=ctx.client_id,
        )
        return {"fulfillment": fulfillment_view(ctx, doc), "userErrors": []}

    def tracking_update(fulfillmentId, trackingInfoInput, notifyCustomer=None):
        doc = commerce.update_tracking(
            store,
            shop,
            parse_gid(fulfillmentId, "Fulfillment"),
            tracking={
                "company": trackingInfoInput.get("company"),
                "number": trackingInfoInput.get("number"),
                "url": trackingInfoInput.get("url"),
            },
            notify_customer=bool(notifyCustomer),
        )
        return {"fulfillment": fulfillment_view(ctx, doc), "userErrors": []}

    def order_cancel(
        orderId,
        reason,
        restock,
        refund=None,
        refundMethod=None,
        notifyCustomer=None,
        staffNote=None,
    ):
        wants_refund = bool(refund) or bool(
            (refundMethod or {}).get("originalPaymentMethodsRefund")
        )
        result = commerce.cancel_order(
            store,
            shop,
            parse_gid(orderId, "Order"),
            reason=reason,
            restock=restock,
            refund=wants_refund,
            notify_customer=bool(notifyCustomer),
            staff_note=staffNote,
        )
        return {
            "job": {"__typename": "Job", "id": gid("Job", result["job_id"]), "done": True},
            "orderCancelUserErrors": [],
            "userErrors": [],
        }

    def refund_create(input):
        order_id = parse_gid(input["orderId"], "Order")
        shipping = input.get("shipping") or {}
        transactions = input.get("transactions") or []
        amount = None
        if transactions:
            amount = str(sum(Decimal(str(t["amount"])) for t in transactions))
        refund = commerce.create_refund(
            store,
            shop,
            order_id,
            refund_line_items=[
                {
                    "line_item_id": parse_gid(r["lineItemId"], "LineItem"),
                    "quantity": r["quantity"],
                    "restock_type": r.get("restockType") or "NO_RESTOCK",
                }
                for r in input.get("refundLineItems") or []
            ],
            shipping_amount=str(shipping["amount"]) if shipping.get("amount") is not None else None,
            full_shipping=bool(shipping.get("fullRefund")),
            amount=amount,
            note=input.get("note"),
            notify=bool(input.get("notify")),
        )
        order = commerce.get_order(store, shop, order_id)
        return {
            "refund": refund_view(ctx, order, refund),
            "order": order_view(ctx, order),
            "userErrors": [],
        }

    def order_update(input):
        address = input.get("shippingAddress")
        doc = commerce.update_order(
            store,
            shop,
            parse_gid(input["id"], "Order"),
            shipping_address=address
            and {
                "first_name": address.get("firstName"),
                "last_name": address.get("lastName"),
                "company": address.get("company"),
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "province": address.get("province"),
                "province_code": address.get("provinceCode"),
                "zip": address.get("zip"),
                "country": address.get("country") or address.get("countryCode"),
                "country_code": address.get("countryCode"),
                "phone": address.get("phone"),
            },
            note=input.get("note"),
            tags=input.get("tags"),
        )
        return {"order": order_view(ctx, doc), "userErrors": []}

    def order_create(order, options=None):
        lines = [
            {
                "variant_id": parse_gid(li["variantId"], "ProductVariant")
                if li.get("variantId")
                else None,
                "sku": li.get("sku"),
                "quantity": li["quantity"],
                "title": li.get("title"),
                "vendor": li.get("vendor"),
                "price": (li.get("priceSet") or {}).get("shopMoney", {}).get("amount"),
            }
            for li in order.get("lineItems") or []
        ]
        address = order.get("shippingAddress") or None
        if address:
            address = {
                "first_name": address.get("firstName"),
                "last_name": address.get("lastName"),
                "company": address.get("company"),
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "province": address.get("province"),
                "province_code": address.get("provinceCode"),
                "zip": address.get("zip"),
                "country": address.get("country"),
                "country_code": address.get("countryCode"),
                "phone": address.get("phone"),
            }
        upsert = (order.get("customer") or {}).get("toUpsert") or {}
        status = (order.get("financialStatus") or "PENDING").lower()
        doc = commerce.create_order(
            store,
            shop,
            line_items=lines,
            customer={
                "first_name": upsert.get("firstName") or (address or {}).get("first_name"),
                "last_name": upsert.get("lastName") or (address or {}).get("last_name"),
                "email": order.get("email") or upsert.get("email"),
            },
            shipping_address=address,
            currency=order.get("currency"),
            financial_status="paid" if status == "paid" else "pending",
            note=order.get("note"),
            tags=order.get("tags"),
            source_name=order.get("sourceName") or "relay",
            app_client_id=ctx.client_id,
        )
        return {"order": order_view(ctx, doc), "userErrors": []}

    def fulfillment_service_create(
        name,
        callbackUrl=None,
        trackingSupport=None,
        inventoryManagement=None,
        requiresShippingMethod=None,
        fulfillmentOrdersOptIn=None,
    ):
        fs = commerce.create_fulfillment_service(
            store,
            shop,
            client_id=ctx.client_id,
            name=name,
            callback_url=callbackUrl,
            tracking_support=bool(trackingSupport),
            inventory_management=bool(inventoryManagement),
        )
        return {"fulfillmentService": fulfillment_service_view(ctx, fs), "userErrors": []}

    def webhook_create(topic, webhookSubscription):
        uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
        if not uri:
            raise UserError("Address can't be blank", field=["webhookSubscription", "uri"])
        sub = commerce.create_webhook_subscription(
            store,
            shop,
            client_id=ctx.client_id,
            topic=topic,
            uri=str(uri),
            format=webhookSubscription.get("format") or "JSON",
        )
        return {"webhookSubscription": webhook_subscription_view(sub), "userErrors": []}

    def webhook_delete(id):
        commerce.delete_webhook_subscription(
            store, shop, client_id=ctx.client_id, sub_id=parse_gid(id, "WebhookSubscription")
        )
        return {"deletedWebhookSubscriptionId": id, "userErrors": []}

    def hold(id, fulfillmentHold):
        result = commerce.hold_fulfillment_order(
            store,
            shop,
            fo_id(id),
            reason=fulfillmentHold["reason"],
            reason_notes=fulfillmentHold.get("reasonNotes"),
            handle=fulfillmentHold.get("handle") or "",
            client_id=ctx.client_id,
        )
        h = result["hold"]
        return {
            "fulfillmentOrder": fulfillment_order_view(ctx, result["fulfillment_order"]),
            "fulfillmentHold": {
                "__typename": "FulfillmentHold",
                "id": gid("FulfillmentHold", h["id"]),
                "reason": h["reason"],
                "reasonNotes": h.get("reason_notes"),
                "handle": h.get("handle"),
                "heldByRequestingApp": True,
                "displayReason": h["reason"].replace("_", " ").title(),
            },
            "remainingFulfillmentOrder": None,
            "userErrors": [],
        }

    def fo_cancel(id):
        result = commerce.cancel_fulfillment_order(store, shop, fo_id(id))
        return fo_payload(
            result["fulfillment_order"],
            replacementFulfillmentOrder=fulfillment_order_view(ctx, result["replacement"]),
        )

    return {
        "fulfillmentOrderSubmitFulfillmentRequest": _mutation(submit_request),
        "fulfillmentOrderAcceptFulfillmentRequest": _mutation(
            lambda id, message=None, estimatedShippedAt=None: fo_payload(
                commerce.accept_fulfillment_request(store, shop, fo_id(id), message=message)
            )
        ),
        "fulfillmentOrderRejectFulfillmentRequest": _mutation(
            lambda id, reason=None, message=None, lineItems=None: fo_payload(
                commerce.reject_fulfillment_request(
                    store, shop, fo_id(id), reason=reason, message=message
                )
            )
        ),
        "fulfillmentOrderSubmitCancellationRequest": _mutation(
            lambda id, message=None: fo_payload(
                commerce.submit_cancellation_request(store, shop, fo_id(id), message=message)
            )
        ),
        "fulfillmentOrderAcceptCancellationRequest": _mutation(
            lambda id, message=None: fo_payload(
                commerce.accept_cancellation_request(store, shop, fo_id(id), message=message)
            )
        ),
        "fulfillmentOrderRejectCancellationRequest": _mutation(
            lambda id, message=None: fo_payload(
                commerce.reject_cancellation_request(store, shop, fo_id(id), message=message)
            )
        ),
        "fulfillmentOrderHold": _mutation(hold),
        "fulfillmentOrderReleaseHold": _mutation(
            lambda id, holdIds=None, externalId=None: fo_payload(
                commerce.release_hold(
                    store,
                    shop,
                    fo_id(id),
                    hold_ids=[parse_gid(h, "FulfillmentHold") for h in holdIds or []] or None,
                )
            )
        ),
        "fulfillmentOrderCancel": _mutation(fo_cancel),
        "fulfillmentCreate": _mutation(fulfillment_create),
        "fulfillmentTrackingInfoUpdate": _mutation(tracking_update),
        "orderCancel": _mutation(order_cancel),
        "refundCreate": _mutation(refund_create),
        "orderCreate": _mutation(order_create),
        "orderUpdate": _mutation(order_update),
        "fulfillmentServiceCreate": _mutation(fulfillment_service_create),
        "webhookSubscriptionCreate": _mutation(webhook_create),
        "webhookSubscriptionDelete": _mutation(webhook_delete),
        **bulk.mutation_fields(ctx),
    }
