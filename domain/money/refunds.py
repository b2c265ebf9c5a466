"""Refunds: the merchant's refund, checked (domain.money.refund_checks), sent to Shopify with
refundCreate, then recorded with each supplier's share (domain.money.supplier_ledger) and the
timeline. Shopify first: nothing is recorded unless Shopify made the refund.

Two tabs submitting at once: the order row is locked while a refund is checked and written
`pending`, the form's idempotency key is a unique row, and the form carries how many refunds
it saw, so exactly one submit goes to Shopify and the other gets a clear message.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain.clock import utcnow
from domain.errors import NotFound, StoreUnreachable, WrongState
from domain.models.orders import LineItem, Order
from domain.models.refunds import Refund, RefundLine
from domain.money import money_sync, supplier_ledger
from domain.money.refund_checks import (
    Refundable,
    RefundInvalid,
    parse,
    refundable_of,
    restock_split,
)
from domain.notices import to_suppliers
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyError, ShopifyUserError
from integrations.shopify_admin.gateway import refunds as refunds_gateway

log = logging.getLogger("relay.refunds")


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
    try:
        return refunds_gateway.refund_context(tokens.admin_client(shop), order.shopify_gid)
    except ShopifyError as exc:
        log.warning("refund context of order %s: %s", order.id, exc)
        raise StoreUnreachable(
            _("Shopify could not be reached; nothing was refunded. Try again in a moment.")
        ) from None


def form_refundable(shop, order: Order) -> Refundable:
    """What the form shows: Relay's ledger set against what Shopify says was paid."""
    money_sync.ensure_money(shop, order)
    context = context_of(shop, order)
    return refundable_of(
        order,
        shipping_paid=context.shipping_paid,
        captured_left=context.captured_left,
        context=context,
    )


def create_refund(shop, order_id: int, form, *, actor_name: str | None = None) -> Refund:
    """Check, reserve (pending, under the order lock), send to Shopify, record. Raises
    RefundInvalid / WrongState / StoreUnreachable with nothing refunded."""
    order = order_of(shop, order_id)
    money_sync.ensure_money(shop, order)
    context = context_of(shop, order)  # Shopify is read before any lock is taken
    refund, duty_gids = _reserve(shop, order_id, form, context, actor_name)
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
            tokens.admin_client(shop),
            order_gid=order.shopify_gid,
            context=context,
            lines=lines,
            shipping_amount=refund.shipping_amount,
            amount=refund.amount,
            note=refund.reason,
            notify=refund.notify,
            duty_gids=duty_gids,
        )
    except ShopifyUserError as exc:
        _failed(refund_id, str(exc))
        raise RefundInvalid(
            {"form": _("Shopify refused the refund: %(why)s", why=str(exc))}
        ) from None
    except ShopifyError as exc:
        log.warning("refund %s: Shopify did not answer: %s", refund_id, exc)
        _failed(refund_id, str(exc))
        raise StoreUnreachable(
            _(
                "Shopify did not confirm the refund. If it went through, it appears on this "
                "order within a minute (from Shopify's notification); check before trying again."
            )
        ) from None
    return record(shop, refund_id, created.gid, shop_total=created.shop_total)


def _restock_location(shop, line: LineItem) -> str | None:
    """Items routed to a supplier are stocked at Relay's fulfillment-service location (the
    supplier's stock); others go back where Shopify took them from (no location sent)."""
    return shop.fulfillment_location_gid if line.supplier_id else None


