"""Orders: placing one (routed into fulfillment orders), reading, updating, paying and
cancelling it."""

from __future__ import annotations

from decimal import Decimal

from devstore import events, payloads
from devstore.commerce.common import NotFound, UserError, gid, money, now_iso, require_shop
from devstore.commerce.delivery_methods import (
    delivery_method,
    order_addresses,
    route_to_method,
)
from devstore.commerce.fulfillment_orders import (
    fulfillment_orders_of,
    new_fulfillment_order,
    save_fo,
    service_of_location,
)
from devstore.commerce.pricing import price_order, pricing_of
from devstore.commerce.routing import route_lines
from devstore.commerce.schedules import schedule_fulfillment_orders, total_quantities
from devstore.commerce.shops import variant_by_sku
from devstore.store import Store

DEFAULT_ADDRESS = {
    "first_name": "Alex",
    "last_name": "Doe",
    "name": "Alex Doe",
    "company": None,
    "address1": "1 Market Street",
    "address2": None,
    "city": "San Francisco",
    "province": "California",
    "province_code": "CA",
    "zip": "94105",
    "country": "United States",
    "country_code": "US",
    "phone": "+14155550100",
}
DEFAULT_CUSTOMER = {"first_name": "Alex", "last_name": "Doe", "email": "alex@example.com"}


def create_order(
    store: Store,
    shop: str,
    *,
    line_items: list[dict],
    customer: dict | None = None,
    shipping_address: dict | None = None,
    currency: str | None = None,
    financial_status: str = "paid",
    note: str | None = None,
    tags: list[str] | None = None,
    po_number: str | None = None,
    shipping_price: str = "0.00",
    source_name: str = "web",
    created_at: str | None = None,
    app_client_id: str | None = None,
    test: bool = False,
    schedule: dict | None = None,
    delivery: dict | None = None,
    pricing: dict | None = None,
) -> dict:
    """Place an order as a customer (or an app through orderCreate) would.

    line_items: [{"sku" or "variant_id", "quantity", "price"?, "title"?, "requires_shipping"?,
    "gift_card"?, "discount"?}]. Fulfillment orders are created per location stocking the
    items (and apart for lines that need no shipping), like Shopify's order routing. Opt-in: a
    `schedule` (prepaid subscription, pre-order: commerce.schedules), a `delivery` (pickup or
    local delivery: commerce.delivery_methods), a `test` order, `pricing` (presentment
    currency, discount, taxes, duties: commerce.pricing).
    """
    line_items = total_quantities(_check_lines(line_items, financial_status), schedule)
    pricing = pricing_of(line_items, pricing)
    with store.transaction():
        shop_doc = require_shop(store, shop)
        # Priced: the shop's currency, the customer's being presentment money.
        currency = shop_doc["currency"] if pricing is not None else currency or shop_doc["currency"]
        method = delivery_method(store, shop, shop_doc, delivery)
        order_id = store.next_id("order", start=5_000_001)
        number = store.next_id(f"order_number:{shop}", start=1001)
        items = [new_line_item(store, shop, shop_doc, spec) for spec in line_items]
        created = created_at or now_iso()
        customer = _customer(store, customer)
        order = {
            "id": order_id,
            "name": f"#{number}",
            "number": number,
            "email": customer.get("email"),
            "phone": customer.get("phone"),
            **dict.fromkeys(("created_at", "updated_at", "processed_at"), created),
            **dict.fromkeys(("cancelled_at", "cancel_reason", "closed_at")),
            "currency": currency,
            "financial_status": financial_status,
            "note": note,
            "tags": tags or [],
            "po_number": po_number,
            "source_name": source_name,
            "app_client_id": app_client_id,
            "customer": customer,
            **order_addresses(method, shipping_address or DEFAULT_ADDRESS),
            "line_items": items,
            **_money(store, items, shipping_price, financial_status, pricing, currency),
            # Paid through Shopify's Bogus Gateway (or a provider in test mode).
            **({"test": True} if test else {}),
        }
        _route_fulfillment_orders(store, shop, order, schedule)  # sets each line's location
        store.put("order", order_id, order, shop=shop)
        _announce_new_order(store, shop, order)
        return store.get("order", order_id)


def _check_lines(line_items: list[dict], financial_status: str) -> list[dict]:
    if not line_items:
        raise UserError("Line items must have at least one item", field=["lineItems"])
    if financial_status not in ("paid", "pending", "authorized"):
        raise UserError(f"Unsupported financial status {financial_status}")
    return line_items


