"""What the merchant (or auto-place) does before a supplier order leaves Relay: Request
Fulfillment, hold, release; and paying the supplier. Every change goes through the status
table; jobs are deferred until the transaction commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain import states
from domain.clock import aware, utcnow
from domain.errors import InvalidInput, NotFound, WrongState
from domain.fulfillment import forwarding
from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop.settings import settings_of
from extensions import db


@dataclass
class Outcome:
    """What a (bulk) action did: how many moved, and a readable reason for each one that didn't."""

    done: int = 0
    refused: list[str] = field(default_factory=list)
    # The same parts grouped for the bulk summary: a short reason -> the orders' names.
    skipped: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, message: str, reason: str, order_name: str) -> None:
        self.refused.append(message)
        self.skipped.setdefault(reason, []).append(order_name)


def _label(supplier_order: SupplierOrder) -> str:
    return supplier_order.supplier.name if supplier_order.supplier else _("no supplier")


def why_not_requestable(supplier_order: SupplierOrder) -> str | None:
    order = supplier_order.order
    if order.cancelled_at is not None:
        return _("%(order)s is cancelled; there is nothing to request.", order=order.name)
    if supplier_order.supplier is None:
        return _("Map the items of %(order)s to a supplier first.", order=order.name)
    if order.paid_at is None:
        return _("%(order)s is not paid yet; Relay forwards paid orders only.", order=order.name)
    if not states.can("request_fulfillment", supplier_order.status):
        return _(
            "%(order)s is already “%(status)s” at %(supplier)s; it cannot be requested again.",
            order=order.name,
            status=_(states.STATUSES[supplier_order.status].label),
            supplier=_label(supplier_order),
        )
    return None


def skip_reason(supplier_order: SupplierOrder) -> str:
    """why_not_requestable's reason without the order's name: the bulk summary's group."""
    if supplier_order.order.cancelled_at is not None:
        return _("Cancelled: nothing to request")
    if supplier_order.supplier is None:
        return _("No supplier: map their items first")
    if supplier_order.order.paid_at is None:
        return _("Not paid yet: Relay forwards paid orders only")
    status = _(states.STATUSES[supplier_order.status].label)
    return _("Already “%(status)s”", status=status)


def request_fulfillment(
    supplier_orders: list[SupplierOrder], *, actor: str, actor_name: str | None = None
) -> Outcome:
    """Schedule each supplier order to be forwarded once the order's hold window is over."""
    outcome = Outcome()
    now = utcnow()
    for supplier_order in supplier_orders:
        problem = why_not_requestable(supplier_order)
        if problem:
            outcome.skip(problem, skip_reason(supplier_order), supplier_order.order.name)
            continue
        order = supplier_order.order
        hold = timedelta(minutes=settings_of(order_shop(order)).hold_minutes)
        supplier_order.forward_at = max(now, aware(order.paid_at) + hold)
        supplier_order.requested_at = now
        supplier_order.problem = None
        supplier_order.decline_reason = None
        supplier_order.decline_reason_code = None
        states.advance(supplier_order, "request_fulfillment")
        timeline.record(
            order,
            EventKind.FULFILLMENT_REQUESTED,
            N_("Fulfillment requested from %(supplier)s; it is sent at %(time)s UTC"),
            actor=actor,
            actor_name=actor_name,
            supplier=supplier_order.supplier.name,
            time=supplier_order.forward_at.strftime("%H:%M"),
        )
        db.session.flush()  # the job needs the id
        forwarding.forward.after_commit(
            supplier_order.id, at=supplier_order.forward_at, shop_id=supplier_order.shop_id
        )
        outcome.done += 1
    return outcome


def order_shop(order: Order) -> Shop:
    return db.session.get(Shop, order.shop_id)  # identity map: no query after the first


def hold(supplier_order: SupplierOrder, *, actor: str = "merchant") -> None:
    """Keep it from being forwarded (a suspicious order) until released."""
    states.require("hold", supplier_order)
    states.advance(supplier_order, "hold")
    timeline.record(
        supplier_order.order,
        EventKind.HELD,
        N_("Held: not sent to %(supplier)s until released"),
        actor=actor,
        supplier=_label(supplier_order),
    )


def release(supplier_order: SupplierOrder, *, actor: str = "merchant") -> None:
    """Release a hold. If it had been requested (or the supplier places automatically), it is
    requested again: releasing a hold pushes the order, as on Shopify Collective."""
    states.require("release", supplier_order)
    states.advance(supplier_order, "release")
    timeline.record(
        supplier_order.order,
        EventKind.RELEASED,
        N_("Hold released for %(supplier)s"),
        actor=actor,
        supplier=_label(supplier_order),
    )
    supplier = supplier_order.supplier
    if supplier_order.requested_at or (supplier and supplier.places_automatically):
        request_fulfillment([supplier_order], actor="relay")


def pay_supplier(supplier_order: SupplierOrder, *, actor: str = "merchant") -> None:
    """Record that the supplier has been paid for this order (Syncee's "Pay now")."""
    if supplier_order.supplier_paid_at is not None:
        raise WrongState(_("%(order)s is already paid.", order=supplier_order.order.name))
    if supplier_order.status not in states.PAYABLE:
        raise WrongState(_("Pay the supplier once the order has been sent to it."))
    supplier_order.supplier_paid_at = utcnow()
    timeline.record(
        supplier_order.order,
        EventKind.SUPPLIER_PAID,
        N_("%(supplier)s paid for this order"),
        actor=actor,
        supplier=_label(supplier_order),
    )


# -- finding what the merchant pointed at (always within one shop) ---------------------------


def supplier_order_of(shop, supplier_order_id: int) -> SupplierOrder:
    supplier_order = db.session.scalar(
        select(SupplierOrder)
        .where(SupplierOrder.id == supplier_order_id, SupplierOrder.shop_id == shop.id)
        .with_for_update()
    )
    if supplier_order is None:
        raise NotFound(_("That supplier order does not exist in this store."))
    return supplier_order


# Bulk actions and suppliers. Paying and requesting fulfillment go to one supplier at a time,
# as the seeds have them: one checkout pays one supplier, and a request is that supplier's
# order, under its terms. A selection spanning several suppliers' parts is refused for those two,
# naming the suppliers, unless the grid is filtered by one supplier (then only its parts act).
# Hold, Release and Mark supplier paid change Relay's own state per part and may span suppliers.
ONE_SUPPLIER_ACTIONS = ("request_fulfillment", "pay_now")


def supplier_orders_for_bulk(
    shop, order_ids: list[int], supplier_id: int | None, action: str
) -> list:
    """The chosen orders' parts (for one supplier when `supplier_id` is given)."""
    if not order_ids:
        raise InvalidInput(_("Select at least one order."))
    rows = list(
        db.session.scalars(
            select(SupplierOrder)
            .where(SupplierOrder.shop_id == shop.id, SupplierOrder.order_id.in_(order_ids))
            .options(selectinload(SupplierOrder.order), selectinload(SupplierOrder.supplier))
            .order_by(SupplierOrder.id)
            .with_for_update()
        )
    )
    if supplier_id is not None:
        return [row for row in rows if row.supplier_id == supplier_id]
    names = sorted({row.supplier.name for row in rows if row.supplier is not None})
    if action in ONE_SUPPLIER_ACTIONS and len(names) > 1:
        raise InvalidInput(
            _(
                "%(action)s works on one supplier at a time, and these orders have parts for "
                "%(suppliers)s. Filter the grid by a supplier, then select its orders.",
                action=_(states.ACTION_LABELS[action]),
                suppliers=", ".join(names),
            )
        )
    return rows
