"""A store's commerce state and the moves Shopify allows on it.

Plain functions over the document store, used by the GraphQL resolvers and by the control
routes alike, so a supplier acting through the devstore CLI and an app calling a mutation go
through the same rules. Fulfillment-order transitions follow Shopify (reference §4.5); an
illegal move raises UserError with Shopify's wording, which resolvers turn into userErrors.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

from devstore import events, payloads
from devstore.store import Store

PLANS = {
    "standard": {"display": "Basic", "restore_rate": 100.0, "bucket": 2000.0},
    "advanced": {"display": "Advanced", "restore_rate": 200.0, "bucket": 4000.0},
    "plus": {"display": "Shopify Plus", "restore_rate": 1000.0, "bucket": 20000.0},
}


class UserError(Exception):
    def __init__(self, message: str, field: list[str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class NotFound(Exception):
    """An id that does not exist in this shop: Shopify answers RESOURCE_NOT_FOUND."""

    def __init__(self, gid: str):
        super().__init__(f"Invalid id: {gid}")
        self.gid = gid


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def gid(kind: str, doc_id: int | str) -> str:
    return f"gid://shopify/{kind}/{doc_id}"


def parse_gid(value: str | int, kind: str) -> int:
    if isinstance(value, int):
        return value
    prefix = f"gid://shopify/{kind}/"
    if not value.startswith(prefix) or not value[len(prefix) :].split("?")[0].isdigit():
        raise NotFound(str(value))
    return int(value[len(prefix) :].split("?")[0])


def money(value: Decimal | str | int) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


# -- shops, locations, products -----------------------------------------------------------

SAMPLE_PRODUCTS = [
    ("Linen Throw Pillow", "Natural", "PIL-LIN-NAT", "34.00"),
    ("Linen Throw Pillow", "Charcoal", "PIL-LIN-CHA", "34.00"),
    ("Ceramic Pour-Over Set", "White", "CER-POUR-WHT", "58.00"),
    ("Merino Beanie", "Forest", "MER-BEA-FOR", "29.00"),
    ("Walnut Serving Board", "Large", "WAL-BRD-L", "72.00"),
    ("Brass Desk Lamp", "Default", "BRS-LAMP", "119.00"),
    ("Organic Cotton Tee", "M / Sand", "TEE-ORG-M-SND", "24.00"),
    ("Organic Cotton Tee", "L / Sand", "TEE-ORG-L-SND", "24.00"),
    ("Stoneware Mug", "Speckled", "MUG-STN-SPK", "18.00"),
    ("Recycled Tote", "Olive", "TOTE-REC-OLV", "22.00"),
]


def ensure_shop(
    store: Store,
    domain: str,
    *,
    name: str | None = None,
    currency: str = "USD",
    plan: str = "standard",
    email: str | None = None,
) -> dict:
    """Create the shop with a primary location and sample products; idempotent."""
    if plan not in PLANS:
        raise UserError(f"Unknown plan {plan!r}; expected one of {sorted(PLANS)}")
    with store.transaction():
        shop = store.get("shop", domain)
        if shop:
            return shop
        shop_id = store.next_id("shop", start=60_000_001)
        location_id = store.next_id("location", start=70_000_001)
        handle = domain.split(".")[0]
        shop = {
            "domain": domain,
            "id": shop_id,
            "name": name or handle.replace("-", " ").title(),
            "email": email or f"owner@{handle}.example",
            "currency": currency,
            "plan": plan,
            "primary_location_id": location_id,
            "created_at": now_iso(),
        }
        store.put("shop", domain, shop, shop=domain)
        store.put(
            "location",
            location_id,
            {"id": location_id, "name": "Shop location", "fulfillment_service_id": None},
            shop=domain,
        )
        for title, variant_title, sku, price in SAMPLE_PRODUCTS:
            create_variant(
                store,
                domain,
                title=title,
                variant_title=variant_title,
                sku=sku,
                price=price,
                location_id=location_id,
            )
        return shop


def create_variant(
    store: Store,
    shop: str,
    *,
    title: str,
    variant_title: str,
    sku: str,
    price: str,
    location_id: int | None = None,
) -> dict:
    with store.transaction():
        shop_doc = _shop(store, shop)
        variant_id = store.next_id("variant", start=40_000_001)
        doc = {
            "id": variant_id,
            "product_id": variant_id + 1_000_000,
            "product_title": title,
            "title": variant_title,
            "sku": sku,
            "price": money(price),
            "location_id": location_id or shop_doc["primary_location_id"],
        }
        return store.put("variant", variant_id, doc, shop=shop)


def stock_skus_at(store: Store, shop: str, skus: list[str], location_id: int) -> int:
    """Move SKUs' inventory to a location (e.g. a supplier's fulfillment-service location)."""
    with store.transaction():
        moved = 0
        for variant in store.find("variant", shop=shop, where=lambda v: v["sku"] in skus):
            variant["location_id"] = location_id
            store.put("variant", variant["id"], variant, shop=shop)
            moved += 1
        return moved


def _shop(store: Store, shop: str) -> dict:
    doc = store.get("shop", shop)
    if doc is None:
        raise UserError(f"Unknown shop {shop}")
    return doc


def variant_by_sku(store: Store, shop: str, sku: str) -> dict | None:
    for variant in store.peek("variant", shop=shop):
        if variant["sku"] == sku:
            return dict(variant)
    return None


# -- fulfillment services -------------------------------------------------------------------


def create_fulfillment_service(
    store: Store,
    shop: str,
    *,
    client_id: str,
    name: str,
    callback_url: str | None,
    tracking_support: bool = False,
    inventory_management: bool = False,
) -> dict:
    with store.transaction():
        _shop(store, shop)
        taken = store.find("fulfillment_service", shop=shop, where=lambda f: f["name"] == name)
        if taken:
            raise UserError("Name has already been taken", field=["name"])
        service_id = store.next_id("fulfillment_service", start=80_000_001)
        location_id = store.next_id("location", start=70_000_001)
        handle = "-".join(name.lower().split())
        store.put(
            "location",
            location_id,
            {"id": location_id, "name": name, "fulfillment_service_id": service_id},
            shop=shop,
        )
        doc = {
            "id": service_id,
            "client_id": client_id,
            "name": name,
            "handle": handle,
            "callback_url": callback_url,
            "location_id": location_id,
            "tracking_support": tracking_support,
            "inventory_management": inventory_management,
        }
        return store.put("fulfillment_service", service_id, doc, shop=shop)


def fulfillment_services_of(store: Store, shop: str, client_id: str) -> list[dict]:
    return store.find("fulfillment_service", shop=shop, where=lambda f: f["client_id"] == client_id)


# -- orders -------------------------------------------------------------------------------


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
    shipping_price: str = "0.00",
    source_name: str = "web",
    created_at: str | None = None,
    app_client_id: str | None = None,
) -> dict:
    """Place an order as a customer (or an app through orderCreate) would.

    line_items: [{"sku" or "variant_id", "quantity", "price"?, "title"?}]. Fulfillment orders
    are created per location stocking the items, like Shopify's order routing.
    """
    if not line_items:
        raise UserError("Line items must have at least one item", field=["lineItems"])
    if financial_status not in ("paid", "pending", "authorized"):
        raise UserError(f"Unsupported financial status {financial_status}")
    with store.transaction():
        shop_doc = _shop(store, shop)
        currency = currency or shop_doc["currency"]
        order_id = store.next_id("order", start=5_000_001)
        number = store.next_id(f"order_number:{shop}", start=1001)
        items = []
        for spec in line_items:
            quantity = int(spec.get("quantity", 1))
            if quantity < 1:
                raise UserError("Quantity must be greater than 0", field=["lineItems", "quantity"])
            variant = None
            if spec.get("variant_id"):
                variant = store.get("variant", spec["variant_id"])
            elif spec.get("sku"):
                variant = variant_by_sku(store, shop, spec["sku"])
            line_id = store.next_id("line_item", start=9_000_001)
            items.append(
                {
                    "id": line_id,
                    "variant_id": variant["id"] if variant else None,
                    "product_id": variant["product_id"] if variant else None,
                    "sku": (variant or {}).get("sku") or spec.get("sku") or "",
                    "title": (variant or {}).get("product_title")
                    or spec.get("title")
                    or "Custom item",
                    "variant_title": (variant or {}).get("title"),
                    "vendor": spec.get("vendor") or shop_doc["name"],
                    "quantity": quantity,
                    "price": money(spec.get("price") or (variant or {}).get("price") or "0"),
                    "requires_shipping": True,
                    "location_id": (variant or {}).get("location_id")
                    or shop_doc["primary_location_id"],
                    "refunded_quantity": 0,
                }
            )
        subtotal = sum(Decimal(i["price"]) * i["quantity"] for i in items)
        total = subtotal + Decimal(shipping_price)
        created = created_at or now_iso()
        customer = customer or {
            "first_name": "Alex",
            "last_name": "Doe",
            "email": "alex@example.com",
        }
        customer.setdefault("id", store.next_id("customer", start=3_000_001))
        order = {
            "id": order_id,
            "name": f"#{number}",
            "number": number,
            "email": customer.get("email"),
            "phone": customer.get("phone"),
            "created_at": created,
            "updated_at": created,
            "processed_at": created,
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "currency": currency,
            "financial_status": financial_status,
            "note": note,
            "tags": tags or [],
            "source_name": source_name,
            "app_client_id": app_client_id,
            "customer": customer,
            "shipping_address": shipping_address or DEFAULT_ADDRESS,
            "line_items": items,
            "shipping_price": money(shipping_price),
            "subtotal_price": money(subtotal),
            "total_price": money(total),
            "total_refunded": "0.00",
            "transactions": [],
            "refunds": [],
        }
        if financial_status == "paid":
            order["transactions"].append(_transaction(store, total, "sale"))
        elif financial_status == "authorized":
            order["transactions"].append(_transaction(store, total, "authorization"))
        store.put("order", order_id, order, shop=shop)
        _route_fulfillment_orders(store, shop, order)
        events.emit(store, shop, "orders/create", payloads.order(store, shop, order_id))
        if financial_status == "paid":
            events.emit(store, shop, "orders/paid", payloads.order(store, shop, order_id))
        return store.get("order", order_id)


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


def _transaction(store: Store, amount: Decimal, kind: str, parent_id: int | None = None) -> dict:
    return {
        "id": store.next_id("transaction", start=7_000_001),
        "kind": kind,
        "status": "success",
        "amount": money(amount),
        "gateway": "bogus",
        "parent_id": parent_id,
        "created_at": now_iso(),
    }


def _route_fulfillment_orders(store: Store, shop: str, order: dict) -> None:
    by_location: dict[int, list[dict]] = {}
    for item in order["line_items"]:
        by_location.setdefault(item["location_id"], []).append(item)
    for location_id, items in by_location.items():
        _new_fulfillment_order(
            store,
            shop,
            order["id"],
            location_id,
            [(i["id"], i["quantity"]) for i in items],
        )
    events.emit(
        store,
        shop,
        "fulfillment_orders/order_routing_complete",
        payloads.routing_complete(store, shop, order["id"]),
    )


def _new_fulfillment_order(
    store: Store,
    shop: str,
    order_id: int,
    location_id: int,
    lines: list[tuple[int, int]],
    status: str = "OPEN",
    request_status: str = "UNSUBMITTED",
) -> dict:
    fo_id = store.next_id("fulfillment_order", start=6_000_001)
    doc = {
        "id": fo_id,
        "order_id": order_id,
        "location_id": location_id,
        "status": status,
        "request_status": request_status,
        "line_items": [
            {
                "id": store.next_id("fulfillment_order_line_item", start=8_000_001),
                "line_item_id": line_id,
                "total_quantity": qty,
                "remaining_quantity": qty,
            }
            for line_id, qty in lines
        ],
        "merchant_requests": [],
        "holds": [],
        "created_at": now_iso(),
        "updated_at": now_iso(),
    }
    return store.put("fulfillment_order", fo_id, doc, shop=shop)


def get_order(store: Store, shop: str, order_id: int) -> dict:
    order = store.get("order", order_id)
    if order is None or order_shop(store, order_id) != shop:
        raise NotFound(gid("Order", order_id))
    return order


def order_shop(store: Store, order_id: int) -> str | None:
    return store._shop_of.get(("order", str(order_id)))


def fulfillment_orders_of(store: Store, shop: str, order_id: int) -> list[dict]:
    return store.find_by("fulfillment_order", "order_id", order_id, shop=shop)


def get_fulfillment_order(store: Store, shop: str, fo_id: int) -> dict:
    fo = store.get("fulfillment_order", fo_id)
    if fo is None or store._shop_of.get(("fulfillment_order", str(fo_id))) != shop:
        raise NotFound(gid("FulfillmentOrder", fo_id))
    return fo


def _touch_order(store: Store, shop: str, order: dict, topic: str = "orders/updated") -> None:
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
        _touch_order(store, shop, order)
        return order


def mark_paid(store: Store, shop: str, order_id: int) -> dict:
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["financial_status"] == "paid":
            raise UserError("Order is already paid", field=["id"])
        if order["cancelled_at"]:
            raise UserError("Order is cancelled", field=["id"])
        order["financial_status"] = "paid"
        order["transactions"].append(_transaction(store, Decimal(order["total_price"]), "sale"))
        _touch_order(store, shop, order, "orders/paid")
        events.emit(store, shop, "orders/updated", payloads.order(store, shop, order_id))
        return order


def list_orders(store: Store, shop: str) -> list[dict]:
    """Orders newest first, without copying (callers must not mutate)."""
    return sorted(store.peek("order", shop=shop), key=lambda o: o["id"], reverse=True)


# -- fulfillment-order moves (reference §4.5) ----------------------------------------------


def _service_of_location(store: Store, shop: str, location_id: int) -> dict | None:
    location = store.get("location", location_id) or {}
    service_id = location.get("fulfillment_service_id")
    return store.get("fulfillment_service", service_id) if service_id else None


def _save_fo(store: Store, shop: str, fo: dict) -> dict:
    fo["updated_at"] = now_iso()
    return store.put("fulfillment_order", fo["id"], fo, shop=shop)


def _merchant_request(store: Store, kind: str, message: str | None, options: dict) -> dict:
    return {
        "id": store.next_id("merchant_request", start=1_000_001),
        "kind": kind,
        "message": message,
        "request_options": options,
        "sent_at": now_iso(),
    }


def submit_fulfillment_request(
    store: Store,
    shop: str,
    fo_id: int,
    *,
    message: str | None = None,
    notify_customer: bool = False,
    line_items: list[dict] | None = None,
) -> dict:
    """Merchant asks the fulfillment service to fulfill. Returns original/submitted/unsubmitted."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        service = _service_of_location(store, shop, fo["location_id"])
        if service is None:
            raise UserError(
                "Fulfillment order is not assigned to a fulfillment service.", field=["id"]
            )
        if fo["status"] != "OPEN" or fo["request_status"] not in ("UNSUBMITTED", "REJECTED"):
            raise UserError("Fulfillment order is not in a submittable state.", field=["id"])
        if fo["holds"]:
            raise UserError("Fulfillment order is on hold.", field=["id"])
        original = dict(fo)
        unsubmitted = None
        if line_items:
            requested = {
                parse_gid(li["id"], "FulfillmentOrderLineItem"): int(li["quantity"])
                for li in line_items
            }
            kept, rest = [], []
            for line in fo["line_items"]:
                qty = requested.get(line["id"], 0)
                if qty > line["remaining_quantity"] or qty < 0:
                    raise UserError(
                        "Invalid quantity for fulfillment order line item.",
                        field=["fulfillmentOrderLineItems"],
                    )
                if qty:
                    kept.append({**line, "total_quantity": qty, "remaining_quantity": qty})
                if line["remaining_quantity"] - qty:
                    rest.append((line["line_item_id"], line["remaining_quantity"] - qty))
            if not kept:
                raise UserError(
                    "Must select at least one line item.", field=["fulfillmentOrderLineItems"]
                )
            fo["line_items"] = kept
            if rest:
                unsubmitted = _new_fulfillment_order(
                    store, shop, fo["order_id"], fo["location_id"], rest
                )
        fo["request_status"] = "SUBMITTED"
        request = _merchant_request(
            store, "FULFILLMENT_REQUEST", message, {"notify_customer": notify_customer}
        )
        fo["merchant_requests"].append(request)
        submitted = _save_fo(store, shop, fo)
        events.emit(
            store,
            shop,
            "fulfillment_orders/fulfillment_request_submitted",
            payloads.fulfillment_request_submitted(original, submitted, request),
        )
        events.notify_fulfillment_service(store, shop, service["id"], "FULFILLMENT_REQUEST")
        return {"original": original, "submitted": submitted, "unsubmitted": unsubmitted}


