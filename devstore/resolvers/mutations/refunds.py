"""refundCreate."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from devstore import commerce
from devstore.commerce import parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.orders import order_view, refund_view


def _refund_line_items(input: dict) -> list[dict]:
    return [
        {
            "line_item_id": parse_gid(r["lineItemId"], "LineItem"),
            "quantity": r["quantity"],
            "restock_type": r.get("restockType") or "NO_RESTOCK",
        }
        for r in input.get("refundLineItems") or []
    ]


def create(ctx, input):
    order_id = parse_gid(input["orderId"], "Order")
    shipping = input.get("shipping") or {}
    transactions = input.get("transactions") or []
    amount = None
    if transactions:
        amount = str(sum(Decimal(str(t["amount"])) for t in transactions))
    refund = commerce.create_refund(
        ctx.store,
        ctx.shop,
        order_id,
        refund_line_items=_refund_line_items(input),
        shipping_amount=str(shipping["amount"]) if shipping.get("amount") is not None else None,
        full_shipping=bool(shipping.get("fullRefund")),
        amount=amount,
        note=input.get("note"),
        notify=bool(input.get("notify")),
        currency=input.get("currency"),
        refund_duties=[
            {
                "duty_id": parse_gid(d["dutyId"], "Duty"),
                "refund_type": d.get("refundType") or "FULL",
            }
            for d in input.get("refundDuties") or []
        ],
    )
    order = commerce.get_order(ctx.store, ctx.shop, order_id)
    return {
        "refund": refund_view(ctx, order, refund),
        "order": order_view(ctx, order),
        "userErrors": [],
    }


def fields(ctx: Context) -> dict:
    return {"refundCreate": partial(create, ctx)}
