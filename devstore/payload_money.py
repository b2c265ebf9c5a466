"""The money of a priced order (commerce/pricing.py) in REST webhook payloads, as Shopify
sends it: `presentment_currency`, every `*_set` with shop and presentment money, line
`discount_allocations`, `tax_lines` and `duties`, the order's `discount_applications`,
`discount_codes`, `tax_lines`, `taxes_included` and duty totals; refunds' taxes, duties and
shipping. payloads.py calls it only for priced orders, so other payloads stay as they were."""

from __future__ import annotations

import copy
from decimal import Decimal


def money_set(order: dict, doc: dict, key: str, default: str = "0.00") -> dict:
    amount = doc.get(key, default)
    presentment = order.get("presentment_currency") or order["currency"]
    return {
        "shop_money": {"amount": amount, "currency_code": order["currency"]},
        "presentment_money": {
            "amount": doc.get(key + "_presentment", amount),
            "currency_code": presentment,
        },
    }


def _tax_lines(order: dict, taxes: list[dict]) -> list[dict]:
    return [
        {
            "channel_liable": False,
            "price": t["price"],
            "price_set": money_set(order, t, "price"),
            "rate": float(t["rate"]),
            "title": t["title"],
        }
        for t in taxes
    ]


def _duties(order: dict, item: dict) -> list[dict]:
    return [
        {
            "id": str(d["id"]),
            "harmonized_system_code": d["harmonized_system_code"],
            "country_code_of_origin": d["country_code_of_origin"],
            "shop_money": money_set(order, d, "price")["shop_money"],
            "presentment_money": money_set(order, d, "price")["presentment_money"],
            "tax_lines": [],
            "admin_graphql_api_id": f"gid://shopify/Duty/{d['id']}",
        }
        for d in item.get("duties") or []
    ]


def line_item(order: dict, item: dict, line: dict) -> dict:
    """A payload line item's money fields."""
    line_level = {
        s: str(Decimal(item["original_total" + s]) - Decimal(item["line_discounted_total" + s]))
        for s in ("", "_presentment")
    }
    line.update(
        {
            "price_set": money_set(order, item, "price"),
            "total_discount": line_level[""],
            "total_discount_set": money_set(
                order, {"d": line_level[""], "d_presentment": line_level["_presentment"]}, "d"
            ),
            "discount_allocations": [
                {
                    "amount": a["amount"],
                    "amount_set": money_set(order, a, "amount"),
                    "discount_application_index": a["index"],
                }
                for a in item.get("discount_allocations") or []
            ],
            "tax_lines": _tax_lines(order, item.get("tax_lines") or []),
            "taxable": bool(item.get("tax_lines")),
            "duties": _duties(order, item),
        }
    )
    return line


def _application(app: dict) -> dict:
    out = {k: app[k] for k in ("type", "value", "value_type", "allocation_method")}
    out.update(target_selection=app["target_selection"], target_type=app["target_type"])
    if app["type"] == "discount_code":
        out["code"] = app["code"]
    else:
        out.update(title=app["title"], description=app["description"])
    return out


def shipping_lines(doc: dict, template: dict) -> list[dict]:
    """The order's shipping line, with its tax lines (none when shipping is free)."""
    if not Decimal(doc["shipping_price"]):
        return []
    price = money_set(doc, doc, "shipping_price")
    return [
        {
            **copy.deepcopy(template),
            "id": doc["id"] + 60_000_000,
            "title": "Standard",
            "price": doc["shipping_price"],
            "price_set": price,
            "discounted_price": doc["shipping_price"],
            "discounted_price_set": price,
            "current_discounted_price_set": price,
            "tax_lines": _tax_lines(doc, doc.get("shipping_tax_lines") or []),
            "discount_allocations": [],
        }
    ]


def _current(doc: dict, key: str, minus: str) -> dict:
    """doc[key] less what refunds took back of it (doc[minus]), on both sides."""
    return {
        "c" + s: str(Decimal(doc[key + s]) - Decimal(doc.get(minus + s, "0")))
        for s in ("", "_presentment")
    }


