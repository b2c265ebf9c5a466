"""An order's money as Shopify computes it, for orders placed with pricing options:
a presentment currency (Shopify Markets), discounts with their allocations, tax lines and
duties. Orders placed without them keep devstore's plain amounts (orders.py).

Every amount is computed twice, by the same rules: in the shop's currency from the catalogue
price, and in the presentment currency from the catalogue price converted at the order's rate
(rounded to the presentment currency's digits). Each side is exact in itself (its lines add up
to its totals); the two sides agree up to the rate and rounding, as on Shopify. An amount
stored under `key` in shop money has its presentment twin under `key + "_presentment"`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from devstore.commerce.common import UserError

# ISO 4217 minor units where not 2 (the currencies Shopify Markets sells in).
DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0}
SIDES = ("", "_presentment")


def rounded(value: Decimal, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-DIGITS.get(currency, 2))
    return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def text(value: Decimal, currency: str) -> str:
    return str(rounded(value, currency))


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `total` by weight, each share rounded; the last weighted share takes the cents
    rounding left over, so the shares always add up to the total."""
    whole = sum(weights)
    if not whole:
        return [Decimal("0") for _ in weights]
    shares = [rounded(total * w / whole, currency) for w in weights]
    last = max(i for i, w in enumerate(weights) if w)
    shares[last] += total - sum(shares)
    return shares


def pricing_of(line_items: list[dict], pricing: dict | None) -> dict | None:
    """A new order's pricing options: {} when only a line has a discount, None for none."""
    if pricing is None and any(spec.get("discount") for spec in line_items):
        return {}
    return pricing


def check_options(options: dict, shop_currency: str) -> None:
    presentment = options.get("presentment_currency")
    if presentment and presentment != shop_currency and not options.get("rate"):
        raise UserError("A presentment currency needs a rate", field=["rate"])
    if options.get("rate") is not None and Decimal(str(options["rate"])) <= 0:
        raise UserError("Rate must be greater than 0", field=["rate"])
    discount = options.get("discount") or {}
    if discount and not (discount.get("percent") or discount.get("amount")):
        raise UserError("A discount needs a percent or an amount", field=["discount"])
    for spec in [discount, *options.get("line_discounts", [])]:
        if spec.get("percent") and not 0 < Decimal(str(spec["percent"])) <= 100:
            raise UserError("A percentage must be between 0 and 100", field=["discount"])


def _side(options: dict, shop_currency: str, suffix: str) -> tuple[str, Decimal]:
    """(currency, rate from shop money) of one side of the order's MoneyBags."""
    if not suffix:
        return shop_currency, Decimal("1")
    currency = options.get("presentment_currency") or shop_currency
    rate = Decimal(str(options.get("rate") or "1")) if currency != shop_currency else Decimal(1)
    return currency, rate


def discount_applications(options: dict, items: list[dict]) -> list[dict]:
    """The order's discount applications, in Shopify's order: line discounts, then the code."""
    applications = []
    for item in items:
        spec = item.get("line_discount")
        if spec:
            item["line_discount_index"] = len(applications)
            applications.append(
                {
                    "index": len(applications),
                    "type": "manual",
                    "title": spec.get("title") or "Line discount",
                    "description": spec.get("title") or "Line discount",
                    "value": str(Decimal(str(spec["percent"]))),
                    "value_type": "percentage",
                    "allocation_method": "across",
                    "target_selection": "explicit",
                    "target_type": "line_item",
                }
            )
    discount = options.get("discount")
    if discount:
        percent = discount.get("percent")
        applications.append(
            {
                "index": len(applications),
                "type": "discount_code",
                "code": discount.get("code") or "DISCOUNT",
                "title": discount.get("code") or "DISCOUNT",
                "value": str(Decimal(str(percent or discount["amount"]))),
                "value_type": "percentage" if percent else "fixed_amount",
                "allocation_method": "across",
                "target_selection": "all",
                "target_type": "line_item",
            }
        )
    return applications


def _line_totals(items: list[dict], applications: list[dict], currency: str, suffix: str):
    """Each line's original total and its line-level discount allocation, on one side."""
    for item in items:
        original = Decimal(item["price" + suffix]) * item["quantity"]
        item["original_total" + suffix] = text(original, currency)
        item.setdefault("discount_allocations", [])
        amount = Decimal(0)
        if "line_discount_index" in item:
            app = applications[item["line_discount_index"]]
            amount = rounded(original * Decimal(app["value"]) / 100, currency)
            _add_allocation(item, app["index"], amount, currency, suffix)
        # What LineItem.discountedTotalSet answers: line-level discounts only.
        item["line_discounted_total" + suffix] = text(original - amount, currency)


