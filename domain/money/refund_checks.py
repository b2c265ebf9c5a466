"""What can still be refunded on an order, and the merchant's refund form checked against it,
field by field (domain.money.refunds sends and records what passes).

Refundable = what was paid (per line: after every discount Shopify allocated to it, with its
tax unless prices include it, domain.money.line_money; Shopify's shipping charge; the order
total capped by what Shopify still holds of the captured payment) minus Relay's ledger of
refunds recorded in Shopify (made in Relay or mirrored from the Shopify admin; pending ones
count too), and per line never more than Shopify's own suggestedRefund of what is left. All
in the customer's currency (the order's presentment currency), the shop's shown beside.
Money is Decimal with the currency's decimal places (Babel's CLDR data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain.errors import InvalidInput
from domain.models.orders import LineItem, Order, SupplierOrder
from domain.models.refunds import Refund
from domain.money import line_money, supplier_ledger
from domain.money.amounts import format_money, round_to_currency
from domain.money.form_values import parse_money, parse_quantity
from extensions import db

SPENT = ("pending", "recorded")  # refunds that count against what is refundable
MAX_REASON = 1000
ZERO = Decimal("0")


class RefundInvalid(InvalidInput):
    """The form's problems, {field name: message}; nothing was sent or changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), errors=errors)
        self.refundable: Refundable | None = None  # what the form was checked against


# -- what is refundable ---------------------------------------------------------------------


@dataclass
class LineState:
    line: LineItem
    refunded_quantity: int = 0
    refunded_amount: Decimal = ZERO
    restocked: int = 0
    supplier_order: SupplierOrder | None = None
    # Why Relay will not refund this line (its supplier was paid out), or None.
    blocked: str | None = None
    # What Shopify would still give back for the line's units (suggestedRefund), when asked.
    shopify_left: Decimal | None = None
    duties_left: Decimal = ZERO  # import duties of the line Shopify would still give back

    @property
    def paid(self) -> Decimal:
        """After discounts, with tax unless prices include it, in the refund currency: for
        the units the customer kept paying for (an order edit's removed units are not paid)."""
        paid, bought = line_money.line_paid(self.line), self.line.bought_quantity
        kept = min(bought, self.line.quantity + self.refunded_quantity)
        if kept >= bought or not bought:
            return paid
        return round_to_currency(paid * kept / bought, line_money.refund_currency(self.line.order))

    @property
    def quantity_left(self) -> int:
        """Units still refundable: bought, less refunded, and never more than the order holds
        now (an edit's removed units are gone; Shopify's currentQuantity)."""
        return max(0, min(self.line.bought_quantity - self.refunded_quantity, self.line.quantity))

    @property
    def amount_left(self) -> Decimal:
        left = max(ZERO, self.paid - self.refunded_amount)
        return left if self.shopify_left is None else min(left, max(ZERO, self.shopify_left))


@dataclass
class Refundable:
    order: Order
    currency: str
    lines: list[LineState]
    shipping_paid: Decimal
    shipping_refunded: Decimal
    refunded_total: Decimal
    seen: int  # refunds pending or recorded: the form sends it back to detect a race
    captured_left: Decimal | None = None  # Shopify's word, when it was asked

    @property
    def shop_currency(self) -> str | None:
        """The shop's currency when it is not the refund currency (shown beside), else None."""
        return self.order.currency if self.order.currency != self.currency else None

    def shop_amount(self, amount: Decimal) -> Decimal | None:
        return line_money.shop_amount(self.order, amount)

    @property
    def duties_left(self) -> Decimal:
        return sum((s.duties_left for s in self.lines if not s.blocked), ZERO)

    @property
    def shipping_left(self) -> Decimal:
        return max(ZERO, self.shipping_paid - self.shipping_refunded)

    @property
    def total_left(self) -> Decimal:
        left = max(ZERO, line_money.order_total(self.order) - self.refunded_total)
        return left if self.captured_left is None else min(left, max(ZERO, self.captured_left))

    @property
    def unpaid(self) -> str | None:
        if self.order.paid_at is None:
            return _("%(order)s is not paid; there is no payment to refund.", order=self.order.name)
        return None

    def plain(self, amount: Decimal) -> str:
        """An amount as the form writes it: the currency's decimals, no symbol ("12.50")."""
        return _plain(amount, self.currency)

    def line(self, line_id: int) -> LineState | None:
        return next((s for s in self.lines if s.line.id == line_id), None)