def _announce_new_order(store: Store, shop: str, order: dict) -> None:
    """orders/create, and for a paid order orders/paid and its gift cards fulfilled."""
    events.emit(store, shop, "orders/create", payloads.order(store, shop, order["id"]))
    if order["financial_status"] == "paid":
        events.emit(store, shop, "orders/paid", payloads.order(store, shop, order["id"]))
        _fulfill_gift_cards(store, shop, order)


def _fulfill_gift_cards(store: Store, shop: str, order: dict) -> None:
    """A paid order's gift cards are fulfilled at once (commerce.line_kinds)."""
    if any(li.get("gift_card") for li in order["line_items"]):
        # Imported here: line_kinds fulfils through fulfillments, which builds on orders.
        from devstore.commerce.line_kinds import fulfill_gift_cards

        fulfill_gift_cards(store, shop, order["id"])


def _customer(store: Store, customer: dict | None) -> dict:
    customer = customer or dict(DEFAULT_CUSTOMER)
    customer.setdefault("id", store.next_id("customer", start=3_000_001))
    return customer


def new_line_item(
    store: Store, shop: str, shop_doc: dict, spec: dict, line_id: int | None = None
) -> dict:
    """One line of a new order, from {"sku" or "variant_id", "quantity", "price"?, ...}."""
    quantity = int(spec.get("quantity", 1))
    if quantity < 1:
        raise UserError("Quantity must be greater than 0", field=["lineItems", "quantity"])
    variant = None
    if spec.get("variant_id"):
        variant = store.get("variant", spec["variant_id"])
    elif spec.get("sku"):
        variant = variant_by_sku(store, shop, spec["sku"])
    line_id = line_id or store.next_id("line_item", start=9_000_001)
    # Gift cards and lines that need no shipping are the merchant's own to deliver (line_kinds).
    gift_card = bool(spec.get("gift_card"))
    ships = not gift_card and spec.get("requires_shipping") is not False
    line = {
        "id": line_id,
        "variant_id": variant["id"] if variant else None,
        "product_id": variant["product_id"] if variant else None,
        "sku": (variant or {}).get("sku") or spec.get("sku") or "",
        "title": (variant or {}).get("product_title") or spec.get("title") or "Custom item",
        "variant_title": (variant or {}).get("title"),
        "vendor": spec.get("vendor") or shop_doc["name"],
        "quantity": quantity,
        "price": money(spec.get("price") or (variant or {}).get("price") or "0"),
        "requires_shipping": ships,
        "location_id": ((variant or {}).get("location_id") if ships else None)
        or shop_doc["primary_location_id"],
        "refunded_quantity": 0,
        **({"line_discount": spec["discount"]} if spec.get("discount") else {}),
    }
    if gift_card:
        line["gift_card"] = True
    return line


def _amounts(store: Store, items: list[dict], shipping_price: str, financial_status: str) -> dict:
    """A new order's prices, and its payment transaction (a sale, an authorization, or none)."""
    subtotal = sum(Decimal(i["price"]) * i["quantity"] for i in items)
    total = subtotal + Decimal(shipping_price)
    transactions = []
    if financial_status == "paid":
        transactions.append(new_transaction(store, total, "sale"))
    elif financial_status == "authorized":
        transactions.append(new_transaction(store, total, "authorization"))
    return {
        "shipping_price": money(shipping_price),
        "subtotal_price": money(subtotal),
        "total_price": money(total),
        "total_refunded": "0.00",
        "transactions": transactions,
        "refunds": [],
    }


def _money(store, items, shipping_price, financial_status, pricing, currency) -> dict:
    if pricing is None:
        return _amounts(store, items, shipping_price, financial_status)
    return _priced_amounts(store, items, shipping_price, financial_status, pricing, currency)


def _priced_amounts(store, items, shipping_price, financial_status, pricing, currency) -> dict:
    """A priced order's money (pricing.py) and its payment, in both currencies."""
    fields = price_order(items, shipping_price, pricing, currency)
    transactions = []
    kind = {"paid": "sale", "authorized": "authorization"}.get(financial_status)
    if kind:
        transaction = new_transaction(store, Decimal(fields["total_price"]), kind)
        transaction["amount_presentment"] = fields["total_price_presentment"]
        transactions.append(transaction)
    return {**fields, "transactions": transactions, "refunds": []}