@unit_of_work
def _reserve(
    shop, order_id: int, form, context, actor_name: str | None
) -> tuple[Refund, tuple[str, ...]]:
    """Check the form against what is refundable now, and reserve the amount: a unit of work
    of its own, committed before Shopify is asked (the order's lock is released). Returns the
    pending refund and the duties (gids) it gives back."""
    order = order_of(shop, order_id, lock=True)
    key = str(form.get("key") or "").strip()[:64]
    if not key:
        raise RefundInvalid({"form": _("This form has expired; open the refund form again.")})
    if db.session.scalar(
        select(Refund.id).where(Refund.shop_id == shop.id, Refund.idempotency_key == key)
    ):
        raise WrongState(ALREADY_SENT())
    refundable = refundable_of(
        order,
        shipping_paid=context.shipping_paid,
        captured_left=context.captured_left,
        context=context,
    )
    seen = str(form.get("seen") or "")
    if seen.isdigit() and int(seen) != refundable.seen:
        raise WrongState(
            _(
                "Another refund was made on this order since you opened this form. Nothing was "
                "sent: review what is left to refund and submit again."
            )
        )
    try:
        request = parse(form, refundable)
    except RefundInvalid as exc:
        exc.refundable = refundable  # the form is shown again against the same figures
        raise
    refund = _pending_refund(shop, order, key, request, refundable.currency, actor_name)
    db.session.add(refund)
    try:
        db.session.flush()
    except IntegrityError:  # the same form submitted twice at once: the key is taken
        raise WrongState(ALREADY_SENT()) from None
    duty_gids = tuple(
        duty
        for line in (request.duty_lines if request.duties else [])
        for duty in context.duties_of_line.get(line.state.line.shopify_gid, ())
        if context.duty_left.get(duty)
    )
    return refund, duty_gids


def _pending_refund(shop, order: Order, key: str, request, currency: str, actor_name) -> Refund:
    """The refund the form asks for, pending until Shopify records it."""
    return Refund(
        shop_id=shop.id,
        order_id=order.id,
        idempotency_key=key,
        source="relay",
        status="pending",
        amount=request.total,
        shipping_amount=request.shipping,
        duties_amount=request.duties,
        currency=currency,
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


def ALREADY_SENT() -> str:  # noqa: N802  (a message, translated when raised)
    return _(
        "This refund was already submitted (from another tab or a second click); it was sent "
        "to Shopify once."
    )


STALE_PENDING = timedelta(minutes=15)


def expire_stale_pending(shop, *, now=None) -> int:
    """The sweep: a refund still pending long after it was sent never got Shopify's answer
    (Relay stopped between the two). Shopify's refunds/create would have adopted it by now, so
    Shopify did not make it: it stops holding the refundable amount. Returns how many."""
    cutoff = (now or utcnow()) - STALE_PENDING
    stale = list(
        db.session.scalars(
            select(Refund)
            .where(
                Refund.shop_id == shop.id,
                Refund.status == "pending",
                Refund.created_at < cutoff,
            )
            .with_for_update(skip_locked=True)
        )
    )
    for refund in stale:
        refund.status = "failed"
        refund.error = "No answer from Shopify was recorded; Shopify has no such refund."
    return len(stale)


@unit_of_work
def _failed(refund_id: int, error: str) -> None:
    refund = db.session.get(Refund, refund_id)
    refund.status, refund.error = "failed", error[:2000]


@unit_of_work
def record(shop, refund_id: int, shopify_gid: str, *, shop_total: Decimal | None = None) -> Refund:
    """Shopify has the refund: mark it recorded, write the suppliers' shares and the timeline.
    Idempotent (the refunds/create webhook may have adopted it first)."""
    refund = db.session.get(Refund, refund_id)
    order_of(shop, refund.order_id, lock=True)
    db.session.refresh(refund)
    if refund.status == "recorded":
        return refund
    if shop_total is not None and refund.currency != refund.order.currency:
        refund.shop_amount = shop_total
    _mark_recorded(refund, shopify_gid)
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
        EventKind.REFUND_RECORDED,
        message,
        actor=actor,
        actor_name=refund.created_by,
        amount=timeline.money(refund.amount, refund.currency),
        items=items_summary(refund),
        shipping=timeline.money(refund.shipping_amount, refund.currency),
        restocked=restocked,
        reason=f"“{refund.reason}”" if refund.reason else "—",
        refund_id=refund.id,
    )
    to_suppliers.refund_recorded(refund, supplier_ledger.record_refund(refund))


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