def refundable_of(
    order: Order,
    *,
    shipping_paid: Decimal,
    captured_left: Decimal | None = None,
    context=None,
) -> Refundable:
    """`context`: Shopify's RefundContext, whose suggestedRefund caps each line and names the
    duties left (without it, Relay's own ledger alone)."""
    refunds = list(
        db.session.scalars(
            select(Refund)
            .where(Refund.order_id == order.id, Refund.status.in_(SPENT))
            .options(selectinload(Refund.lines))
        )
    )
    states = {li.id: LineState(li) for li in order.line_items}
    for refund in refunds:
        for rl in refund.lines:
            state = states.get(rl.line_item_id)
            if state:
                state.refunded_quantity += rl.quantity
                state.refunded_amount += rl.amount
                state.restocked += rl.restock_quantity
    by_part = {(so.supplier_id, so.part): so for so in order.supplier_orders}
    for state in states.values():
        line = state.line
        so = by_part.get((line.supplier_id, line.part)) if line.supplier_id else None
        state.supplier_order = so
        state.blocked = supplier_ledger.why_paid_out(so) if so is not None else None
        if context is not None and context.line_refundable is not None:
            gid = state.line.shopify_gid
            state.shopify_left = context.line_refundable.get(gid, ZERO)
            state.duties_left = sum(
                (context.duty_left.get(d, ZERO) for d in context.duties_of_line.get(gid, ())),
                ZERO,
            )
    return Refundable(
        order=order,
        currency=line_money.refund_currency(order),
        lines=list(states.values()),
        shipping_paid=shipping_paid,
        shipping_refunded=sum((r.shipping_amount for r in refunds), ZERO),
        refunded_total=sum((r.amount for r in refunds), ZERO),
        seen=len(refunds),
        captured_left=captured_left,
    )


def full_refund_values(refundable: Refundable) -> dict[str, str]:
    """The form prefilled with everything still refundable (Full refund)."""
    values = {"mode": "full", "shipping": _plain(refundable.shipping_left, refundable.currency)}
    if refundable.duties_left:
        values["duties"] = "on"
    for state in refundable.lines:
        if state.blocked:
            continue
        values[f"qty-{state.line.id}"] = str(state.quantity_left) if state.quantity_left else ""
        values[f"amount-{state.line.id}"] = _plain(state.amount_left, refundable.currency)
    return values


def _plain(amount: Decimal, currency: str) -> str:
    return str(round_to_currency(amount, currency))


# -- the merchant's refund, checked ---------------------------------------------------------


@dataclass
class LineRefund:
    state: LineState
    quantity: int
    amount: Decimal
    restock: int


@dataclass
class RefundRequest:
    lines: list[LineRefund] = field(default_factory=list)
    shipping: Decimal = ZERO
    reason: str | None = None
    notify: bool = False
    key: str = ""
    duties: Decimal = ZERO  # import duties given back (the refunded items', all that is left)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO) + self.shipping + self.duties

    @property
    def duty_lines(self) -> list[LineRefund]:
        """The lines whose duties go back: those refunded with a quantity."""
        return [line for line in self.lines if line.quantity and line.state.duties_left]


