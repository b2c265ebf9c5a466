"""Refunds in the store: what Shopify knows about an order's payment (to refund against), and
refundCreate.

Money leaves with `transactions` (kind REFUND against the captured sale, as Shopify's admin
does); `refundLineItems` say which items and how they return to stock; `shipping` names the
shipping part. Amounts are sent as decimal strings, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.errors import ShopifyGraphQLError

CAPTURED_KINDS = ("SALE", "CAPTURE")


CONTEXT_TRANSACTIONS = 10  # RefundContext's transactions(first: 10)


@dataclass(frozen=True)
class ParentTransaction:
    gid: str
    gateway: str
    refundable: Decimal  # captured minus what was already refunded against it


@dataclass(frozen=True)
class RefundContext:
    currency: str
    shipping_paid: Decimal
    parents: tuple[ParentTransaction, ...]
    unfulfilled: dict[str, int]  # line item gid -> quantity not fulfilled yet
    refundable_quantity: dict[str, int]  # line item gid -> Shopify's refundable quantity

    @property
    def captured_left(self) -> Decimal:
        return sum((p.refundable for p in self.parents), Decimal("0"))


@dataclass(frozen=True)
class RefundLineInput:
    line_item_gid: str
    quantity: int
    restock_type: str  # RETURN | CANCEL | NO_RESTOCK
    location_gid: str | None = None


@dataclass(frozen=True)
class CreatedRefund:
    gid: str
    total: Decimal


def decimal_string(amount: Decimal) -> str:
    """Shopify's Money scalar: a plain decimal string ("12.5", "100"), never an exponent."""
    return format(amount.normalize(), "f")


def _amount(money_bag: dict | None) -> Decimal:
    return Decimal(str(((money_bag or {}).get("shopMoney") or {}).get("amount") or "0"))


def refund_context(client: AdminClient, order_gid: str) -> RefundContext:
    """One read, kept small: it is asked on every form open and submit, and Shopify reserves
    the requested cost (95 points) up front from the shop's bucket."""
    order = client.execute("RefundContext", {"id": order_gid})["order"]
    if order is None:  # deleted in Shopify since Relay synced it
        raise ShopifyGraphQLError(f"no order {order_gid} in Shopify", [])
    transactions = order.get("transactions") or []
    if len(transactions) >= CONTEXT_TRANSACTIONS:  # maybe more than were read: all of them
        again = client.execute("RefundTransactions", {"id": order_gid})["order"]
        transactions = (again or {}).get("transactions") or transactions
    refunded_by_parent: dict[str, Decimal] = {}
    for t in transactions:
        parent = (t.get("parentTransaction") or {}).get("id")
        if t["kind"] == "REFUND" and t["status"] == "SUCCESS" and parent:
            refunded_by_parent[parent] = refunded_by_parent.get(parent, 0) + _amount(t["amountSet"])
    parents = tuple(
        ParentTransaction(
            t["id"],
            t["gateway"],
            _amount(t["amountSet"]) - refunded_by_parent.get(t["id"], Decimal("0")),
        )
        for t in transactions
        if t["kind"] in CAPTURED_KINDS and t["status"] == "SUCCESS"
    )
    # Refunds whose parent is not named (older records) still reduce what can be refunded.
    unattributed = sum(
        (
            _amount(t["amountSet"])
            for t in transactions
            if t["kind"] == "REFUND"
            and t["status"] == "SUCCESS"
            and not (t.get("parentTransaction") or {}).get("id")
        ),
        Decimal("0"),
    )
    parents = _spend(parents, unattributed)
    lines = _all_lines(client, order_gid, order["lineItems"])
    return RefundContext(
        currency=order["currencyCode"],
        shipping_paid=_amount(order.get("totalShippingPriceSet")),
        parents=parents,
        unfulfilled={line["id"]: line["unfulfilledQuantity"] for line in lines},
        refundable_quantity={line["id"]: line["refundableQuantity"] for line in lines},
    )


def _all_lines(client: AdminClient, order_gid: str, connection: dict) -> list[dict]:
    """The first 50 lines came with the context; a larger order's rest, 250 a page."""
    lines, info = list(connection["nodes"]), connection.get("pageInfo") or {}
    while info.get("hasNextPage"):
        more = client.execute("RefundLineItems", {"id": order_gid, "after": info["endCursor"]})[
            "order"
        ]
        if more is None:
            break
        lines += more["lineItems"]["nodes"]
        info = more["lineItems"]["pageInfo"]
    return lines


def _spend(parents: tuple[ParentTransaction, ...], amount: Decimal):
    left, spent = amount, []
    for parent in parents:
        used = min(left, max(parent.refundable, Decimal("0")))
        left -= used
        spent.append(ParentTransaction(parent.gid, parent.gateway, parent.refundable - used))
    return tuple(spent)


def transactions_for(
    order_gid: str, parents: tuple[ParentTransaction, ...], amount: Decimal
) -> list[dict]:
    """Split the amount over the captured transactions, oldest first, as Shopify's admin does."""
    left, result = amount, []
    for parent in parents:
        if left <= 0:
            break
        part = min(left, parent.refundable)
        if part <= 0:
            continue
        result.append(
            {
                "orderId": order_gid,
                "parentId": parent.gid,
                "amount": decimal_string(part),
                "gateway": parent.gateway,
                "kind": "REFUND",
            }
        )
        left -= part
    return result


def create_refund(
    client: AdminClient,
    *,
    order_gid: str,
    context: RefundContext,
    lines: list[RefundLineInput],
    shipping_amount: Decimal,
    amount: Decimal,
    note: str | None,
    notify: bool,
) -> CreatedRefund:
    """refundCreate. Raises ShopifyUserError (nothing was refunded) when Shopify refuses."""
    refund_input = {
        "orderId": order_gid,
        "note": note or None,
        "notify": notify,
        "refundLineItems": [
            {
                "lineItemId": line.line_item_gid,
                "quantity": line.quantity,
                "restockType": line.restock_type,
                **({"locationId": line.location_gid} if line.location_gid else {}),
            }
            for line in lines
        ],
        "transactions": transactions_for(order_gid, context.parents, amount),
    }
    if shipping_amount > 0:
        refund_input["shipping"] = {"amount": decimal_string(shipping_amount)}
    payload = client.mutate("RefundCreate", {"input": refund_input}, "refundCreate")
    refund = payload["refund"]
    return CreatedRefund(gid=refund["id"], total=_amount(refund["totalRefundedSet"]))