def _require_request(fo: dict, status: str, request_status: tuple[str, ...], what: str) -> None:
    if fo["status"] != status or fo["request_status"] not in request_status:
        raise UserError(
            f"Cannot {what}: fulfillment order is {fo['status']} with request "
            f"status {fo['request_status']}.",
            field=["id"],
        )


# The fulfillment service's answers (reference §4.5): from (status, request statuses) to
# (status, request status), and the webhook topic Shopify sends for the move.
SERVICE_RESPONSES = {
    "accept fulfillment request": (
        "OPEN",
        ("SUBMITTED",),
        "IN_PROGRESS",
        "ACCEPTED",
        "fulfillment_orders/fulfillment_request_accepted",
    ),
    "reject fulfillment request": (
        "OPEN",
        ("SUBMITTED",),
        "OPEN",
        "REJECTED",
        "fulfillment_orders/fulfillment_request_rejected",
    ),
    "accept cancellation request": (
        "IN_PROGRESS",
        ("CANCELLATION_REQUESTED",),
        "CLOSED",
        "CANCELLATION_ACCEPTED",
        "fulfillment_orders/cancellation_request_accepted",
    ),
    "reject cancellation request": (
        "IN_PROGRESS",
        ("CANCELLATION_REQUESTED",),
        "IN_PROGRESS",
        "CANCELLATION_REJECTED",
        "fulfillment_orders/cancellation_request_rejected",
    ),
}


