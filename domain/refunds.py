"""Refunds: what can still be refunded, the merchant's refund checked field by field, sent to
Shopify with refundCreate, then recorded with each supplier's share (domain.supplier_ledger).

What is refundable comes from Relay's own ledger of refunds recorded in Shopify — those made
in Relay and those made in the Shopify admin, mirrored from the refunds/create webhook — set
against what was paid: per line quantity x unit price, the shipping Shopify charged, and the
order total (capped by what Shopify still holds of the captured payment).

Two tabs submitting at once: the order row is locked while a refund is checked and written
`pending`, the form's idempotency key is a unique row, and the form carries how many refunds
it saw, so exactly one submit goes to Shopify and the other gets a clear message.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain import installation, supplier_ledger, timeline
from domain.clock import utcnow
from domain.errors import DomainError, NotFound
from domain.models.orders import LineItem, Order, SupplierOrder
from domain.models.refunds import Refund, RefundLine
from domain.money import format_money
from domain.timeline import N_
from extensions import db
from integrations.shopify_admin.errors import ShopifyError, ShopifyUserError
from integrations.shopify_admin.gateway import refunds as refunds_gateway

log = logging.getLogger("relay.refunds")
SPENT = ("pending", "recorded")  # refunds that count against what is refundable
MAX_REASON = 1000
ZERO = Decimal("0")


class RefundInvalid(DomainError):
    """The form's problems, {field name: message}; nothing was sent or changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def places(currency: str) -> int:
    """Decimal places the currency uses (CLDR via Babel): JPY 0, EUR 2, KWD 3."""
    try:
        return get_currency_precision(currency)
    except Exception:  # an unknown code: money with cents is the safe assumption
        return 2


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places(currency)), rounding=ROUND_HALF_UP)


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

    @property
    def paid(self) -> Decimal:
        return self.line.unit_price * self.line.quantity

    @property
    def quantity_left(self) -> int:
        return self.line.quantity - self.refunded_quantity

    @property
    def amount_left(self) -> Decimal:
        return max(ZERO, self.paid - self.refunded_amount)


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
    def shipping_left(self) -> Decimal:
        return max(ZERO, self.shipping_paid - self.shipping_refunded)

    @property
    def total_left(self) -> Decimal:
        left = max(ZERO, self.order.total - self.refunded_total)
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
    order: Order, *, shipping_paid: Decimal, captured_left: Decimal | None = None
) -> Refundable:
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
    by_supplier = {so.supplier_id: so for so in order.supplier_orders}
    for state in states.values():
        so = by_supplier.get(state.line.supplier_id) if state.line.supplier_id else None
        state.supplier_order = so
        state.blocked = supplier_ledger.why_paid_out(so) if so is not None else None
    return Refundable(
        order=order,
        currency=order.currency,
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
    for state in refundable.lines:
        if state.blocked:
            continue
        values[f"qty-{state.line.id}"] = str(state.quantity_left) if state.quantity_left else ""
        values[f"amount-{state.line.id}"] = _plain(state.amount_left, refundable.currency)
    return values


def _plain(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency))


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

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO) + self.shipping


def parse_money(raw, currency: str, label: str) -> Decimal:
    """A non-negative amount with at most the currency's decimal places; blank is zero."""
    text = str(raw or "").strip().replace(" ", "")
    if not text:
        return ZERO
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma (fr, hu)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(field)s must be an amount, like 12.50.", field=label)) from None
    if not amount.is_finite():
        raise ValueError(_("%(field)s must be an amount, like 12.50.", field=label))
    if amount < 0:
        raise ValueError(_("%(field)s cannot be negative.", field=label))
    digits = places(currency)
    if -amount.as_tuple().exponent > digits and amount != amount.quantize(
        Decimal(1).scaleb(-digits)
    ):
        if digits == 0:
            raise ValueError(
                _("%(field)s: %(currency)s has no decimals.", field=label, currency=currency)
            )
        raise ValueError(
            _(
                "%(field)s: %(currency)s has at most %(num)d decimals.",
                field=label,
                currency=currency,
                num=digits,
            )
        )
    return amount


def parse_quantity(raw, label: str) -> int:
    text = str(raw or "").strip()
    if not text:
        return 0
    try:
        number = int(text)
    except ValueError:
        raise ValueError(_("%(field)s must be a whole number.", field=label)) from None
    if number < 0:
        raise ValueError(_("%(field)s cannot be negative.", field=label))
    return number


