"""What paying a supplier for some of its supplier orders costs: per order its items at the
supplier's cost, shipping by the chosen (else the cheapest) method, VAT when it applies, and
the total, each rounded to the supplier currency's decimals. The figures a checkout page and a
receipt list. Orders that cannot be paid say why and stay out of the totals.

Reads only: nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain.models.orders import Order, Supplier, SupplierOrder, VariantMapping
from domain.models.payments import ShippingRate
from domain.models.shop import Shop
from domain.money.amounts import round_to_currency
from domain.payments import terms
from domain.payments.shipping import (
    ShippingOption,
    cheapest,
    options_among,
    rates_of,
    shipping_cost,
)
from extensions import db

ZERO = Decimal("0")


@dataclass(frozen=True)
class QuoteLine:
    sku: str | None
    title: str
    quantity: int
    unit_cost: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class QuoteOrder:
    supplier_order_id: int
    order_name: str
    lines: tuple[QuoteLine, ...]
    goods: Decimal
    shipping: Decimal
    shipping_method: str | None
    shipping_rate_id: int | None
    shipping_options: tuple[ShippingOption, ...]
    vat: Decimal
    total: Decimal
    country_code: str | None
    problem: str | None = None


@dataclass(frozen=True)
class Quote:
    supplier_id: int
    supplier_name: str
    currency: str
    vat_rate: Decimal | None
    goods: Decimal
    shipping: Decimal
    vat: Decimal
    total: Decimal
    # The orders that can be paid (in the totals), and those that cannot, each with its problem.
    orders: tuple[QuoteOrder, ...]
    unpayable: tuple[QuoteOrder, ...]
    # Why the supplier cannot be paid through Relay at all (terms.why_not_payable), or None.
    supplier_problem: str | None

    @property
    def payable(self) -> bool:
        return self.supplier_problem is None and bool(self.orders)


def quote(
    shop: Shop,
    supplier: Supplier,
    supplier_orders: list[SupplierOrder],
    methods: dict[int, int] | None = None,
) -> Quote:
    """Price paying `supplier` for `supplier_orders`; `methods` maps a supplier order's id to
    the ShippingRate id chosen for it (default: the cheapest for its units)."""
    methods = methods or {}
    _preload(supplier_orders)
    costs = _costs(shop, supplier_orders)
    rates = rates_of(supplier)
    priced = [_price(supplier, so, costs, rates, methods.get(so.id)) for so in supplier_orders]
    payable = tuple(o for o in priced if o.problem is None)
    currency = supplier.currency
    return Quote(
        supplier_id=supplier.id,
        supplier_name=supplier.name,
        currency=currency,
        vat_rate=supplier.vat_rate if supplier.vat_applies else None,
        goods=round_to_currency(sum((o.goods for o in payable), ZERO), currency),
        shipping=round_to_currency(sum((o.shipping for o in payable), ZERO), currency),
        vat=round_to_currency(sum((o.vat for o in payable), ZERO), currency),
        total=round_to_currency(sum((o.total for o in payable), ZERO), currency),
        orders=payable,
        unpayable=tuple(o for o in priced if o.problem is not None),
        supplier_problem=terms.why_not_payable(supplier),
    )


def _preload(supplier_orders: list[SupplierOrder]) -> None:
    """Every order and its lines in two queries, not two per order (a checkout of 50)."""
    ids = [so.id for so in supplier_orders if so.id is not None]
    if ids:
        db.session.scalars(
            select(SupplierOrder)
            .where(SupplierOrder.id.in_(ids))
            .options(selectinload(SupplierOrder.order).selectinload(Order.line_items))
        ).all()


def _costs(shop: Shop, supplier_orders: list[SupplierOrder]) -> dict[str, VariantMapping]:
    """The shop's mappings of every SKU in these orders: one query."""
    skus = {line.sku for so in supplier_orders for line in so.line_items if line.sku}
    if not skus:
        return {}
    rows = db.session.scalars(
        select(VariantMapping).where(
            VariantMapping.shop_id == shop.id, VariantMapping.sku.in_(skus)
        )
    )
    return {m.sku: m for m in rows}


