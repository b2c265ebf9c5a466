"""An order's money as MoneyBags: shop and presentment amounts (Shopify Markets), discount
allocations and applications, tax lines and duties (commerce/pricing.py). Orders placed
without pricing options answer the same fields with devstore's plain amounts: no discounts,
no taxes, no duties, one currency."""

from __future__ import annotations

from decimal import Decimal

from devstore.commerce import gid
from devstore.resolvers.common import connection, money_pair


def currencies(order: dict) -> tuple[str, str]:
    return order["currency"], order.get("presentment_currency") or order["currency"]


def bag(order: dict, doc: dict, key: str, default: str = "0") -> dict:
    """The MoneyBag of `doc[key]`, with its presentment twin `doc[key + "_presentment"]`."""
    shop_currency, presentment_currency = currencies(order)
    amount = doc.get(key, default)
    return money_pair(
        (amount, shop_currency),
        (doc.get(key + "_presentment", amount), presentment_currency),
    )


def diff_bag(order: dict, doc: dict, key: str, minus: str) -> dict:
    """doc[key] - doc[minus] on both sides."""
    shop_currency, presentment_currency = currencies(order)
    sides = []
    for suffix in ("", "_presentment"):
        value = Decimal(doc.get(key + suffix, doc.get(key, "0"))) - Decimal(
            doc.get(minus + suffix, doc.get(minus, "0"))
        )
        sides.append(str(value))
    return money_pair((sides[0], shop_currency), (sides[1], presentment_currency))


def _application_view(order: dict, app: dict) -> dict:
    typename = {
        "discount_code": "DiscountCodeApplication",
        "manual": "ManualDiscountApplication",
    }[app["type"]]
    value = (
        {"__typename": "PricingPercentageValue", "percentage": float(app["value"])}
        if app["value_type"] == "percentage"
        else {"__typename": "MoneyV2", "amount": app["value"], "currencyCode": currencies(order)[1]}
    )
    return {
        "__typename": typename,
        "index": app["index"],
        "allocationMethod": app["allocation_method"].upper(),
        "targetSelection": app["target_selection"].upper(),
        "targetType": app["target_type"].upper(),
        "value": value,
        "code": app.get("code"),
        "title": app.get("title"),
        "description": app.get("description"),
    }


def _tax_line_view(order: dict, tax: dict) -> dict:
    rate = Decimal(tax["rate"])
    return {
        "__typename": "TaxLine",
        "title": tax["title"],
        "rate": float(rate),
        "ratePercentage": float(rate * 100),
        "priceSet": bag(order, tax, "price"),
        "price": tax["price"],
        "channelLiable": False,
        "source": "Shopify",
    }


def _duty_view(order: dict, duty: dict) -> dict:
    return {
        "__typename": "Duty",
        "id": gid("Duty", duty["id"]),
        "harmonizedSystemCode": duty["harmonized_system_code"],
        "countryCodeOfOrigin": duty["country_code_of_origin"],
        "price": bag(order, duty, "price"),
        "taxLines": [],
    }


def _per_unit(doc: dict, key: str, quantity: int) -> dict:
    """doc[key] / quantity on both sides (Shopify's "approximate unit price")."""
    return {
        "unit" + suffix: str(
            (Decimal(doc.get(key + suffix, doc[key])) / quantity).quantize(Decimal("0.01"))
        )
        for suffix in ("", "_presentment")
    }


def line_money(order: dict, item: dict) -> dict:
    """A line item's discount, tax and duty fields. discountedTotalSet, discountedUnitPriceSet
    and totalDiscountSet count line-level discounts only, as Shopify documents them;
    discountedUnitPriceAfterAllDiscountsSet counts the order's code too."""
    applications = {a["index"]: a for a in order.get("discount_applications") or []}
    quantity = item["quantity"]
    original = str(Decimal(item["price"]) * quantity)
    plain = {"original_total": original, "line_discounted_total": original}
    totals = item if "original_total" in item else plain
    after_all = item if "discounted_total" in item else {"discounted_total": original}
    return {
        "originalUnitPriceSet": bag(order, item, "price"),
        "discountedUnitPriceSet": bag(
            order, _per_unit(totals, "line_discounted_total", quantity), "unit"
        ),
        "discountedUnitPriceAfterAllDiscountsSet": bag(
            order, _per_unit(after_all, "discounted_total", quantity), "unit"
        ),
        "originalTotalSet": bag(order, totals, "original_total"),
        "discountedTotalSet": bag(order, totals, "line_discounted_total"),
        "totalDiscountSet": diff_bag(order, totals, "original_total", "line_discounted_total"),
        "discountAllocations": [
            {
                "__typename": "DiscountAllocation",
                "allocatedAmountSet": bag(order, a, "amount"),
                "allocatedAmount": {"amount": a["amount"], "currencyCode": order["currency"]},
                "discountApplication": _application_view(order, applications[a["index"]]),
            }
            for a in item.get("discount_allocations") or []
        ],
        "taxLines": [_tax_line_view(order, t) for t in item.get("tax_lines") or []],
        "taxable": bool(item.get("tax_lines")),
        "duties": [_duty_view(order, d) for d in item.get("duties") or []],
    }


def _shipping_lines(order: dict) -> list[dict]:
    """The order's shipping line (none when shipping is free), with its tax lines."""
    if not Decimal(order["shipping_price"]):
        return []
    return [
        {
            "__typename": "ShippingLine",
            "id": gid("ShippingLine", order["id"] + 60_000_000),
            "title": "Standard",
            "code": "Standard",
            "source": "shopify",
            "originalPriceSet": bag(order, order, "shipping_price"),
            "discountedPriceSet": bag(order, order, "shipping_price"),
            "currentDiscountedPriceSet": bag(order, order, "shipping_price"),
            "taxLines": [_tax_line_view(order, t) for t in order.get("shipping_tax_lines") or []],
            "discountAllocations": [],
            "isRemoved": False,
        }
    ]


def order_money(order: dict) -> dict:
    """The order's discount, tax, duty and currency fields."""
    applications = order.get("discount_applications") or []
    codes = [a["code"] for a in applications if a["type"] == "discount_code"]
    duties = "total_duties" in order and Decimal(order["total_duties"]) > 0
    tax_lines = order.get("tax_lines") or []
    return {
        "presentmentCurrencyCode": currencies(order)[1],
        "discountApplications": lambda info, **args: connection(
            applications, lambda a: _application_view(order, a), key=lambda a: a["index"], **args
        ),
        "shippingLines": lambda info, **args: connection(
            _shipping_lines(order), lambda line: line, key=lambda line: 0, **args
        ),
        "discountCodes": codes,
        "discountCode": codes[0] if codes else None,
        "totalDiscountsSet": bag(order, order, "total_discounts"),
        "cartDiscountAmountSet": bag(order, order, "cart_discount"),
        "currentTotalDiscountsSet": bag(order, order, "total_discounts"),
        "taxesIncluded": bool(order.get("taxes_included")),
        "taxExempt": False,
        "taxLines": [_tax_line_view(order, t) for t in tax_lines],
        "totalTaxSet": bag(order, order, "total_tax"),
        "currentTotalTaxSet": diff_bag(order, order, "total_tax", "refunded_tax"),
        "dutiesIncluded": False,
        "originalTotalDutiesSet": bag(order, order, "total_duties") if duties else None,
        "currentTotalDutiesSet": diff_bag(order, order, "total_duties", "refunded_duties")
        if duties
        else None,
    }
