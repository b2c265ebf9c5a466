"""Order.suggestedRefund: what Shopify would refund for the lines, duties and shipping asked,
computed by the same rules as refundCreate (commerce/refund_money.py)."""

from __future__ import annotations

from decimal import Decimal

from devstore import commerce
from devstore.commerce import gid, parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views import money


def _sum_bag(order: dict, docs: list[dict], key: str) -> dict:
    totals = {
        s: str(sum((Decimal(d[key + s]) for d in docs), Decimal(0))) for s in ("", "_presentment")
    }
    return money.bag(order, {"t": totals[""], "t_presentment": totals["_presentment"]}, "t")


def suggested_refund_view(ctx: Context, order: dict, args: dict) -> dict:
    # Module, not names: the order view imports this one.
    from devstore.resolvers.views.orders import refund_line_view

    suggestion = commerce.suggest_refund(
        order,
        refund_line_items=[
            {"line_item_id": parse_gid(r["lineItemId"], "LineItem"), "quantity": r["quantity"]}
            for r in args.get("refundLineItems") or []
        ],
        refund_duties=[
            {
                "duty_id": parse_gid(d["dutyId"], "Duty"),
                "refund_type": d.get("refundType") or "FULL",
            }
            for d in args.get("refundDuties") or []
        ],
        refund_shipping=bool(args.get("refundShipping")),
        shipping_amount=args.get("shippingAmount"),
        suggest_full=bool(args.get("suggestFullRefund")),
    )
    priced = suggestion["order"]
    lines = suggestion["refund_lines"]
    amount = money.bag(priced, suggestion["amount"], "")
    maximum = money.bag(priced, suggestion["maximum"], "")
    shipping = suggestion["shipping"]
    return {
        "__typename": "SuggestedRefund",
        "amountSet": amount,
        "amount": suggestion["amount"][""],
        "maximumRefundableSet": maximum,
        "maximumRefundable": suggestion["maximum"][""],
        "subtotalSet": _sum_bag(priced, lines, "subtotal"),
        "subtotal": str(sum((Decimal(r["subtotal"]) for r in lines), Decimal(0))),
        "discountedSubtotalSet": _sum_bag(priced, lines, "subtotal"),
        "totalTaxSet": _sum_bag(priced, [*lines, _as_tax(shipping)], "total_tax"),
        "totalDutiesSet": _sum_bag(priced, suggestion["duties"], "amount"),
        "totalCartDiscountAmountSet": _sum_bag(priced, lines, "cart_discount"),
        "refundLineItems": [refund_line_view(ctx, priced, r) for r in lines],
        "refundDuties": [
            {
                "__typename": "RefundDuty",
                "amountSet": money.bag(priced, d, "amount"),
                "originalDuty": {"__typename": "Duty", "id": gid("Duty", d["duty_id"])},
            }
            for d in suggestion["duties"]
        ],
        "shipping": _shipping_view(priced, shipping),
        "suggestedTransactions": _transactions(order, suggestion["amount"], amount, maximum),
    }


def _as_tax(shipping: dict) -> dict:
    return {"total_tax": shipping["tax"], "total_tax_presentment": shipping["tax_presentment"]}


def _shipping_view(order: dict, shipping: dict) -> dict:
    return {
        "__typename": "ShippingRefund",
        "amountSet": money.bag(order, shipping, "subtotal"),
        "amount": shipping["subtotal"],
        "taxSet": money.bag(order, shipping, "tax"),
        "tax": shipping["tax"],
        "maximumRefundableSet": money.diff_bag(order, order, "shipping_price", "refunded_shipping"),
    }


def _transactions(order: dict, amounts: dict, amount: dict, maximum: dict) -> list[dict]:
    """One refund of the amount suggested, against the order's sale (none for nothing)."""
    sale = next((t for t in order["transactions"] if t["kind"] in ("sale", "capture")), None)
    if sale is None or not Decimal(amounts[""]) > 0:
        return []
    return [
        {
            "__typename": "SuggestedOrderTransaction",
            "kind": "SUGGESTED_REFUND",
            "gateway": sale["gateway"],
            "amountSet": amount,
            "amount": amounts[""],
            "maximumRefundableSet": maximum,
            "parentTransaction": {
                "__typename": "OrderTransaction",
                "id": gid("OrderTransaction", sale["id"]),
            },
        }
    ]