def _respond(
    store: Store, shop: str, fo_id: int, move: str, message: str | None, **recorded
) -> dict:
    from_status, from_requests, to_status, to_request, topic = SERVICE_RESPONSES[move]
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _require_request(fo, from_status, from_requests, move)
        fo["status"], fo["request_status"] = to_status, to_request
        fo.update(recorded)
        if to_status == "CLOSED":  # cancelled work: nothing left to fulfill
            for line in fo["line_items"]:
                line["total_quantity"] = line["remaining_quantity"] = 0
        fo = _save_fo(store, shop, fo)
        events.emit(store, shop, topic, payloads.fo_with_message(fo, message))
        return fo


def accept_fulfillment_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    return _respond(store, shop, fo_id, "accept fulfillment request", message)


def reject_fulfillment_request(
    store: Store, shop: str, fo_id: int, *, reason: str | None = None, message: str | None = None
) -> dict:
    return _respond(
        store,
        shop,
        fo_id,
        "reject fulfillment request",
        message,
        rejection={"reason": reason or "OTHER", "message": message},
    )


def accept_cancellation_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    return _respond(store, shop, fo_id, "accept cancellation request", message)


def reject_cancellation_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    return _respond(
        store,
        shop,
        fo_id,
        "reject cancellation request",
        message,
        cancellation_rejection_message=message,
    )