def _add_allocation(item: dict, index: int, amount: Decimal, currency: str, suffix: str):
    for allocation in item["discount_allocations"]:
        if allocation["index"] == index:
            allocation["amount" + suffix] = text(amount, currency)
            return
    item["discount_allocations"].append({"index": index, "amount" + suffix: text(amount, currency)})


def _allocated(item: dict, suffix: str) -> Decimal:
    # Allocations not yet computed on this side count 0 (the code comes after line discounts).
    return sum(
        (Decimal(a.get("amount" + suffix, "0")) for a in item["discount_allocations"]), Decimal(0)
    )


def _order_discount(items, applications, options, currency, suffix):
    """The code's discount, split across lines by what each costs after line discounts."""
    code = next((a for a in applications if a["type"] == "discount_code"), None)
    if code is None:
        return
    bases = [Decimal(i["original_total" + suffix]) - _allocated(i, suffix) for i in items]
    if code["value_type"] == "percentage":
        total = rounded(sum(bases) * Decimal(code["value"]) / 100, currency)
    else:
        # A fixed amount is entered in the customer's currency; shop money converts it back.
        amount = Decimal(code["value"])
        total = rounded(amount if suffix else amount / _rate(options), currency)
        total = min(total, sum(bases))
    for item, share in zip(items, allocate(total, bases, currency), strict=True):
        _add_allocation(item, code["index"], share, currency, suffix)


def _rate(options: dict) -> Decimal:
    return Decimal(str(options.get("rate") or "1"))


def _tax(amount: Decimal, rate: Decimal, included: bool, currency: str) -> Decimal:
    """Tax on an amount: added to it, or the part of it that is tax when prices include it."""
    if included:
        return rounded(amount * rate / (1 + rate), currency)
    return rounded(amount * rate, currency)


def _taxes_and_duties(items, options, currency, suffix) -> None:
    taxes = options.get("taxes") or {}
    duties = options.get("duties") or {}
    for item in items:
        discounted = Decimal(item["original_total" + suffix]) - _allocated(item, suffix)
        item["discounted_total" + suffix] = text(discounted, currency)
        if taxes:
            rate = Decimal(str(taxes["rate"]))
            item.setdefault(
                "tax_lines", [{"title": taxes.get("title") or "Tax", "rate": str(rate)}]
            )
            amount = _tax(discounted, rate, bool(taxes.get("included")), currency)
            item["tax_lines"][0]["price" + suffix] = text(amount, currency)
        if duties:
            item.setdefault("duties", [{"id": item["id"] + 40_000_000, **_duty_codes(duties)}])
            amount = rounded(discounted * Decimal(str(duties["rate"])), currency)
            item["duties"][0]["price" + suffix] = text(amount, currency)


def _duty_codes(duties: dict) -> dict:
    return {
        "harmonized_system_code": duties.get("harmonized_system_code") or "691200",
        "country_code_of_origin": duties.get("country_code_of_origin") or "CN",
    }


def _leaves(items: list[dict], key: str, suffix: str) -> Decimal:
    return sum(
        (Decimal(leaf["price" + suffix]) for i in items for leaf in i.get(key) or []), Decimal(0)
    )


def _shipping(order: dict, options: dict, shipping: str, currency: str, rate, suffix) -> None:
    price = rounded(Decimal(shipping) * rate, currency)
    order["shipping_price" + suffix] = text(price, currency)
    taxes = options.get("taxes") or {}
    if taxes and taxes.get("shipping", True) and price:
        tax_rate = Decimal(str(taxes["rate"]))
        order.setdefault(
            "shipping_tax_lines", [{"title": taxes.get("title") or "Tax", "rate": str(tax_rate)}]
        )
        amount = _tax(price, tax_rate, bool(taxes.get("included")), currency)
        order["shipping_tax_lines"][0]["price" + suffix] = text(amount, currency)


def price_order(items: list[dict], shipping: str, options: dict, shop_currency: str) -> dict:
    """The order's money fields (both sides), completing each line's own in place."""
    check_options(
        {**options, "line_discounts": [i["line_discount"] for i in items if "line_discount" in i]},
        shop_currency,
    )
    presentment = options.get("presentment_currency") or shop_currency
    order: dict = {
        "presentment_currency": presentment,
        "rate": str(_rate(options)) if presentment != shop_currency else "1",
        "taxes_included": bool((options.get("taxes") or {}).get("included")),
        "discount_applications": discount_applications(options, items),
        "priced": True,
    }
    for suffix in SIDES:
        currency, rate = _side(options, shop_currency, suffix)
        if suffix:
            for item in items:
                item["price_presentment"] = text(Decimal(item["price"]) * rate, currency)
        _line_totals(items, order["discount_applications"], currency, suffix)
        _order_discount(items, order["discount_applications"], options, currency, suffix)
        _taxes_and_duties(items, options, currency, suffix)
        _shipping(order, options, shipping, currency, rate, suffix)
        _totals(order, items, currency, suffix)
    order["tax_lines"] = _order_tax_lines(order, items)
    return order


