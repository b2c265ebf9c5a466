"""Cancellation requests, with Shopify Collective's rules:

- Not sent to a supplier yet (ready, scheduled, on hold, declined, awaiting payment):
  cancelled at once, nobody's consent needed.
- With the supplier (requested, in progress, partially shipped): the supplier is asked.
  * supplier not paid for it: cancelled at once (Collective: "immédiatement si le paiement
    n'a pas encore été prélevé");
  * paid: the supplier accepts, or declines with a reason ("Request declined"), or ships
    instead (declined by shipment); if it has done none of these N days after the request
    (ShopSettings.auto_cancel_days, 14), it is cancelled automatically.
- Shipped: too late; refused with a clear message (the button is not offered either).

Whether a request can be made, and the merchant's choices for it: `rules`. Every status
change goes through the status table; every step is on the timeline; the store's side
(Shopify's fulfillment order, orderCancel, the supplier's store) is carried out by a job once
the transaction commits (domain.cancellations.push).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from background import PUSH, background
from domain import states
from domain.cancellations import push
from domain.cancellations.rules import (
    MAX_NOTE,
    Choices,
    latest_request,
    open_request,
    supplier_name,
    why_not_cancellable,
    why_not_whole_order,
)
from domain.clock import aware, utcnow
from domain.errors import InvalidInput, WrongState
from domain.fulfillment import tracking_push
from domain.models.cancellations import CancellationRequest
from domain.models.orders import SupplierOrder
from domain.models.shop import Shop
from domain.money import cancelled_parts
from domain.notices import to_merchant, to_suppliers
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop.settings import settings_of
from domain.transaction import unit_of_work
from extensions import db


def declined_request(supplier_order: SupplierOrder) -> CancellationRequest | None:
    """The latest request, if the supplier declined it and goes on with the order."""
    latest = latest_request(supplier_order)
    declined = latest is not None and latest.status == "declined"
    if declined and states.goes_on_after_declined_cancellation(supplier_order):
        return latest
    return None


# -- asking -----------------------------------------------------------------------------------


def request_cancellation(
    supplier_order: SupplierOrder,
    *,
    note: str | None,
    choices: Choices,
    source: str = "relay",
    actor: str = "merchant",
    actor_name: str | None = None,
) -> CancellationRequest:
    """Ask (or, before forwarding or for an unpaid supplier, cancel at once). The caller holds
    the supplier order's row lock; raises WrongState / InvalidInput and changes nothing."""
    problem = why_not_cancellable(supplier_order)
    if problem:
        raise WrongState(problem)
    if choices.scope == "order":
        problem = why_not_whole_order(supplier_order)
        if problem:
            raise InvalidInput(errors={"scope": problem})
    request = _new_request(supplier_order, note, choices, source, actor_name)
    if supplier_order.status in states.CANCELLABLE_AT_ONCE:
        return _cancel_before_forward(request, actor, actor_name)
    states.require("request_cancellation", supplier_order)
    states.advance(supplier_order, "request_cancellation")
    if not request.supplier_was_paid:
        timeline.record(
            supplier_order.order,
            EventKind.CANCELLATION_REQUESTED,
            N_("Cancellation requested from %(supplier)s"),
            actor=actor,
            actor_name=actor_name,
            supplier=supplier_name(supplier_order),
            note=note or "",
        )
        return auto_cancel(request, why="unpaid")
    return _ask_paid_supplier(request, note, actor, actor_name)


def _new_request(
    supplier_order: SupplierOrder,
    note: str | None,
    choices: Choices,
    source: str,
    actor_name: str | None,
) -> CancellationRequest:
    request = CancellationRequest(
        shop_id=supplier_order.shop_id,
        supplier_order=supplier_order,
        source=source,
        requested_by=actor_name,
        requested_at=utcnow(),
        note=note,
        scope=choices.scope,
        restock=choices.restock,
        refund=choices.refund,
        notify_customer=choices.notify_customer,
        previous_status=supplier_order.status,
        supplier_was_paid=supplier_order.supplier_paid_at is not None,
    )
    db.session.add(request)
    return request


def _cancel_before_forward(
    request: CancellationRequest, actor: str, actor_name: str | None
) -> CancellationRequest:
    """Not sent to the supplier yet: cancelled at once, nobody's consent needed."""
    supplier_order = request.supplier_order
    states.advance(supplier_order, "cancel_before_forward")
    _decide(request, "auto_cancelled", "relay")
    timeline.record(
        supplier_order.order,
        EventKind.CANCELLED_BEFORE_FORWARD,
        N_("Cancelled at once: it had not been sent to %(supplier)s yet"),
        actor=actor,
        actor_name=actor_name,
        supplier=supplier_name(supplier_order),
    )
    return _carry_out(request)