def submit_cancellation_request(
    store: Store, shop: str, fo_id: int, *, message: str | None = None
) -> dict:
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        _require_request(
            fo, "IN_PROGRESS", ("ACCEPTED", "CANCELLATION_REJECTED"), "request cancellation"
        )
        service = _service_of_location(store, shop, fo["location_id"])
        request = _merchant_request(store, "CANCELLATION_REQUEST", message, {})
        fo["merchant_requests"].append(request)
        fo["request_status"] = "CANCELLATION_REQUESTED"
        fo = _save_fo(store, shop, fo)
        events.emit(
            store,
            shop,
            "fulfillment_orders/cancellation_request_submitted",
            payloads.cancellation_request_submitted(fo, request),
        )
        if service:
            events.notify_fulfillment_service(store, shop, service["id"], "CANCELLATION_REQUEST")
        return fo


def hold_fulfillment_order(
    store: Store,
    shop: str,
    fo_id: int,
    *,
    reason: str,
    reason_notes: str | None = None,
    handle: str = "",
    client_id: str | None = None,
) -> dict:
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["status"] not in ("OPEN", "ON_HOLD", "SCHEDULED"):
            raise UserError("The fulfillment order's status does not allow holds.", field=["id"])
        if len(handle) > 64:
            raise UserError(
                "Handle is too long (maximum is 64 characters)", field=["fulfillmentHold", "handle"]
            )
        if any(h["handle"] == handle and h["client_id"] == client_id for h in fo["holds"]):
            raise UserError(
                "A hold with this handle already exists.", field=["fulfillmentHold", "handle"]
            )
        hold = {
            "id": store.next_id("fulfillment_hold", start=2_000_001),
            "reason": reason,
            "reason_notes": reason_notes,
            "handle": handle,
            "client_id": client_id,
            "held_at": now_iso(),
        }
        fo["holds"].append(hold)
        fo["status"] = "ON_HOLD"
        fo = _save_fo(store, shop, fo)
        events.emit(
            store, shop, "fulfillment_orders/placed_on_hold", payloads.placed_on_hold(fo, hold)
        )
        return {"fulfillment_order": fo, "hold": hold}


