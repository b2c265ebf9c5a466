"""Whether a supplier order can be cancelled, and how the merchant wants it done: the checks
behind the cancel button and the drawer's form (Shopify Collective's rules; the decisions and
their consequences are in `lifecycle`)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from domain import states
from domain.models.cancellations import CancellationRequest
from domain.models.orders import SupplierOrder
from domain.validation import InvalidInput

MAX_NOTE = 1000
CANCELLABLE = (*states.CANCELLABLE_AT_ONCE, *states.WITH_SUPPLIER)


@dataclass(frozen=True)
class Choices:
    """What the merchant wants done in the store once the cancellation is agreed."""

    scope: str = "supplier"  # "supplier": only this supplier's items; "order": the whole order
    restock: bool = True
    refund: bool = True
    notify_customer: bool = True


# Requests made with the Shopify admin's own button cancel a fulfillment, not the order: the
# merchant cancels or refunds the order there if they want to.
ADMIN_CHOICES = Choices(scope="supplier", restock=False, refund=False, notify_customer=False)


def supplier_name(supplier_order: SupplierOrder) -> str:
    return supplier_order.supplier.name if supplier_order.supplier else _("no supplier")


def open_request(supplier_order: SupplierOrder) -> CancellationRequest | None:
    return next((r for r in supplier_order.cancellation_requests if r.is_open), None)


def latest_request(supplier_order: SupplierOrder) -> CancellationRequest | None:
    requests = supplier_order.cancellation_requests
    return requests[-1] if requests else None


def why_not_cancellable(supplier_order: SupplierOrder) -> str | None:
    order = supplier_order.order
    status = supplier_order.status
    if status == "cancellation_requested":
        return _(
            "A cancellation of %(order)s is already waiting for %(supplier)s's answer.",
            order=order.name,
            supplier=supplier_name(supplier_order),
        )
    if status == "cancelled" or order.cancelled_at is not None:
        return _("%(order)s is cancelled already.", order=order.name)
    if status == "shipped":
        return _(
            "%(supplier)s has shipped %(order)s: a shipped order cannot be cancelled. "
            "Refund it, or ask the customer to return it.",
            supplier=supplier_name(supplier_order),
            order=order.name,
        )
    if supplier_order.supplier is None:
        return _("These items have no supplier: there is nothing to cancel at a supplier.")
    if status not in CANCELLABLE:
        label = _(states.STATUSES[status].label)
        return _(
            "%(order)s is “%(status)s”; it cannot be cancelled now.", order=order.name, status=label
        )
    return None


def why_not_whole_order(supplier_order: SupplierOrder) -> str | None:
    """Cancelling the whole order in the store only makes sense when nothing of it is on its
    way to the customer and no other supplier is working on it (Shopify would refuse too)."""
    if supplier_order.parcels:
        return _(
            "Part of it has shipped already, so the whole order cannot be cancelled. Choose "
            "“Only this supplier's items”."
        )
    busy = [
        other
        for other in supplier_order.order.supplier_orders
        if other.id != supplier_order.id
        and other.status in (*states.WITH_SUPPLIER, "cancellation_requested", "shipped")
    ]
    if busy:
        return _(
            "%(supplier)s has other items of this order (“%(status)s”). Choose “Only this "
            "supplier's items”, or ask %(supplier)s to cancel too.",
            supplier=supplier_name(busy[0]),
            status=_(states.STATUSES[busy[0].status].label),
        )
    return None


def choices_from(form) -> tuple[str | None, Choices]:
    """The drawer's form: the note to the supplier and the merchant's choices."""
    errors = {}
    note = " ".join(str(form.get("note") or "").split()) or None
    if note and len(note) > MAX_NOTE:
        errors["note"] = _("Keep the note under %(n)s characters.", n=MAX_NOTE)
    scope = form.get("scope") or "supplier"
    if scope not in CancellationRequest.SCOPES:
        errors["scope"] = _("Choose what to cancel.")
    if errors:
        raise InvalidInput(errors=errors)
    checked = lambda name: form.get(name) in ("1", "on", "true", "yes")  # noqa: E731
    return note, Choices(scope, checked("restock"), checked("refund"), checked("notify_customer"))
