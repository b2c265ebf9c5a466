"""What a refund of a priced order (pricing.py) comes to, as Shopify computes it: a line's
units are refunded at what was paid for them after discounts, with their tax; shipping with
its tax; duties in full or in proportion to the units refunded. Amounts the caller gives
(transactions, a shipping amount) are in the order's presentment currency
(RefundInput.currency); shop money follows at the order's rate."""

from __future__ import annotations

from decimal import Decimal

from devstore.commerce.common import NotFound, UserError, gid
from devstore.commerce.pricing import SIDES, rounded, text

ZERO = Decimal(0)


def check_currency(order: dict, currency: str | None) -> None:
    """RefundInput.currency: the presentment currency, required when it differs from the
    shop's."""
    presentment = order.get("presentment_currency") or order["currency"]
    if currency is None and presentment != order["currency"]:
        raise UserError(
            "Currency is required for orders whose currency and presentment currency differ.",
            field=["currency"],
            code="INVALID",
        )
    if currency is not None and currency != presentment:
        raise UserError(
            f"Currency must be the order's presentment currency ({presentment}).",
            field=["currency"],
            code="INVALID",
        )


def side_currency(order: dict, suffix: str) -> str:
    return order.get("presentment_currency", order["currency"]) if suffix else order["currency"]


def _slice(total: str, quantity: int, before: int, count: int, currency: str) -> Decimal:
    """What units before+1 .. before+count of a line weigh of `total`: each unit's share is
    rounded so that refunding every unit gives back exactly the total."""
    whole = Decimal(total)
    upto = rounded(whole * (before + count) / quantity, currency)
    return upto - rounded(whole * before / quantity, currency)


def line_refund(order: dict, line: dict, quantity: int) -> dict:
    """A RefundLineItem's money on both sides: subtotal (after discounts), tax, and the share
    of the order-level discount those units had (what suggestedRefund calls cart discount)."""
    out: dict = {}
    before, whole = line["refunded_quantity"], line["quantity"]
    order_level = [
        a
        for a in line.get("discount_allocations") or []
        if a["index"] != line.get("line_discount_index")
    ]
    for suffix in SIDES:
        currency = side_currency(order, suffix)
        total = line.get("discounted_total" + suffix, line.get("discounted_total"))
        parts = {
            "subtotal": [total],
            "total_tax": [t["price" + suffix] for t in line.get("tax_lines") or []],
            "cart_discount": [a["amount" + suffix] for a in order_level],
        }
        for key, amounts in parts.items():
            share = sum((_slice(a, whole, before, quantity, currency) for a in amounts), ZERO)
            out[key + suffix] = text(share, currency)
    return out


def money_back(order: dict, part: dict, suffix: str, tax_key: str = "total_tax") -> Decimal:
    """What the customer gets back for a refund line or shipping: its subtotal, and its tax
    unless prices include it."""
    amount = Decimal(part["subtotal" + suffix])
    if not order.get("taxes_included"):
        amount += Decimal(part[tax_key + suffix])
    return amount


def duties_refund(order: dict, specs: list[dict], refunded: dict[int, int]) -> list[dict]:
    """refundDuties: FULL gives back what is left of the duty, PROPORTIONAL the share of the
    units this refund returns. `refunded`: line id -> units refunded by this refund."""
    duties = {d["id"]: (line, d) for line in order["line_items"] for d in line.get("duties") or []}
    out = []
    for spec in specs:
        if spec["duty_id"] not in duties:
            raise NotFound(gid("Duty", spec["duty_id"]))
        line, duty = duties[spec["duty_id"]]
        amounts = {"duty_id": duty["id"]}
        for suffix in SIDES:
            currency = side_currency(order, suffix)
            left = Decimal(duty["price" + suffix]) - Decimal(duty.get("refunded" + suffix, "0"))
            if spec.get("refund_type", "FULL") == "FULL":
                amount = left
            else:
                count = refunded.get(line["id"], 0)
                amount = _slice(
                    duty["price" + suffix],
                    line["quantity"],
                    line["refunded_quantity"],
                    count,
                    currency,
                )
            amounts["amount" + suffix] = text(min(amount, left), currency)
        out.append(amounts)
    return out


def shipping_refund(order: dict, full: bool, amount: str | None) -> dict:
    """The shipping refunded, with its tax: all that is left, or an amount in presentment
    money (never more than is left)."""
    out = {}
    for suffix in SIDES:
        currency = side_currency(order, suffix)
        left = Decimal(order["shipping_price" + suffix]) - Decimal(
            order.get("refunded_shipping" + suffix, "0")
        )
        tax = sum(
            (Decimal(t["price" + suffix]) for t in order.get("shipping_tax_lines") or []), ZERO
        )
        price = Decimal(order["shipping_price" + suffix])
        if full:
            subtotal = left
        elif amount is not None:
            given = Decimal(amount) if suffix else Decimal(amount) / Decimal(order["rate"])
            subtotal = rounded(given, currency)
            if suffix and subtotal > left:
                raise UserError(
                    "Shipping refund amount exceeds the shipping paid.",
                    field=["shipping", "amount"],
                )
            subtotal = min(subtotal, left)
        else:
            subtotal = ZERO
        # The shipping's tax in proportion to the part of the shipping refunded.
        tax_part = rounded(tax * subtotal / price, currency) if price else ZERO
        out["subtotal" + suffix] = text(subtotal, currency)
        out["tax" + suffix] = text(tax_part, currency)
    return out


def as_priced(order: dict) -> dict:
    """An order placed without pricing options seen as a priced one (one currency, no
    discounts, taxes or duties), so refunds are suggested for every order by the same rules."""
    if order.get("priced"):
        return order
    view = {
        **order,
        "presentment_currency": order["currency"],
        "rate": "1",
        "taxes_included": False,
        "line_items": [
            {**li, "discounted_total": str(Decimal(li["price"]) * li["quantity"])}
            for li in order["line_items"]
        ],
    }
    for line in view["line_items"]:
        line["price_presentment"] = line["price"]
        line["discounted_total_presentment"] = line["discounted_total"]
    for key in ("shipping_price", "total_price", "total_refunded"):
        view[key + "_presentment"] = order[key]
    view["refunded_shipping"] = view["refunded_shipping_presentment"] = "0"
    return view