def _money(amount: Decimal, currency: str) -> str:
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
        line_id, title = state.line.id, state.line.title
        names = {k: f"{k}-{line_id}" for k in ("qty", "amount", "restock")}
        try:
            quantity = parse_quantity(values.get(names["qty"]), _("Quantity of %(t)s", t=title))
        except ValueError as exc:
            errors[names["qty"]], quantity = str(exc), 0
        try:
            amount = parse_money(
                values.get(names["amount"]), currency, _("Amount for %(t)s", t=title)
            )
        except ValueError as exc:
            errors[names["amount"]], amount = str(exc), ZERO
        try:
            restock = parse_quantity(
                values.get(names["restock"]), _("Restock quantity of %(t)s", t=title)
            )
        except ValueError as exc:
            errors[names["restock"]], restock = str(exc), 0
        if not (quantity or amount or restock):
            continue
        if state.blocked:
            errors[names["amount"]] = state.blocked
            continue
        if quantity > state.line.quantity:
            errors[names["qty"]] = _(
                "%(t)s: %(num)d bought; you cannot refund more.", t=title, num=state.line.quantity
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
                max=_money(state.amount_left, currency),
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
        request.lines.append(LineRefund(state, quantity, amount, restock))
    try:
        request.shipping = parse_money(values.get("shipping"), currency, _("Shipping refund"))
    except ValueError as exc:
        errors["shipping"] = str(exc)
    if request.shipping > refundable.shipping_left:
        errors["shipping"] = _(
            "Shipping refund: at most %(max)s of shipping can still be refunded.",
            max=_money(refundable.shipping_left, currency),
        )
    reason = str(form.get("reason") or "").strip()
    if len(reason) > MAX_REASON:
        errors["reason"] = _("The reason is too long (at most %(num)d characters).", num=MAX_REASON)
    request.reason = reason or None
    if not errors:
        if request.total <= 0 and not any(line.quantity for line in request.lines):
            errors["form"] = _(
                "Nothing to refund: enter a quantity and amount for an item, or a shipping refund."
            )
        elif request.total > refundable.total_left:
            errors["form"] = _(
                "The refund of %(total)s is more than the %(max)s that can still be refunded on "
                "this order.",
                total=_money(request.total, currency),
                max=_money(refundable.total_left, currency),
            )
    if errors:
        raise RefundInvalid(errors)
    return request


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


# -- making a refund ------------------------------------------------------------------------


def new_key() -> str:
    return secrets.token_urlsafe(18)


def order_of(shop, order_id: int, *, lock: bool = False) -> Order:
    query = select(Order).where(Order.id == order_id, Order.shop_id == shop.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    order = db.session.scalar(query)
    if order is None:
        raise NotFound(_("That order does not exist in this store."))
    return order


def context_of(shop, order: Order) -> refunds_gateway.RefundContext:
    return refunds_gateway.refund_context(installation.admin_client(shop), order.shopify_gid)


def form_refundable(shop, order: Order) -> Refundable:
    """What the form shows: Relay's ledger set against what Shopify says was paid."""
    context = context_of(shop, order)
    return refundable_of(
        order, shipping_paid=context.shipping_paid, captured_left=context.captured_left
    )


def create_refund(shop, order_id: int, form, *, actor_name: str | None = None) -> Refund:
    """Check, reserve (pending, under the order lock), send to Shopify, record. Raises
    RefundInvalid / DomainError with nothing refunded."""
    order = order_of(shop, order_id)
    context = context_of(shop, order)  # Shopify is read before any lock is taken
    refund = _reserve(shop, order_id, form, context, actor_name)
    lines = [
        refunds_gateway.RefundLineInput(
            rl.line_item.shopify_gid,
            quantity,
            kind,
            _restock_location(shop, rl.line_item) if kind != "NO_RESTOCK" else None,
        )
        for rl in refund.lines
        if rl.quantity
        for kind, quantity in restock_split(
            rl.quantity, rl.restock_quantity, context.unfulfilled.get(rl.line_item.shopify_gid, 0)
        )
    ]
    refund_id = refund.id
    try:
        created = refunds_gateway.create_refund(
            installation.admin_client(shop),
            order_gid=order.shopify_gid,
            context=context,
            lines=lines,
            shipping_amount=refund.shipping_amount,
            amount=refund.amount,
            note=refund.reason,
            notify=refund.notify,
        )
    except ShopifyUserError as exc:
        _failed(refund_id, str(exc))
        raise RefundInvalid(
            {"form": _("Shopify refused the refund: %(why)s", why=str(exc))}
        ) from None
    except ShopifyError as exc:
        log.warning("refund %s: Shopify did not answer: %s", refund_id, exc)
        _failed(refund_id, str(exc))
        raise DomainError(
            _(
                "Shopify did not confirm the refund. If it went through, it appears on this "
                "order within a minute (from Shopify's notification); check before trying again."
            )
        ) from None
    return record(shop, refund_id, created.gid)


def _restock_location(shop, line: LineItem) -> str | None:
    """Items routed to a supplier are stocked at Relay's fulfillment-service location (the
    supplier's stock); others go back where Shopify took them from (no location sent)."""
    return shop.fulfillment_location_gid if line.supplier_id else None


def _reserve(shop, order_id: int, form, context, actor_name: str | None) -> Refund:
    order = order_of(shop, order_id, lock=True)
    key = str(form.get("key") or "").strip()[:64]
    if not key:
        db.session.rollback()
        raise RefundInvalid({"form": _("This form has expired; open the refund form again.")})
    if db.session.scalar(
        select(Refund.id).where(Refund.shop_id == shop.id, Refund.idempotency_key == key)
    ):
        db.session.rollback()
        raise DomainError(ALREADY_SENT())
    refundable = refundable_of(
        order, shipping_paid=context.shipping_paid, captured_left=context.captured_left
    )
    seen = str(form.get("seen") or "")
    if seen.isdigit() and int(seen) != refundable.seen:
        db.session.rollback()
        raise DomainError(
            _(
                "Another refund was made on this order since you opened this form. Nothing was "
                "sent: review what is left to refund and submit again."
            )
        )
    try:
        request = parse(form, refundable)
    except RefundInvalid:
        db.session.rollback()
        raise
    refund = Refund(
        shop_id=shop.id,
        order_id=order.id,
        idempotency_key=key,
        source="relay",
        status="pending",
        amount=request.total,
        shipping_amount=request.shipping,
        currency=order.currency,
        reason=request.reason,
        notify=request.notify,
        restock=any(line.restock for line in request.lines),
        created_by=actor_name,
        lines=[
            RefundLine(
                line_item=line.state.line,
                quantity=line.quantity,
                amount=line.amount,
                restock_quantity=line.restock,
            )
            for line in request.lines
        ],
    )
    db.session.add(refund)
    try:
        db.session.commit()  # the amount is reserved; the lock is released
    except IntegrityError:
        db.session.rollback()
        raise DomainError(ALREADY_SENT()) from None
    return refund


def ALREADY_SENT() -> str:  # noqa: N802  (a message, translated when raised)
    return _(
        "This refund was already submitted (from another tab or a second click); it was sent "
        "to Shopify once."
    )


def _failed(refund_id: int, error: str) -> None:
    db.session.rollback()
    refund = db.session.get(Refund, refund_id)
    refund.status, refund.error = "failed", error[:2000]
    db.session.commit()


def record(shop, refund_id: int, shopify_gid: str) -> Refund:
    """Shopify has the refund: mark it recorded, write the suppliers' shares and the timeline.
    Idempotent (the refunds/create webhook may have adopted it first)."""
    refund = db.session.get(Refund, refund_id)
    order_of(shop, refund.order_id, lock=True)
    db.session.refresh(refund)
    if refund.status == "recorded":
        db.session.commit()
        return refund
    _mark_recorded(refund, shopify_gid)
    db.session.commit()
    return refund


def _mark_recorded(refund: Refund, shopify_gid: str) -> None:
    refund.status, refund.shopify_gid, refund.recorded_at = "recorded", shopify_gid, utcnow()
    refund.error = None
    order = refund.order
    actor = "merchant" if refund.source == "relay" else "shopify"
    # One whole template per source, so each is translated as a sentence.
    message = (
        N_(
            "Refunded %(amount)s to the customer. Items: %(items)s; shipping: %(shipping)s; "
            "back in stock: %(restocked)d. Reason shown to the customer: %(reason)s"
        )
        if refund.source == "relay"
        else N_(
            "Refunded %(amount)s in the Shopify admin. Items: %(items)s; shipping: "
            "%(shipping)s; back in stock: %(restocked)d. Reason shown to the customer: %(reason)s"
        )
    )
    restocked = sum(rl.restock_quantity for rl in refund.lines)
    timeline.record(
        order,
        "refund_recorded",
        message,
        actor=actor,
        actor_name=refund.created_by,
        amount=_money(refund.amount, refund.currency),
        items=items_summary(refund),
        shipping=_money(refund.shipping_amount, refund.currency),
        restocked=restocked,
        reason=f"“{refund.reason}”" if refund.reason else "—",
        refund_id=refund.id,
    )
    supplier_ledger.record_refund(refund)


def items_summary(refund: Refund) -> str:
    """ "2 × Mug, Lamp" (a line refunded by amount only has no count); "—" for none."""
    parts = [
        f"{rl.quantity} × {rl.line_item.title}" if rl.quantity else rl.line_item.title
        for rl in refund.lines
    ]
    return ", ".join(parts) or "—"


def history(order: Order) -> list[Refund]:
    return list(
        db.session.scalars(
            select(Refund)
            .where(Refund.order_id == order.id, Refund.status == "recorded")
            .options(selectinload(Refund.lines).selectinload(RefundLine.line_item))
            .order_by(Refund.id)
        )
    )


def refunded_total(order: Order) -> Decimal:
    return db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.order_id == order.id, Refund.status == "recorded"
        )
    )
