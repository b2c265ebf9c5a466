"""The merchant's buttons, one entry point: an action is performed only if the domain offers
it for that supplier order right now (states.allowed_actions), so a stale button or a forged
post gets the same clear refusal as a disabled one."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from domain import states
from domain.cancellations import intake as cancellation_intake
from domain.cancellations import lifecycle as cancellations
from domain.cancellations import rules as cancellation_rules
from domain.errors import InvalidInput, WrongState
from domain.fulfillment import requesting as requests
from domain.fulfillment import shipments, tracking_push
from domain.fulfillment.requesting import Outcome
from domain.models.orders import SupplierOrder
from domain.orders.timeline import N_
from domain.transaction import unit_of_work
from extensions import db

BULK_ACTIONS = ("request_fulfillment", "hold", "release", "pay_supplier", "pay_now")
DONE_MESSAGES = {
    "request_fulfillment": N_(
        "Fulfillment requested: it goes to the supplier after the fraud-check window."
    ),
    "hold": N_("On hold: it will not be sent until you release it."),
    "release": N_("Hold released."),
    "pay_supplier": N_("Marked as paid to the supplier."),
    "mark_ordered": N_("Marked as ordered on the supplier's website."),
    "add_tracking": N_("Tracking saved; it is on its way to the store."),
    "accept_cancellation": N_("Cancellation accepted for the supplier."),
    "decline_cancellation": N_("Cancellation declined for the supplier."),
    "retry_tracking": N_("Sending the tracking to the store again."),
}


def done_message(action: str) -> str:
    return _(DONE_MESSAGES.get(action, N_("Done.")))


@unit_of_work
def perform(shop, supplier_order_id: int, action: str, form) -> str:
    """Run one action on one supplier order of this shop; commit; return what to tell the
    merchant. Raises InvalidInput or WrongState (nothing changed) when it is not possible."""
    supplier_order = requests.supplier_order_of(shop, supplier_order_id)
    if action == "request_cancellation" and cancellation_rules.why_not_cancellable(supplier_order):
        raise WrongState(cancellation_rules.why_not_cancellable(supplier_order))
    if action not in states.allowed_actions(supplier_order):
        label = _(states.STATUSES[supplier_order.status].label)
        raise WrongState(_("That is not possible while the order is “%(status)s”.", status=label))
    if action == "request_fulfillment":
        outcome = requests.request_fulfillment(
            [supplier_order], actor="merchant", actor_name=N_("Merchant")
        )
        if outcome.refused:
            raise WrongState(outcome.refused[0])
    elif action == "hold":
        requests.hold(supplier_order)
    elif action == "release":
        requests.release(supplier_order)
    elif action == "pay_supplier":
        requests.pay_supplier(supplier_order)
    elif action == "mark_ordered":
        shipments.supplier_accepts(
            supplier_order,
            actor="merchant",
            actor_name=N_("Merchant"),
            reference=form.get("supplier_reference"),
        )
    elif action == "add_tracking":
        shipments.record_shipment(
            supplier_order,
            tracking_from(form),
            quantities=quantities_from(form),
            actor="merchant",
            actor_name=N_("Merchant"),
        )
    elif action == "request_cancellation":
        note, choices = cancellation_rules.choices_from(form)
        request = cancellations.request_cancellation(
            supplier_order, note=note, choices=choices, actor_name=N_("Merchant")
        )
        return cancellations.outcome_message(request)
    elif action in ("accept_cancellation", "decline_cancellation"):
        cancellation_intake.answer_for_manual_supplier(
            supplier_order, accept=action == "accept_cancellation", form=form
        )
    elif action == "retry_tracking":
        tracking_push.retry_rejected(supplier_order)
    else:
        raise InvalidInput(_("Use the form in the order drawer for that."))
    return done_message(action)


@unit_of_work
def perform_bulk(shop, action: str, order_ids: list[int], supplier_id: int | None) -> Outcome:
    """One action over the selected orders' parts (for one supplier when `supplier_id` is
    given; requesting.ONE_SUPPLIER_ACTIONS says which actions need one); each refusal is named
    and grouped by reason (Outcome.skipped)."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(_("Choose an action for the selected orders."))
    outcome = Outcome()
    targets = requests.supplier_orders_for_bulk(shop, order_ids, supplier_id, action)
    if not targets:
        raise InvalidInput(_("None of the selected orders has items from that supplier."))
    if action == "request_fulfillment":
        outcome = requests.request_fulfillment(targets, actor="merchant", actor_name=N_("Merchant"))
    else:
        for supplier_order in targets:
            if action not in states.allowed_actions(supplier_order):
                status = _(states.STATUSES[supplier_order.status].label)
                outcome.skip(
                    _(
                        "%(order)s: not possible while “%(status)s”.",
                        order=supplier_order.order.name,
                        status=status,
                    ),
                    _("Not possible while “%(status)s”", status=status),
                    supplier_order.order.name,
                )
                continue
            getattr(requests, action)(supplier_order)
            outcome.done += 1
    return outcome


def tracking_from(form) -> shipments.Tracking:
    return shipments.Tracking(
        kind=form.get("kind") or "tracked",
        number=form.get("tracking_number"),
        carrier=form.get("carrier"),
        url=form.get("tracking_url"),
    )


def quantities_from(form) -> dict[int, int] | None:
    """`qty-<line item id>` fields; none at all means "everything left"."""
    quantities = {}
    for key, value in form.items():
        if not key.startswith("qty-"):
            continue
        try:
            line_id, quantity = int(key[4:]), int(value or 0)
        except ValueError:
            raise InvalidInput(_("Quantities must be whole numbers.")) from None
        if quantity < 0:
            raise InvalidInput(_("Quantities cannot be negative."))
        quantities[line_id] = quantity
    return quantities or None


def order_id_of(shop, supplier_order_id: int) -> int | None:
    """The order a supplier order belongs to, if it belongs to this shop."""
    return db.session.scalar(
        select(SupplierOrder.order_id).where(
            SupplierOrder.id == supplier_order_id, SupplierOrder.shop_id == shop.id
        )
    )


def bulk_summary(outcome: Outcome) -> str:
    """One line for the whole bulk action: how many moved and how many were left as they were
    (the reasons are grouped below it, orders/_bulk_summary.html)."""
    if not outcome.refused:
        return ngettext("%(num)d order updated.", "%(num)d orders updated.", outcome.done)
    done = ngettext("%(num)d order updated", "%(num)d orders updated", outcome.done)
    skipped = ngettext("%(num)d skipped", "%(num)d skipped", len(outcome.refused))
    return _("%(done)s, %(skipped)s.", done=done, skipped=skipped)