def _ask_paid_supplier(
    request: CancellationRequest, note: str | None, actor: str, actor_name: str | None
) -> CancellationRequest:
    """A paid supplier answers, or the request is cancelled automatically after N days."""
    supplier_order = request.supplier_order
    order, supplier = supplier_order.order, supplier_name(supplier_order)
    days = settings_of(db.session.get(Shop, supplier_order.shop_id)).auto_cancel_days
    request.auto_cancel_at = request.requested_at + timedelta(days=days)
    timeline.record(
        order,
        EventKind.CANCELLATION_REQUESTED,
        N_(
            "Cancellation requested from %(supplier)s; if it has not shipped by %(date)s, it "
            "is cancelled automatically"
        ),
        actor=actor,
        actor_name=actor_name,
        supplier=supplier,
        date=request.auto_cancel_at.strftime("%Y-%m-%d"),
        note=note or "",
    )
    db.session.flush()
    to_suppliers.cancellation_requested(request)
    auto_cancel_if_due.after_commit(request.id, at=request.auto_cancel_at, shop_id=request.shop_id)
    return _carry_out(request)


# -- the answer -------------------------------------------------------------------------------


def _open_or_refuse(supplier_order: SupplierOrder) -> CancellationRequest:
    request = open_request(supplier_order)
    if request is None or supplier_order.status != "cancellation_requested":
        raise WrongState(_("There is no cancellation request waiting for an answer on this order."))
    return request


def _decide(request: CancellationRequest, status: str, by: str, name: str | None = None) -> None:
    request.status = status
    request.decided_at = utcnow()
    request.decided_by = by
    request.decided_by_name = name


def _carry_out(request: CancellationRequest) -> CancellationRequest:
    """The store's side of the request's current status, once this transaction commits. A
    part cancelled after it was paid keeps its money trail: its supplier owes it back."""
    cancelled_parts.record_cancellation(request.supplier_order)
    db.session.flush()
    push.carry_out.once_after_commit(
        request.id, id_parts={"status": request.status}, shop_id=request.shop_id
    )
    return request


def accept(
    supplier_order: SupplierOrder, *, by: str = "supplier", actor_name: str | None = None
) -> CancellationRequest:
    request = _open_or_refuse(supplier_order)
    states.advance(supplier_order, "cancellation_accepted")
    _decide(request, "accepted", by, actor_name)
    timeline.record(
        supplier_order.order,
        EventKind.CANCELLATION_ACCEPTED,
        N_("%(supplier)s accepted the cancellation"),
        actor="merchant" if by == "merchant" else "supplier",
        actor_name=actor_name,
        supplier=supplier_name(supplier_order),
    )
    return _carry_out(request)


def decline(
    supplier_order: SupplierOrder,
    reason: str | None,
    *,
    by: str = "supplier",
    actor_name: str | None = None,
) -> CancellationRequest:
    """The supplier keeps the order (it ships it); a reason is required: the merchant sees it
    next to "Request declined"."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput(
            errors={"reason": _("Give a reason: the store sees it next to “Request declined”.")}
        )
    if len(reason) > MAX_NOTE:
        raise InvalidInput(
            errors={"reason": _("Keep the reason under %(n)s characters.", n=MAX_NOTE)}
        )
    request = _open_or_refuse(supplier_order)
    _declined(supplier_order, request, reason, by, actor_name)
    timeline.record(
        supplier_order.order,
        EventKind.CANCELLATION_DECLINED,
        N_("%(supplier)s declined the cancellation: %(reason)s"),
        actor="merchant" if by == "merchant" else "supplier",
        actor_name=actor_name,
        supplier=supplier_name(supplier_order),
        reason=reason,
    )
    if by != "merchant":
        to_merchant.cancellation_declined(supplier_order, request.id, reason)
    return _carry_out(request)


def declined_by_shipment(
    supplier_order: SupplierOrder, *, actor: str = "supplier", actor_name: str | None = None
) -> CancellationRequest | None:
    """The supplier shipped while a cancellation was waiting: that is its answer. Called by
    shipments.record_shipment before the parcel is added."""
    request = open_request(supplier_order)
    if request is None:
        return None
    _declined(supplier_order, request, tracking_push.SHIPPED_INSTEAD, "shipment", actor_name)
    timeline.record(
        supplier_order.order,
        EventKind.CANCELLATION_DECLINED,
        N_("Cancellation request closed: %(supplier)s shipped the order instead"),
        actor=actor,
        actor_name=actor_name,
        supplier=supplier_name(supplier_order),
    )
    return _carry_out(request)


def _declined(
    supplier_order: SupplierOrder,
    request: CancellationRequest,
    reason: str,
    by: str,
    actor_name: str | None,
) -> None:
    """The request is declined for `reason`, which leaves the supplier order in progress, or
    partially shipped if parcels left already. A supplier that had not accepted yet accepts by
    declining, so the store's fulfillment request is accepted too."""
    event = (
        "cancellation_declined_partly_shipped"
        if supplier_order.parcels
        else "cancellation_declined"
    )
    states.advance(supplier_order, event)
    if request.previous_status == "requested":
        tracking_push.answer_request.once_after_commit(
            supplier_order.id, shop_id=supplier_order.shop_id
        )
    request.decline_reason = reason
    _decide(request, "declined", by, actor_name)


