"""Refunds in the store: what Shopify knows about an order's payment (to refund against), and
refundCreate.

Money leaves with `transactions` (kind REFUND against the captured sale, as Shopify's admin
does); `refundLineItems` say which items and how they return to stock; `shipping` names the
shipping part; `refundDuties` the import duties given back. Amounts are sent as decimal
strings, never floats, in the order's presentment currency (the customer's), named in
`RefundInput.currency`: shopify.dev documents it as "must be the presentment currency" and
required when the order's two currencies differ. Shopify books the shop amount at its rate.

`suggestedRefund(suggestFullRefund: true)` is Shopify's own answer of what every unit, duty
and the shipping left would give back; its per-line figures cap what Relay lets the merchant
refund, so Relay never asks for more than Shopify would refund.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.errors import ShopifyGraphQLError

CAPTURED_KINDS = ("SALE", "CAPTURE")


CONTEXT_TRANSACTIONS = 10  # RefundContext's transactions(first: 10)


@dataclass(frozen=True)
class ParentTransaction:
    gid: str
    gateway: str
    refundable: Decimal  # captured minus what was already refunded against it (presentment)


@dataclass(frozen=True)
class RefundContext:
    currency: str  # the shop's
    # What the customer paid for shipping, in the refund currency: the shipping's price and its
    # tax unless prices include it (a shipping refund gives the tax back in proportion).
    shipping_paid: Decimal
    parents: tuple[ParentTransaction, ...]
    unfulfilled: dict[str, int]  # line item gid -> quantity not fulfilled yet
    refundable_quantity: dict[str, int]  # line item gid -> Shopify's refundable quantity
    shipping_price: Decimal = Decimal("0")  # the price alone (what `shipping.amount` names)
    presentment_currency: str | None = None  # the customer's; refunds are made in it
    # Shopify's suggestedRefund of everything left, in the refund currency: line item gid ->
    # what its units left would give back (subtotal, with tax unless prices include it).
    line_refundable: dict[str, Decimal] | None = None  # None: Shopify suggested nothing
    duties_of_line: dict[str, tuple[str, ...]] = field(default_factory=dict)  # duty gids
    duty_left: dict[str, Decimal] = field(default_factory=dict)  # duty gid -> left to refund

    @property
    def refund_currency(self) -> str:
        return self.presentment_currency or self.currency

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
    total: Decimal  # in the refund currency
    shop_total: Decimal  # as Shopify booked it in the shop's currency


def decimal_string(amount: Decimal) -> str:
    """Shopify's Money scalar: a plain decimal string ("12.5", "100"), never an exponent."""
    return format(amount.normalize(), "f")


def _amount(money_bag: dict | None, side: str = "shopMoney") -> Decimal:
    return Decimal(str(((money_bag or {}).get(side) or {}).get("amount") or "0"))


def _paid(money_bag: dict | None) -> Decimal:
    """The customer's side of a MoneyBag (the shop's when only that one was sent)."""
    if (money_bag or {}).get("presentmentMoney"):
        return _amount(money_bag, "presentmentMoney")
    return _amount(money_bag)


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
            refunded_by_parent[parent] = refunded_by_parent.get(parent, 0) + _paid(t["amountSet"])
    parents = tuple(
        ParentTransaction(
            t["id"],
            t["gateway"],
            _paid(t["amountSet"]) - refunded_by_parent.get(t["id"], Decimal("0")),
        )
        for t in transactions
        if t["kind"] in CAPTURED_KINDS and t["status"] == "SUCCESS"
    )
    # Refunds whose parent is not named (older records) still reduce what can be refunded.
    unattributed = sum(
        (
            _paid(t["amountSet"])
            for t in transactions
            if t["kind"] == "REFUND"
            and t["status"] == "SUCCESS"
            and not (t.get("parentTransaction") or {}).get("id")
        ),
        Decimal("0"),
    )
    parents = _spend(parents, unattributed)
    lines = _all_lines(client, order_gid, order["lineItems"])
    suggested = order.get("suggestedRefund") or {}
    taxes_included = bool(order.get("taxesIncluded"))
    shipping_price = _paid(order.get("totalShippingPriceSet"))
    shipping_tax = _shipping_tax(order)
    return RefundContext(
        currency=order["currencyCode"],
        shipping_paid=shipping_price + (Decimal("0") if taxes_included else shipping_tax),
        shipping_price=shipping_price,
        parents=parents,
        unfulfilled={line["id"]: line["unfulfilledQuantity"] for line in lines},
        refundable_quantity={line["id"]: line["refundableQuantity"] for line in lines},
        presentment_currency=order.get("presentmentCurrencyCode"),
        line_refundable=_line_refundable(order.get("suggestedRefund"), taxes_included),
        duties_of_line={
            line["id"]: tuple(d["id"] for d in line.get("duties") or []) for line in lines
        },
        duty_left={
            d["originalDuty"]["id"]: _paid(d.get("amountSet"))
            for d in suggested.get("refundDuties") or []
        },
    )


def _line_refundable(suggested: dict | None, taxes_included: bool) -> dict[str, Decimal] | None:
    """What Shopify's suggestedRefund of everything gives back per line (None: not asked)."""
    if not suggested:
        return None
    found: dict[str, Decimal] = {}
    for item in suggested.get("refundLineItems") or []:
        gid = item["lineItem"]["id"]
        money = _paid(item.get("subtotalSet"))
        if not taxes_included:
            money += _paid(item.get("totalTaxSet"))
        found[gid] = found.get(gid, Decimal("0")) + money
    return found


def _shipping_tax(order: dict) -> Decimal:
    return sum(
        (
            _paid(tax.get("priceSet"))
            for line in (order.get("shippingLines") or {}).get("nodes") or []
            for tax in line.get("taxLines") or []
        ),
        Decimal("0"),
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


def shipping_price_part(context: RefundContext, money: Decimal) -> Decimal:
    """The shipping's own amount in `money` given back for shipping (ShippingRefundInput.amount
    names the price; Shopify adds its tax in proportion), rounded to the currency's cents."""
    if context.shipping_price <= 0 or context.shipping_paid == context.shipping_price:
        return money
    part = money * context.shipping_price / context.shipping_paid
    try:
        digits = get_currency_precision(context.refund_currency)
    except Exception:  # an unknown code: cents
        digits = 2
    places = Decimal(1).scaleb(-digits)
    return min(context.shipping_price, part.quantize(places, rounding=ROUND_HALF_UP))


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
    duty_gids: tuple[str, ...] = (),
) -> CreatedRefund:
    """refundCreate, in the refund currency (`amount` includes the duties given back).
    Raises ShopifyUserError (nothing was refunded) when Shopify refuses."""
    refund_input = {
        "orderId": order_gid,
        "currency": context.refund_currency,
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
        refund_input["shipping"] = {
            "amount": decimal_string(shipping_price_part(context, shipping_amount))
        }
    if duty_gids:
        refund_input["refundDuties"] = [{"dutyId": d, "refundType": "FULL"} for d in duty_gids]
    payload = client.mutate("RefundCreate", {"input": refund_input}, "refundCreate")
    refund = payload["refund"]
    return CreatedRefund(
        gid=refund["id"],
        total=_paid(refund["totalRefundedSet"]),
        shop_total=_amount(refund["totalRefundedSet"]),
    )