def received_amount(order: dict, suffix: str = "") -> Decimal:
    """What the customer paid: the order's successful sales and captures (in presentment
    money with suffix "_presentment", for a priced order)."""
    return sum(
        (
            Decimal(t.get("amount" + suffix, t["amount"]))
            for t in order["transactions"]
            if t["kind"] in ("sale", "capture")
        ),
        Decimal("0"),
    )


def new_transaction(store: Store, amount: Decimal, kind: str, parent_id: int | None = None) -> dict:
    return {
        "id": store.next_id("transaction", start=7_000_001),
        "kind": kind,
        "status": "success",
        "amount": money(amount),
        "gateway": "bogus",
        "parent_id": parent_id,
        "created_at": now_iso(),
    }


def _route_fulfillment_orders(store: Store, shop: str, order: dict, schedule) -> None:
    # Lines that need no shipping (delivery method NONE) never share a fulfillment order with
    # shipped lines: they stay at the shop's own location (commerce.line_kinds).
    shipped = [item for item in order["line_items"] if item["requires_shipping"]]
    unshipped = [item for item in order["line_items"] if not item["requires_shipping"]]
    groups = route_to_method(order, route_lines(store, shop, shipped)) if shipped else []
    if schedule:
        schedule_fulfillment_orders(store, shop, order, groups, schedule)
    else:
        for location_id, items in groups:
            lines = [(i["id"], i["quantity"]) for i in items]
            new_fulfillment_order(store, shop, order["id"], location_id, lines)
    if order.get("delivery_method"):
        for fo in fulfillment_orders_of(store, shop, order["id"]):
            save_fo(store, shop, {**fo, "delivery_method": order["delivery_method"]})
    if unshipped:
        lines = [(i["id"], i["quantity"]) for i in unshipped]
        location_id = unshipped[0]["location_id"]
        new_fulfillment_order(store, shop, order["id"], location_id, lines, delivery_method="NONE")
    events.emit(
        store,
        shop,
        "fulfillment_orders/order_routing_complete",
        payloads.routing_complete(store, shop, order["id"]),
    )


def get_order(store: Store, shop: str, order_id: int) -> dict:
    order = store.get("order", order_id)
    if order is None or order_shop(store, order_id) != shop:
        raise NotFound(gid("Order", order_id))
    return order


def order_shop(store: Store, order_id: int) -> str | None:
    return store._shop_of.get(("order", str(order_id)))


def touch_order(store: Store, shop: str, order: dict, topic: str = "orders/updated") -> None:
    order["updated_at"] = now_iso()
    store.put("order", order["id"], order, shop=shop)
    events.emit(store, shop, topic, payloads.order(store, shop, order["id"]))


def update_order(
    store: Store, shop: str, order_id: int, *, shipping_address=None, note=None, tags=None
) -> dict:
    """orderUpdate: the fields an app may change after checkout (address, note, tags)."""
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["cancelled_at"] and shipping_address is not None:
            raise UserError(
                "Cannot update the shipping address of a cancelled order.",
                field=["shippingAddress"],
            )
        if shipping_address is not None:
            order["shipping_address"] = {
                **(order.get("shipping_address") or {}),
                **shipping_address,
            }
            first = order["shipping_address"].get("first_name") or ""
            last = order["shipping_address"].get("last_name") or ""
            order["shipping_address"]["name"] = f"{first} {last}".strip()
        if note is not None:
            order["note"] = note
        if tags is not None:
            order["tags"] = list(tags)
        touch_order(store, shop, order)
        return order


def mark_paid(store: Store, shop: str, order_id: int) -> dict:
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["financial_status"] == "paid":
            raise UserError("Order is already paid", field=["id"])
        if order["cancelled_at"]:
            raise UserError("Order is cancelled", field=["id"])
        # A partially paid order (an edit raised its total) is charged what is still owed.
        owed = Decimal(order["total_price"])
        if order["financial_status"] == "partially_paid":
            owed -= received_amount(order)
        order["financial_status"] = "paid"
        sale = new_transaction(store, owed, "sale")
        if order.get("priced"):
            owed_presentment = Decimal(order["total_price_presentment"]) - received_amount(
                order, "_presentment"
            )
            sale["amount_presentment"] = money(owed_presentment)
        order["transactions"].append(sale)
        touch_order(store, shop, order, "orders/paid")
        events.emit(store, shop, "orders/updated", payloads.order(store, shop, order_id))
        _fulfill_gift_cards(store, shop, order)
        return order