def money_text(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


def parse(form, refundable: Refundable) -> RefundRequest:
    """Check every field at once. Raises RefundInvalid {field: message}; returns the request."""
    errors: dict[str, str] = {}
    currency = refundable.currency
    if refundable.unpaid:
        raise RefundInvalid({"form": refundable.unpaid})
    full = form.get("mode") == "full"
    values = {**form, **full_refund_values(refundable)} if full else form
    request = RefundRequest(
        notify=form.get("notify") in ("on", "1", "true", "yes"),
        key=str(form.get("key") or "").strip()[:64],
    )
    for state in refundable.lines:
        line = _line_refund(state, values, currency, errors)
        if line is not None:
            request.lines.append(line)
    request.shipping = _parsed(
        errors, values, "shipping", ZERO, parse_money, currency, _("Shipping refund")
    )
    if request.shipping > refundable.shipping_left:
        errors["shipping"] = _(
            "Shipping refund: at most %(max)s of shipping can still be refunded.",
            max=money_text(refundable.shipping_left, currency),
        )
    if values.get("duties") in ("on", "1", "true", "yes"):
        request.duties = sum((line.state.duties_left for line in request.duty_lines), ZERO)
        if not request.duties:
            errors["duties"] = _(
                "Duties: enter a quantity for the items whose import duties go back (none of "
                "the items chosen has duties left to refund)."
            )
    reason = str(form.get("reason") or "").strip()
    if len(reason) > MAX_REASON:
        errors["reason"] = _("The reason is too long (at most %(num)d characters).", num=MAX_REASON)
    request.reason = reason or None
    if not errors:
        _check_total(request, refundable, errors)
    if errors:
        raise RefundInvalid(errors)
    return request


def _parsed(errors: dict[str, str], values, name: str, default, parse_value, *args):
    """The field `name` parsed, or `default` with the field's message kept in `errors`."""
    try:
        return parse_value(values.get(name), *args)
    except ValueError as exc:
        errors[name] = str(exc)
        return default


def _line_refund(
    state: LineState, values, currency: str, errors: dict[str, str]
) -> LineRefund | None:
    """One line's three fields, checked against what is left of it; None when left blank."""
    title = state.line.title
    names = {k: f"{k}-{state.line.id}" for k in ("qty", "amount", "restock")}
    quantity = _parsed(
        errors, values, names["qty"], 0, parse_quantity, _("Quantity of %(t)s", t=title)
    )
    amount = _parsed(
        errors, values, names["amount"], ZERO, parse_money, currency, _("Amount for %(t)s", t=title)
    )
    restock = _parsed(
        errors, values, names["restock"], 0, parse_quantity, _("Restock quantity of %(t)s", t=title)
    )
    if not (quantity or amount or restock):
        return None
    if state.blocked:
        errors[names["amount"]] = state.blocked
        return None
    line = LineRefund(state, quantity, amount, restock)
    _check_line(line, names, currency, errors)
    return line


def _check_line(line: LineRefund, names: dict[str, str], currency: str, errors) -> None:
    """The line's quantities and amount against what was bought and what is left of it."""
    state, title = line.state, line.state.line.title
    quantity, amount, restock = line.quantity, line.amount, line.restock
    if quantity > state.line.bought_quantity:
        errors[names["qty"]] = _(
            "%(t)s: %(num)d bought; you cannot refund more.",
            t=title,
            num=state.line.bought_quantity,
        )
    elif quantity > state.quantity_left:
        errors[names["qty"]] = _(
            "%(t)s: only %(left)d left to refund (%(done)d already refunded).",
            t=title,
            left=state.quantity_left,
            done=state.refunded_quantity,
        )
    if amount > state.amount_left:
        errors[names["amount"]] = _(
            "%(t)s: at most %(max)s can still be refunded.",
            t=title,
            max=money_text(state.amount_left, currency),
        )
    elif quantity and not amount and state.amount_left and names["amount"] not in errors:
        errors[names["amount"]] = _(
            "%(t)s: enter the amount to refund for these items (more than zero).", t=title
        )
    if restock > quantity:
        errors[names["restock"]] = _(
            "%(t)s: restock at most the %(num)d refunded (only items that came back sellable).",
            t=title,
            num=quantity,
        )


def _check_total(request: RefundRequest, refundable: Refundable, errors: dict[str, str]) -> None:
    currency = refundable.currency
    if request.total <= 0 and not any(line.quantity for line in request.lines):
        errors["form"] = _(
            "Nothing to refund: enter a quantity and amount for an item, or a shipping refund."
        )
    elif request.total > refundable.total_left:
        errors["form"] = _(
            "The refund of %(total)s is more than the %(max)s that can still be refunded on "
            "this order.",
            total=money_text(request.total, currency),
            max=money_text(refundable.total_left, currency),
        )


def restock_split(quantity: int, restock: int, unfulfilled: int) -> list[tuple[str, int]]:
    """Shopify's restock types for `quantity` refunded items of which `restock` go back to
    stock: unfulfilled items are CANCELled, fulfilled ones that came back sellable RETURNed,
    the rest NO_RESTOCK. Exactly `restock` items return to stock."""
    not_shipped = min(quantity, max(0, unfulfilled))
    shipped = quantity - not_shipped
    cancel = min(restock, not_shipped)
    returned = min(restock - cancel, shipped)
    parts = [
        ("CANCEL", cancel),
        ("RETURN", returned),
        ("NO_RESTOCK", quantity - cancel - returned),
    ]
    return [(kind, n) for kind, n in parts if n > 0]
