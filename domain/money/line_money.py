"""What the customer really paid, per line and per supplier part, in both of Shopify's
currencies: the shop's (`currency`) and the customer's (the presentment currency, Shopify
Markets). Read from Shopify's own figures stored at sync (domain.orders.sync): the line after
every discount allocated to it (line-level and the order's codes: Shopify's own split, from
`discountAllocations`) and its tax lines, added to what was paid unless prices include tax.

Refunds happen in the customer's currency (RefundInput.currency must be the presentment
currency), so the refund side of every amount is the presentment side; for a one-currency
order the two are the same numbers. Lines synced before these figures were stored fall back to
unit price x quantity, as Relay counted before.

Order-level amounts shared between supplier parts (`part_money`): each line's discounts are
Shopify's allocation; shipping is split in proportion to each part's discounted subtotal (the
lines of no supplier weigh as one more part), each share rounded half up and the cents left
over going to the largest part (then the lowest id), so the shares add up to the order's
shipping exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.models.orders import LineItem, Order
from domain.money.amounts import round_to_currency

ZERO = Decimal("0")


def refund_currency(order: Order) -> str:
    """The currency refunds are made, capped and shown in: the customer's."""
    return order.presentment_currency or order.currency


def in_two_currencies(order: Order) -> bool:
    return bool(order.presentment_currency) and order.presentment_currency != order.currency


def _shop_side(line: LineItem, shop: bool) -> bool:
    """Whether to read the shop's side: asked for, or the order has one currency (then the
    shop's figures are the ones Relay always read)."""
    return shop or not in_two_currencies(line.order)


def original_total(line: LineItem, *, shop: bool = False) -> Decimal:
    """Every unit bought (removed and refunded ones too), as Shopify's discounted totals are."""
    if _shop_side(line, shop):
        return line.unit_price * line.bought_quantity
    return (line.presentment_unit_price or line.unit_price) * line.bought_quantity


def discounted_total(line: LineItem, *, shop: bool = False) -> Decimal:
    """The line after every discount Shopify allocated to it."""
    shop = _shop_side(line, shop)
    value = line.discounted_total if shop else line.presentment_discounted_total
    return original_total(line, shop=shop) if value is None else value


def line_tax(line: LineItem, *, shop: bool = False) -> Decimal:
    value = line.tax if _shop_side(line, shop) else line.presentment_tax
    return value or ZERO


def line_paid(line: LineItem, *, shop: bool = False) -> Decimal:
    """What the customer paid for the line: after discounts, with its tax unless prices
    include it. What a refund of the whole line gives back on Shopify."""
    paid = discounted_total(line, shop=shop)
    if not line.order.taxes_included:
        paid += line_tax(line, shop=shop)
    return paid


def order_total(order: Order) -> Decimal:
    """The order's total in the refund currency."""
    if in_two_currencies(order) and order.presentment_total is not None:
        return order.presentment_total
    return order.total


def shop_amount(order: Order, amount: Decimal) -> Decimal | None:
    """`amount` in the refund currency, in the shop's at the order's own rate (its two totals);
    None when the order has one currency. What is shown beside a presentment amount."""
    if not in_two_currencies(order) or not order.presentment_total:
        return None
    return round_to_currency(amount * order.total / order.presentment_total, order.currency)


# -- supplier parts -------------------------------------------------------------------------


@dataclass(frozen=True)
class PartMoney:
    """One supplier part's share of the order's money, in one currency."""

    currency: str
    subtotal: Decimal  # the part's lines at their original prices
    discounts: Decimal  # line and order-level discounts Shopify allocated to those lines
    shipping: Decimal  # the part's share of the order's shipping (the README's rule)
    tax: Decimal

    @property
    def discounted(self) -> Decimal:
        return self.subtotal - self.discounts


def allocate(total: Decimal, weights: dict, currency: str) -> dict:
    """`total` split over `weights` {key: weight} in proportion, each share rounded half up
    to the currency, the cents left over (either way) to the largest weight, then the lowest
    key; the shares add up to `total` exactly. All equal shares when the weights sum to 0."""
    if not weights:
        return {}
    keys = sorted(weights, key=lambda k: (-weights[k], k))
    weight_sum = sum(weights.values(), ZERO)
    if weight_sum <= 0:
        weights, weight_sum = dict.fromkeys(keys, Decimal(1)), Decimal(len(keys))
    shares = {k: round_to_currency(total * weights[k] / weight_sum, currency) for k in keys}
    shares[keys[0]] += total - sum(shares.values(), ZERO)
    return shares


def part_money(order: Order, *, shop: bool = False) -> dict[int, PartMoney]:
    """{supplier order id: its money} in the refund currency (or the shop's with shop=True)."""
    currency = order.currency if shop else refund_currency(order)
    lines_of: dict[int, list[LineItem]] = {}
    by_supplier = {so.supplier_id: so.id for so in order.supplier_orders}
    for line in order.line_items:
        # Lines of no supplier (0) weigh in the split too: the merchant ships them.
        so_id = by_supplier.get(line.supplier_id, 0) if line.supplier_id else 0
        lines_of.setdefault(so_id, []).append(line)
    discounted = {
        so_id: sum((discounted_total(li, shop=shop) for li in lines), ZERO)
        for so_id, lines in lines_of.items()
    }
    shop_side = shop or not in_two_currencies(order)
    shipping_total = order.shipping_total if shop_side else order.presentment_shipping_total
    shipping = allocate(shipping_total or ZERO, discounted, currency)
    result = {}
    for so_id, lines in lines_of.items():
        if not so_id:
            continue
        subtotal = sum((original_total(li, shop=shop) for li in lines), ZERO)
        result[so_id] = PartMoney(
            currency=currency,
            subtotal=subtotal,
            discounts=subtotal - discounted[so_id],
            shipping=shipping.get(so_id, ZERO),
            tax=sum((line_tax(li, shop=shop) for li in lines), ZERO),
        )
    return result