def release_hold(store: Store, shop: str, fo_id: int, *, hold_ids: list[int] | None = None) -> dict:
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["status"] != "ON_HOLD":
            raise UserError("The fulfillment order is not on hold.", field=["id"])
        fo["holds"] = [h for h in fo["holds"] if hold_ids and h["id"] not in hold_ids]
        if not fo["holds"]:
            fo["status"] = "OPEN"
        fo = _save_fo(store, shop, fo)
        events.emit(store, shop, "fulfillment_orders/hold_released", payloads.fo_only(fo))
        return fo


def cancel_fulfillment_order(store: Store, shop: str, fo_id: int) -> dict:
    """Merchant cancels a submitted request: original closes, a replacement opens."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["request_status"] not in ("SUBMITTED", "CANCELLATION_REQUESTED"):
            raise UserError(
                "Fulfillment order cannot be cancelled in its current state.", field=["id"]
            )
        lines = [(li["line_item_id"], li["remaining_quantity"]) for li in fo["line_items"]]
        for line in fo["line_items"]:
            # The replacement holds the items now: the closed original holds none (as after an
            # accepted cancellation), so nothing reads as fulfilled.
            line["total_quantity"] = line["remaining_quantity"] = 0
        fo["status"] = "CLOSED"
        fo = _save_fo(store, shop, fo)
        replacement = _new_fulfillment_order(store, shop, fo["order_id"], fo["location_id"], lines)
        events.emit(
            store, shop, "fulfillment_orders/cancelled", payloads.fo_cancelled(fo, replacement)
        )
        return {"fulfillment_order": fo, "replacement": replacement}


# -- fulfillments -------------------------------------------------------------------------


def create_fulfillment(
    store: Store,
    shop: str,
    *,
    by_fulfillment_order: list[dict],
    tracking: dict | None = None,
    notify_customer: bool = False,
    client_id: str | None = None,
) -> dict:
    """by_fulfillment_order: [{"fulfillment_order_id", "line_items": [{id, quantity}] | None}]."""
    with store.transaction():
        if not by_fulfillment_order:
            raise UserError(
                "Line items by fulfillment order must not be empty.",
                field=["fulfillment", "lineItemsByFulfillmentOrder"],
            )
        order_id = None
        fulfilled_lines = []
        touched = []
        for group in by_fulfillment_order:
            fo = get_fulfillment_order(store, shop, group["fulfillment_order_id"])
            if order_id is not None and fo["order_id"] != order_id:
                raise UserError(
                    "All fulfillment orders must belong to the same order.", field=["fulfillment"]
                )
            order_id = fo["order_id"]
            if fo["status"] in ("CLOSED", "CANCELLED", "INCOMPLETE", "ON_HOLD"):
                raise UserError(
                    f"Fulfillment order {gid('FulfillmentOrder', fo['id'])} has an "
                    f"unfulfillable status= {fo['status'].lower()}.",
                    field=["fulfillment"],
                )
            service = _service_of_location(store, shop, fo["location_id"])
            if service and client_id and service["client_id"] != client_id:
                raise UserError(
                    "Fulfillment orders assigned to a fulfillment service can only be "
                    "fulfilled by that service's app.",
                    field=["fulfillment"],
                )
            wanted = {
                parse_gid(li["id"], "FulfillmentOrderLineItem"): int(li["quantity"])
                for li in (group.get("line_items") or [])
            }
            for line in fo["line_items"]:
                qty = wanted.get(line["id"], 0) if wanted else line["remaining_quantity"]
                if qty > line["remaining_quantity"] or qty < 0:
                    raise UserError(
                        "Invalid fulfillment order line item quantity requested.",
                        field=["fulfillment"],
                    )
                if qty:
                    line["remaining_quantity"] -= qty
                    fulfilled_lines.append(
                        {
                            "fulfillment_order_line_item_id": line["id"],
                            "line_item_id": line["line_item_id"],
                            "quantity": qty,
                        }
                    )
            if all(line["remaining_quantity"] == 0 for line in fo["line_items"]):
                fo["status"] = "CLOSED"
            elif fo["status"] == "OPEN":
                fo["status"] = "IN_PROGRESS"
            touched.append(fo)
        if not fulfilled_lines:
            raise UserError("Nothing to fulfill.", field=["fulfillment"])
        for fo in touched:
            _save_fo(store, shop, fo)
        fulfillment_id = store.next_id("fulfillment", start=4_000_001)
        order = get_order(store, shop, order_id)
        fulfillment = {
            "id": fulfillment_id,
            "order_id": order_id,
            "name": f"{order['name']}.{len(fulfillments_of(store, shop, order_id)) + 1}",
            "status": "SUCCESS",
            "tracking": _clean_tracking(tracking),
            "line_items": fulfilled_lines,
            "location_id": touched[0]["location_id"],
            "notify_customer": bool(notify_customer),
            "created_at": now_iso(),
            "updated_at": now_iso(),
            # Shopify's created_at has whole seconds; benches need devstore's own clock finer.
            # Only the control API shows it.
            "created_at_ms": round(datetime.now(UTC).timestamp() * 1000),
        }
        store.put("fulfillment", fulfillment_id, fulfillment, shop=shop)
        events.emit(
            store, shop, "fulfillments/create", payloads.fulfillment(store, shop, fulfillment)
        )
        remaining = sum(
            li["remaining_quantity"]
            for f in fulfillment_orders_of(store, shop, order_id)
            for li in f["line_items"]
        )
        topic = "orders/fulfilled" if remaining == 0 else "orders/partially_fulfilled"
        _touch_order(store, shop, order, topic)
        events.emit(store, shop, "orders/updated", payloads.order(store, shop, order_id))
        return fulfillment


def _clean_tracking(tracking: dict | None) -> dict:
    tracking = tracking or {}
    return {
        "company": tracking.get("company"),
        "number": tracking.get("number"),
        "url": tracking.get("url"),
    }


def fulfillments_of(store: Store, shop: str, order_id: int) -> list[dict]:
    return store.find_by("fulfillment", "order_id", order_id, shop=shop)


def update_tracking(
    store: Store, shop: str, fulfillment_id: int, *, tracking: dict, notify_customer: bool = False
) -> dict:
    with store.transaction():
        fulfillment = store.get("fulfillment", fulfillment_id)
        if fulfillment is None or store._shop_of.get(("fulfillment", str(fulfillment_id))) != shop:
            raise NotFound(gid("Fulfillment", fulfillment_id))
        fulfillment["tracking"] = _clean_tracking(tracking)
        fulfillment["updated_at"] = now_iso()
        fulfillment["notify_customer"] = bool(notify_customer)
        store.put("fulfillment", fulfillment_id, fulfillment, shop=shop)
        events.emit(
            store, shop, "fulfillments/update", payloads.fulfillment(store, shop, fulfillment)
        )
        return fulfillment


# -- cancel and refund --------------------------------------------------------------------


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
            if _service_of_location(store, shop, fo["location_id"]) and fo["status"] in (
                "IN_PROGRESS",
            ):
                raise UserError(
                    "Cannot cancel an order that has outstanding fulfillments",
                    field=["orderId"],
                    code="INVALID",
                )
        for fo in fulfillment_orders_of(store, shop, order_id):
            if fo["status"] not in ("CLOSED", "CANCELLED"):
                fo["status"] = "CLOSED"
                _save_fo(store, shop, fo)
        order["cancelled_at"] = now_iso()
        order["cancel_reason"] = reason.lower()
        order["closed_at"] = order["cancelled_at"]
        if refund and order["financial_status"] in ("paid", "partially_refunded"):
            outstanding = Decimal(order["total_price"]) - Decimal(order["total_refunded"])
            if outstanding > 0:
                order["transactions"].append(_transaction(store, outstanding, "refund"))
                order["total_refunded"] = money(order["total_price"])
            order["financial_status"] = "refunded"
        elif order["financial_status"] in ("pending", "authorized"):
            order["financial_status"] = "voided"
        order["staff_note"] = staff_note
        store.put("order", order_id, order, shop=shop)
        _touch_order(store, shop, order, "orders/cancelled")
        events.emit(store, shop, "orders/updated", payloads.order(store, shop, order_id))
        return {"order": order, "job_id": store.next_id("job", start=1)}


def refundable_amount(order: dict) -> Decimal:
    if order["financial_status"] not in ("paid", "partially_refunded"):
        return Decimal("0")
    return Decimal(order["total_price"]) - Decimal(order["total_refunded"])


def create_refund(
    store: Store,
    shop: str,
    order_id: int,
    *,
    refund_line_items: list[dict],
    shipping_amount: str | None = None,
    full_shipping: bool = False,
    amount: str | None = None,
    note: str | None = None,
    notify: bool = False,
) -> dict:
    """refund_line_items: [{"line_item_id", "quantity", "restock_type"}]. Never over-refunds."""
    with store.transaction():
        order = get_order(store, shop, order_id)
        if order["financial_status"] not in ("paid", "partially_refunded"):
            raise UserError("Order has no captured payment to refund.", field=["orderId"])
        lines = {li["id"]: li for li in order["line_items"]}
        computed = Decimal("0")
        refund_lines = []
        for spec in refund_line_items:
            line = lines.get(spec["line_item_id"])
            if line is None:
                raise NotFound(gid("LineItem", spec["line_item_id"]))
            qty = int(spec["quantity"])
            if qty < 0 or qty > line["quantity"] - line["refunded_quantity"]:
                raise UserError(
                    "Quantity cannot refund more items than were purchased.",
                    field=["refundLineItems", "quantity"],
                )
            restock = spec.get("restock_type", "NO_RESTOCK")
            if restock not in ("CANCEL", "RETURN", "NO_RESTOCK"):
                raise UserError(
                    f"Restock type {restock} is not supported.",
                    field=["refundLineItems", "restockType"],
                )
            computed += Decimal(line["price"]) * qty
            refund_lines.append(
                {
                    "line_item_id": line["id"],
                    "quantity": qty,
                    "restock_type": restock,
                    "subtotal": money(Decimal(line["price"]) * qty),
                }
            )
        if full_shipping:
            computed += Decimal(order["shipping_price"])
        elif shipping_amount:
            if Decimal(shipping_amount) > Decimal(order["shipping_price"]):
                raise UserError(
                    "Shipping refund amount exceeds the shipping paid.",
                    field=["shipping", "amount"],
                )
            computed += Decimal(shipping_amount)
        total = Decimal(amount) if amount is not None else computed
        if total < 0:
            raise UserError("Amount must be greater than or equal to 0", field=["transactions"])
        if total > refundable_amount(order):
            raise UserError(
                f"Refund amount {money(total)} is greater than the refundable amount "
                f"{money(refundable_amount(order))}.",
                field=["transactions", "amount"],
            )
        for spec in refund_lines:
            lines[spec["line_item_id"]]["refunded_quantity"] += spec["quantity"]
        refund_id = store.next_id("refund", start=11_000_001)
        transaction = _transaction(store, total, "refund") if total > 0 else None
        refund = {
            "id": refund_id,
            "order_id": order_id,
            "note": note,
            "notify": notify,
            "refund_line_items": refund_lines,
            "total": money(total),
            "transactions": [transaction] if transaction else [],
            "created_at": now_iso(),
        }
        order["refunds"].append(refund)
        if transaction:
            order["transactions"].append(transaction)
        order["total_refunded"] = money(Decimal(order["total_refunded"]) + total)
        order["financial_status"] = (
            "refunded"
            if Decimal(order["total_refunded"]) >= Decimal(order["total_price"])
            else "partially_refunded"
        )
        store.put("order", order_id, order, shop=shop)
        events.emit(store, shop, "refunds/create", payloads.refund(store, shop, order, refund))
        _touch_order(store, shop, order)
        return refund


# -- webhook subscriptions ----------------------------------------------------------------


def create_webhook_subscription(
    store: Store, shop: str, *, client_id: str, topic: str, uri: str, format: str = "JSON"
) -> dict:
    with store.transaction():
        if not uri.startswith(("https://", "http://", "pubsub://", "arn:")):
            raise UserError("Address is invalid", field=["webhookSubscription", "callbackUrl"])
        duplicate = store.find(
            "webhook_subscription",
            shop=shop,
            where=lambda s: s["client_id"] == client_id and s["topic"] == topic and s["uri"] == uri,
        )
        if duplicate:
            raise UserError(
                "Address for this topic has already been taken",
                field=["webhookSubscription", "callbackUrl"],
            )
        sub_id = store.next_id("webhook_subscription", start=12_000_001)
        doc = {
            "id": sub_id,
            "shop": shop,
            "client_id": client_id,
            "topic": topic,
            "uri": uri,
            "format": format,
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }
        return store.put("webhook_subscription", sub_id, doc, shop=shop)


def delete_webhook_subscription(store: Store, shop: str, *, client_id: str, sub_id: int) -> None:
    with store.transaction():
        sub = store.get("webhook_subscription", sub_id)
        if sub is None or sub["shop"] != shop or sub["client_id"] != client_id:
            raise NotFound(gid("WebhookSubscription", sub_id))
        store.delete("webhook_subscription", sub_id)


# -- seeding ------------------------------------------------------------------------------

FIRST = [
    "Emma",
    "Liam",
    "Chloé",
    "Bence",
    "Zsófia",
    "Noah",
    "Léa",
    "Ava",
    "Lucas",
    "Réka",
    "Oliver",
    "Mia",
    "Hugo",
    "Anna",
    "Jack",
]
LAST = [
    "Martin",
    "Nagy",
    "Smith",
    "Dubois",
    "Kovács",
    "Brown",
    "Bernard",
    "Tóth",
    "Wilson",
    "Lefebvre",
    "Taylor",
    "Horváth",
]
ADDRESSES = [
    ("US", "United States", "New York", "NY", "New York", "10001", "350 5th Ave", "USD"),
    ("FR", "France", "Paris", None, "Île-de-France", "75011", "12 Rue Oberkampf", "EUR"),
    ("HU", "Hungary", "Budapest", None, "Budapest", "1052", "Váci utca 10", "HUF"),
    ("GB", "United Kingdom", "London", None, "England", "EC1V 9HX", "221 City Road", "GBP"),
    ("CA", "Canada", "Toronto", "ON", "Ontario", "M5V 2T6", "100 King St W", "CAD"),
]


def seed_orders(
    store: Store, shop: str, count: int, *, rng_seed: int | None = None, paid_ratio: float = 0.8
) -> list[dict]:
    """Realistic orders: 1-3 lines, customers and addresses in several countries/currencies.

    With `rng_seed`, the orders are the same whatever the shop (same lines, customers, payment
    states; only ids differ): tests whose shops have random names see the same data every run.
    Without it, each shop gets its own mix (keyed on the shop's domain), as before."""
    key = f"{shop}:0" if rng_seed is None else f"seed:{rng_seed}"
    rng = random.Random(key)  # noqa: S311 - test data, not security
    variants = store.find("variant", shop=shop)
    if not variants:
        raise UserError(f"Shop {shop} has no products; create the shop first")
    created = []
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        code, country, city, prov_code, province, zip_code, street, currency = rng.choice(ADDRESSES)
        lines = [
            {"variant_id": v["id"], "quantity": rng.randint(1, 3)}
            for v in rng.sample(variants, rng.randint(1, min(3, len(variants))))
        ]
        email = f"{first}.{last}@example.com".lower().encode("ascii", "ignore").decode()
        created.append(
            create_order(
                store,
                shop,
                line_items=lines,
                customer={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "phone": f"+1555{rng.randint(1000000, 9999999)}",
                },
                shipping_address={
                    "first_name": first,
                    "last_name": last,
                    "name": f"{first} {last}",
                    "company": None,
                    "address1": street,
                    "address2": None,
                    "city": city,
                    "province": province,
                    "province_code": prov_code,
                    "zip": zip_code,
                    "country": country,
                    "country_code": code,
                    "phone": None,
                },
                currency=currency,
                financial_status="paid" if rng.random() < paid_ratio else "pending",
                shipping_price=rng.choice(["0.00", "4.90", "9.90"]),
            )
        )
    return created