def list_orders(store: Store, shop: str) -> list[dict]:
    """Orders newest first, without copying (callers must not mutate)."""
    return sorted(store.peek("order", shop=shop), key=lambda o: o["id"], reverse=True)


def cancel_order(
    store: Store,
    shop: str,
    order_id: int,
    *,
    reason: str,
    restock: bool,
    refund: bool = False,
    notify_customer: bool = False,
    staff_note: str | None = None,
) -> dict:
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["cancelled_at"]:
            raise UserError("Order has already been cancelled", field=["orderId"], code="INVALID")
        for fo in fulfillment_orders_of(store, shop, order_id):
            if service_of_location(store, shop, fo["location_id"]) and fo["status"] in (
                "IN_PROGRESS",
            ):
                raise UserError(
                    "Cannot cancel an order that has outstanding fulfillments",
                    field=["orderId"],
                    code="INVALID",
                )
        if refund and order["financial_status"] in ("paid", "partially_refunded"):
            order = _refund_on_cancel(store, shop, order, restock)
        for fo in fulfillment_orders_of(store, shop, order_id):
            if fo["status"] not in ("CLOSED", "CANCELLED"):
                fo["status"] = "CLOSED"
                save_fo(store, shop, fo)
        order["cancelled_at"] = now_iso()
        order["cancel_reason"] = reason.lower()
        order["closed_at"] = order["cancelled_at"]
        if refund and order["financial_status"] in ("paid", "partially_refunded", "refunded"):
            order["financial_status"] = "refunded"
        elif order["financial_status"] in ("pending", "authorized"):
            order["financial_status"] = "voided"
        order["staff_note"] = staff_note
        store.put("order", order_id, order, shop=shop)
        touch_order(store, shop, order, "orders/cancelled")
        events.emit(store, shop, "orders/updated", payloads.order(store, shop, order_id))
        return {"order": order, "job_id": store.next_id("job", start=1)}


def _refund_on_cancel(store: Store, shop: str, order: dict, restock: bool) -> dict:
    """orderCancel with a refund makes a Refund, as refundCreate would (Shopify lists it in
    the order's refunds and sends refunds/create): every unit left (cancelled, back in stock
    when asked), the shipping, the duties and whatever else is left of what was paid."""
    from devstore.commerce import refunds  # refunds builds on this module

    outstanding = Decimal(order["total_price"]) - Decimal(order["total_refunded"])
    suffix = "_presentment" if order.get("priced") else ""
    amount = Decimal(order["total_price" + suffix]) - Decimal(
        order.get("total_refunded" + suffix, order["total_refunded"])
    )
    if outstanding <= 0 or amount <= 0:
        return order
    units = [
        (line, line["quantity"] - line.get("removed_quantity", 0) - line["refunded_quantity"])
        for line in order["line_items"]
    ]
    refunds.create_refund(
        store,
        shop,
        order["id"],
        refund_line_items=[
            {
                "line_item_id": line["id"],
                "quantity": left,
                "restock_type": "CANCEL" if restock else "NO_RESTOCK",
            }
            for line, left in units
            if left > 0
        ],
        full_shipping=True,
        amount=money(amount),
        currency=order.get("presentment_currency") or order["currency"],
        note=None,
    )
    return get_order(store, shop, order["id"])


def delete_order(store: Store, shop: str, order_id: int) -> dict:
    """The staff deletes an order in its admin (as orderDelete): only a cancelled or archived
    (closed) order can be (help.shopify.com, "Delete an order"); it is gone for good, with its
    fulfillment orders, and `orders/delete` ({"id"} only) follows."""
    with store.transaction():
        order = get_order(store, shop, order_id)
        if not order.get("cancelled_at") and not order.get("closed_at"):
            raise UserError(
                "Order must be archived or cancelled before it can be deleted",
                field=["orderId"],
                code="INVALID",
            )
        for fo in fulfillment_orders_of(store, shop, order_id):
            store.delete("fulfillment_order", fo["id"])
        store.delete("order", order_id)
        events.emit(store, shop, "orders/delete", {"id": order_id})
        return {"deletedId": gid("Order", order_id)}