def _order_tax_lines(order: dict, items: list[dict]) -> list[dict]:
    """The order's tax lines: its lines' and shipping's, summed per title and rate."""
    summed: dict[tuple, dict] = {}
    leaves = [t for i in items for t in i.get("tax_lines") or []]
    for tax in leaves + list(order.get("shipping_tax_lines") or []):
        into = summed.setdefault((tax["title"], tax["rate"]), {**tax, "price": "0"})
        for suffix in SIDES:
            into["price" + suffix] = str(
                Decimal(into.get("price" + suffix, "0")) + Decimal(tax["price" + suffix])
            )
    return list(summed.values())


def _totals(order: dict, items: list[dict], currency: str, suffix: str) -> None:
    subtotal = sum((Decimal(i["discounted_total" + suffix]) for i in items), Decimal(0))
    tax = _leaves(items, "tax_lines", suffix) + sum(
        (Decimal(t["price" + suffix]) for t in order.get("shipping_tax_lines") or []), Decimal(0)
    )
    duties = _leaves(items, "duties", suffix)
    total = subtotal + Decimal(order["shipping_price" + suffix]) + duties
    if not order["taxes_included"]:
        total += tax
    fields = {
        "total_line_items_price": sum(Decimal(i["original_total" + suffix]) for i in items),
        "total_discounts": sum(_allocated(i, suffix) for i in items),
        "cart_discount": sum(
            Decimal(i["line_discounted_total" + suffix]) - Decimal(i["discounted_total" + suffix])
            for i in items
        ),
        "subtotal_price": subtotal,
        "total_tax": tax,
        "total_duties": duties,
        "total_price": total,
        "total_refunded": Decimal(0),
        "refunded_duties": Decimal(0),
    }
    for key, value in fields.items():
        order[key + suffix] = text(value, currency)


def pair(doc: dict, key: str) -> tuple[str, str]:
    """(shop amount, presentment amount) of a stored amount; one and the same when the order
    was placed without a presentment currency."""
    return doc[key], doc.get(key + "_presentment", doc[key])


# -- order edits of a priced order ----------------------------------------------------------


def price_added_line(order: dict, item: dict) -> None:
    """A line an order edit adds to a priced order: at its price in both currencies, taxed as
    the order's lines are; the order's discount code does not reach it (Shopify applies no
    existing discount to items added by an edit) and it owes no duty."""
    shop_currency, presentment = order["currency"], order["presentment_currency"]
    item["price_presentment"] = text(Decimal(item["price"]) * _rate(order), presentment)
    item["discount_allocations"] = []
    tax = next((t for i in order["line_items"] for t in i.get("tax_lines") or []), None)
    for suffix in SIDES:
        currency = presentment if suffix else shop_currency
        original = text(Decimal(item["price" + suffix]) * item["quantity"], currency)
        for key in ("original_total", "line_discounted_total", "discounted_total"):
            item[key + suffix] = original
        if tax is not None:
            item.setdefault("tax_lines", [{"title": tax["title"], "rate": tax["rate"]}])
            amount = _tax(
                Decimal(original), Decimal(tax["rate"]), order["taxes_included"], currency
            )
            item["tax_lines"][0]["price" + suffix] = text(amount, currency)


def _current_share(amount: str, line: dict, current: int) -> Decimal:
    return Decimal(amount) * current / line["quantity"] if line["quantity"] else Decimal(0)


def reprice_after_edit(order: dict, current_quantity) -> None:
    """A priced order's totals once an edit changed what it holds: each line counts for its
    current units at what it was sold for (discounts and taxes kept per unit)."""
    for suffix in SIDES:
        currency = order["presentment_currency"] if suffix else order["currency"]
        subtotal = tax = duties = Decimal(0)
        for line in order["line_items"]:
            units = current_quantity(line) + line.get("refunded_quantity", 0)
            subtotal += _current_share(line["discounted_total" + suffix], line, units)
            for leaf in line.get("tax_lines") or []:
                tax += _current_share(leaf["price" + suffix], line, units)
            for leaf in line.get("duties") or []:
                duties += _current_share(leaf["price" + suffix], line, units)
        tax += sum(
            (Decimal(t["price" + suffix]) for t in order.get("shipping_tax_lines") or []),
            Decimal(0),
        )
        total = subtotal + Decimal(order["shipping_price" + suffix]) + duties
        if not order["taxes_included"]:
            total += tax
        for key, value in (
            ("subtotal_price", subtotal),
            ("total_tax", tax),
            ("total_duties", duties),
            ("total_price", total),
        ):
            order[key + suffix] = text(rounded(value, currency), currency)
    order["tax_lines"] = _order_tax_lines(order, order["line_items"])