def auto_cancel(request: CancellationRequest, *, why: str) -> CancellationRequest:
    """Collective's automatic cancellation. why: "unpaid" (at once) or "overdue" (N days)."""
    supplier_order = request.supplier_order
    states.advance(supplier_order, "cancellation_accepted")
    _decide(request, "auto_cancelled", "relay")
    supplier = supplier_name(supplier_order)
    if why == "unpaid":
        message = N_("Cancelled at once: %(supplier)s had not been paid for it")
    else:
        message = N_(
            "Cancelled automatically: %(supplier)s had not shipped it %(days)s days after the "
            "request"
        )
    days = (aware(request.decided_at) - aware(request.requested_at)).days  # SQLite: naive
    timeline.record(
        supplier_order.order, EventKind.AUTO_CANCELLED, message, supplier=supplier, days=days
    )
    if supplier_order.supplier and supplier_order.supplier.channel == "manual":
        timeline.record(
            supplier_order.order,
            EventKind.CANCEL_ON_WEBSITE,
            N_("Cancel it on %(supplier)s's website too: Relay cannot reach it there"),
            supplier=supplier,
        )
    return _carry_out(request)


# One job id per request: scheduling again moves the same job.
@background(queue=PUSH, job_id="auto-cancel-{0}", label=_l("Cancel automatically at the deadline"))
@unit_of_work
def auto_cancel_if_due(request_id: int) -> str:
    """The scheduled job (and the sweep's fallback): cancel a request still unanswered at its
    deadline. Safe to run early, twice or late."""
    request = db.session.get(CancellationRequest, request_id)
    if request is None:
        return "gone"
    # Same lock order as every other path: the supplier order first, then the request.
    db.session.get(SupplierOrder, request.supplier_order_id, with_for_update=True)
    db.session.refresh(request, with_for_update=True)
    if not request.is_open:
        return f"nothing to do: {request.status}"
    due = aware(request.auto_cancel_at)
    if due is None:
        return "no deadline"
    if due > utcnow() + timedelta(seconds=1):  # the deadline moved
        auto_cancel_if_due.after_commit(request_id, at=due, shop_id=request.shop_id)
        return "not due yet"
    auto_cancel(request, why="overdue")
    return "auto-cancelled"


def outcome_message(request: CancellationRequest) -> str:
    """What the merchant is told right after asking."""
    if request.status == "auto_cancelled":
        if request.previous_status in states.CANCELLABLE_AT_ONCE:
            return _("Cancelled: it had not been sent to the supplier yet.")
        return _("Cancelled at once: the supplier had not been paid for it.")
    return _(
        "Cancellation requested. If the supplier has not shipped by %(date)s, it is cancelled "
        "automatically.",
        date=format_date(request.auto_cancel_at, "medium"),
    )


# -- what the drawer shows --------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    open: CancellationRequest | None
    latest: CancellationRequest | None
    can_request: bool
    mode: str  # "at_once" (not sent yet) | "unpaid" (cancelled at once) | "ask"
    days: int  # a paid supplier's time to ship before the automatic cancellation
    whole_order_problem: str | None
    default_scope: str


def panel(supplier_order: SupplierOrder) -> Panel:
    if supplier_order.status in states.CANCELLABLE_AT_ONCE:
        mode = "at_once"
    elif supplier_order.supplier_paid_at is None:
        mode = "unpaid"
    else:
        mode = "ask"
    whole_order_problem = why_not_whole_order(supplier_order)
    alone = len(supplier_order.order.supplier_orders) == 1
    return Panel(
        open=open_request(supplier_order),
        latest=latest_request(supplier_order),
        can_request="request_cancellation" in states.allowed_actions(supplier_order),
        mode=mode,
        days=settings_of(db.session.get(Shop, supplier_order.shop_id)).auto_cancel_days,
        whole_order_problem=whole_order_problem,
        default_scope="order" if alone and whole_order_problem is None else "supplier",
    )
