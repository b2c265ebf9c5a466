"""The bodies of `order place` and `seed`, with the flags for an order's money
(commerce/pricing.py): a presentment currency, discounts, taxes and duties. None given: the
order is placed as before."""

from __future__ import annotations

import argparse


def add_arguments(place: argparse.ArgumentParser) -> None:
    place.add_argument("--shipping", default="0.00", help="shipping price, shop currency")
    place.add_argument("--presentment-currency", help="the customer's currency (Markets)")
    place.add_argument("--rate", help="presentment units per unit of the shop's currency")
    place.add_argument("--discount-code", help="an order-level discount code")
    place.add_argument("--percent", help="the code's percentage off")
    place.add_argument("--amount", help="the code's fixed amount off, presentment currency")
    place.add_argument(
        "--line-discount",
        action="append",
        default=[],
        metavar="SKU:PERCENT",
        help="a line-level discount on that SKU's line",
    )
    place.add_argument("--tax-rate", help="tax rate on lines and shipping, e.g. 0.2")
    place.add_argument("--tax-title", default="Tax")
    place.add_argument("--taxes-included", action="store_true", help="prices include tax")
    place.add_argument("--duty-rate", help="import duty rate on each line, e.g. 0.05")


def with_line_discounts(args: argparse.Namespace, lines: list[dict]) -> list[dict]:
    """The order's lines, a --line-discount SKU:PERCENT on that SKU's lines."""
    percents = dict(spec.split(":", 1) for spec in args.line_discount)
    return [
        {**line, "discount": {"percent": percents[line["sku"]]}}
        if line.get("sku") in percents
        else line
        for line in lines
    ]


def body(args: argparse.Namespace) -> dict:
    """The control route's pricing fields for these flags (empty: a plain order)."""
    out: dict = {}
    if args.presentment_currency:
        out["presentment_currency"] = args.presentment_currency
        out["rate"] = args.rate
    if args.discount_code:
        out["discount"] = {"code": args.discount_code, "percent": args.percent}
        if args.amount:
            out["discount"] = {"code": args.discount_code, "amount": args.amount}
    if args.tax_rate:
        out["taxes"] = {
            "rate": args.tax_rate,
            "title": args.tax_title,
            "included": args.taxes_included,
        }
    if args.duty_rate:
        out["duties"] = {"rate": args.duty_rate}
    return out


def place(args: argparse.Namespace, lines: list[dict]) -> dict:
    return {
        "line_items": with_line_discounts(args, lines),
        "financial_status": "pending" if args.pending else "paid",
        "shipping_price": args.shipping,
        **body(args),
    }


def seed(args: argparse.Namespace) -> dict:
    return {
        "orders": args.orders,
        **({} if args.seed is None else {"seed": args.seed}),
        **({"markets": True} if args.markets else {}),
    }