def _why_not(shop_id: int, supplier: Supplier, so: SupplierOrder) -> str | None:
    """What makes this supplier order unpayable before any figure is looked at."""
    if so.shop_id != shop_id or so.supplier_id != supplier.id:
        return _("This order's items are not shipped by %(name)s.", name=supplier.name)
    if so.status == "cancelled" or so.order.cancelled_at is not None:
        return _("This order is cancelled.")
    if so.supplier_paid_at is not None:
        return _("%(name)s was already paid for this order.", name=supplier.name)
    return None


def _price(
    supplier: Supplier,
    so: SupplierOrder,
    costs: dict[str, VariantMapping],
    rates: list[ShippingRate],
    chosen: int | None,
) -> QuoteOrder:
    currency = supplier.currency
    country = ((so.order.shipping_address or {}).get("country_code") or "").upper() or None
    lines = [line for line in so.line_items if (line.quantity or 0) > 0]
    options = tuple(options_among(rates, currency, country))
    priced, problem = _lines(supplier, lines, costs)
    problem = _why_not(supplier.shop_id, supplier, so) or problem
    if not lines and problem is None:
        problem = _("Nothing left to pay for: every item was removed or refunded.")
    goods = round_to_currency(sum((q.line_total for q in priced), ZERO), currency)
    option, shipping_problem = None, None
    if rates:  # a supplier with no shipping prices set includes shipping in its costs
        units = sum(q.quantity for q in priced)
        option, shipping_problem = _choose(options, chosen, units, country)
    problem = problem or shipping_problem
    shipping = round_to_currency(ZERO, currency)
    if option is not None:
        shipping = round_to_currency(
            shipping_cost(option, sum(q.quantity for q in priced)), currency
        )
    vat = round_to_currency(ZERO, currency)
    if supplier.vat_applies and supplier.vat_rate:
        vat = round_to_currency((goods + shipping) * supplier.vat_rate / 100, currency)
    return QuoteOrder(
        supplier_order_id=so.id,
        order_name=so.order.name,
        lines=tuple(priced),
        goods=goods,
        shipping=shipping,
        shipping_method=option.method if option else None,
        shipping_rate_id=option.rate_id if option else None,
        shipping_options=options,
        vat=vat,
        total=round_to_currency(goods + shipping + vat, currency),
        country_code=country,
        problem=problem,
    )


def _lines(
    supplier: Supplier, lines: list, costs: dict[str, VariantMapping]
) -> tuple[list[QuoteLine], str | None]:
    """Each line at the supplier's cost; the first line with no usable cost is the problem."""
    priced, problem = [], None
    for line in lines:
        mapping = costs.get(line.sku) if line.sku else None
        cost_problem = _cost_problem(supplier, line, mapping)
        if cost_problem is not None:
            problem = problem or cost_problem
            continue
        unit = round_to_currency(mapping.cost, supplier.currency)
        priced.append(
            QuoteLine(
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_cost=unit,
                line_total=round_to_currency(unit * line.quantity, supplier.currency),
            )
        )
    return priced, problem


def _cost_problem(supplier: Supplier, line, mapping: VariantMapping | None) -> str | None:
    if not line.sku:
        return _("“%(title)s” has no SKU, so its cost is unknown.", title=line.title)
    if mapping is None or mapping.cost is None or mapping.supplier_id != supplier.id:
        return _(
            "SKU %(sku)s has no cost at %(name)s: set it on the supplier's page.",
            sku=line.sku,
            name=supplier.name,
        )
    cost_currency = mapping.cost_currency or supplier.currency
    if cost_currency != supplier.currency:
        return _(
            "SKU %(sku)s costs in %(cost_currency)s but %(name)s bills in %(currency)s: "
            "set its cost in %(currency)s.",
            sku=line.sku,
            cost_currency=cost_currency,
            name=supplier.name,
            currency=supplier.currency,
        )
    return None


def _choose(
    options: tuple[ShippingOption, ...], chosen: int | None, units: int, country: str | None
) -> tuple[ShippingOption | None, str | None]:
    """The chosen method, else the cheapest for these units; a problem when none ships there."""
    if country is None:
        return None, _("Cannot be paid: the order has no shipping address.")
    if not options:
        return None, _("Cannot be paid: no shipping to %(country)s.", country=country)
    if chosen is not None:
        match = next((o for o in options if o.rate_id == chosen), None)
        if match is None:
            return None, _(
                "The chosen shipping method does not ship to %(country)s: choose another.",
                country=country,
            )
        return match, None
    return cheapest(list(options), units), None