# A payload's *_set: (the amount's key, what refunds took back of it).
SETS = {
    "subtotal_price_set": ("subtotal_price", None),
    "current_subtotal_price_set": ("subtotal_price", "refunded_subtotal"),
    "total_price_set": ("total_price", None),
    "current_total_price_set": ("total_price", "total_refunded"),
    "total_line_items_price_set": ("total_line_items_price", None),
    "total_shipping_price_set": ("shipping_price", None),
    "current_shipping_price_set": ("shipping_price", "refunded_shipping"),
    "total_tax_set": ("total_tax", None),
    "current_total_tax_set": ("total_tax", "refunded_tax"),
    "total_discounts_set": ("total_discounts", None),
    "current_total_discounts_set": ("total_discounts", None),
}


def order(doc: dict, tax_lines: list[dict]) -> dict:
    """A payload order's money fields."""
    apps = doc.get("discount_applications") or []
    sets = {
        name: money_set(doc, _current(doc, key, minus or "none"), "c")
        for name, (key, minus) in SETS.items()
    }
    has_duties = Decimal(doc["total_duties"]) > 0
    duties = {
        "original_total_duties_set": money_set(doc, doc, "total_duties"),
        "current_total_duties_set": money_set(
            doc, _current(doc, "total_duties", "refunded_duties"), "c"
        ),
    }
    return {
        "presentment_currency": doc["presentment_currency"],
        "taxes_included": doc["taxes_included"],
        "discount_applications": [_application(a) for a in apps],
        "discount_codes": [
            {"code": a["code"], "amount": doc["cart_discount"], "type": a["value_type"]}
            for a in apps
            if a["type"] == "discount_code"
        ],
        "tax_lines": _tax_lines(doc, tax_lines),
        "total_tax": doc["total_tax"],
        "current_total_tax": sets["current_total_tax_set"]["shop_money"]["amount"],
        "total_discounts": doc["total_discounts"],
        "current_total_discounts": doc["total_discounts"],
        "total_line_items_price": doc["total_line_items_price"],
        "current_subtotal_price": sets["current_subtotal_price_set"]["shop_money"]["amount"],
        "current_total_price": sets["current_total_price_set"]["shop_money"]["amount"],
        **sets,
        **(duties if has_duties else dict.fromkeys(duties)),
    }


def refund(order_doc: dict, doc: dict, payload: dict) -> None:
    """A priced order's refunds/create payload: line taxes, presentment transactions, duties
    and shipping given back."""
    items = {i["id"]: i for i in order_doc["line_items"]}
    for line, r in zip(payload["refund_line_items"], doc["refund_line_items"], strict=True):
        line["subtotal_set"] = money_set(order_doc, r, "subtotal")
        line["total_tax"] = float(r["total_tax"])
        line["total_tax_set"] = money_set(order_doc, r, "total_tax")
        if isinstance(line.get("line_item"), dict) and "price_set" in line["line_item"]:
            line_item(order_doc, items[r["line_item_id"]], line["line_item"])
    for tx, t in zip(payload["transactions"], doc["transactions"], strict=True):
        tx["amount"] = t.get("amount_presentment", t["amount"])
        tx["currency"] = order_doc["presentment_currency"]
    payload["duties"] = [
        {"duty_id": d["duty_id"], "amount_set": money_set(order_doc, d, "amount")}
        for d in doc.get("duties") or []
    ]
    shipping = doc.get("shipping") or {}
    if shipping and Decimal(shipping["subtotal"]):
        payload["refund_shipping_lines"] = [
            {
                "subtotal_amount_set": money_set(order_doc, shipping, "subtotal"),
                "tax_amount_set": money_set(order_doc, shipping, "tax"),
            }
        ]


def priced_order(doc: dict, payload: dict, template: dict) -> None:
    """Overwrite an orders/* payload's money with the priced order's (`template`: Shopify's
    example shipping line)."""
    payload.update(order(doc, doc.get("tax_lines") or []))
    payload["shipping_lines"] = shipping_lines(doc, template)
    for line, item in zip(payload["line_items"], doc["line_items"], strict=True):
        line_item(doc, item, line)
