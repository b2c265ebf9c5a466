"""What a supplier does in the portal: accept, decline with a reason, ship parcels, fix tracking.

Each action reads the posted form, answers bad input with per-field messages (InvalidInput) or
a WrongState before anything changes, then calls domain.fulfillment.shipments and commits.
"""

from __future__ import annotations

from flask_babel import gettext as _

from domain import states
from domain.errors import WrongState
from domain.fulfillment import shipments
from domain.fulfillment.packing_slips import items_of
from domain.models.orders import Supplier
from domain.models.shipments import Parcel
from domain.suppliers import portal
from domain.transaction import unit_of_work
from domain.validation import Collector, FieldError, text, web_url


@unit_of_work
def accept(supplier: Supplier, supplier_order_id: int) -> None:
    supplier_order = portal.supplier_order_of(supplier, supplier_order_id, lock=True)
    _require("supplier_accept", supplier_order)
    shipments.supplier_accepts(supplier_order, actor_name=supplier.name)


@unit_of_work
def decline(supplier: Supplier, supplier_order_id: int, form) -> None:
    supplier_order = portal.supplier_order_of(supplier, supplier_order_id, lock=True)
    _require("supplier_reject", supplier_order)
    if supplier_order.parcels:
        raise WrongState(_("Part of this order has shipped already; it cannot be declined."))
    c = Collector()
    code = str(form.get("reason_code") or "").strip()
    if code not in shipments.DECLINE_REASONS:
        c.fail("reason_code", _("Choose why you decline the order."))
    note = c.take("note", text, form.get("note"), max_length=1000)
    if code == "OTHER" and not note and "note" not in c.errors:
        c.fail("note", _("Tell the store why: it sees this next to “Request declined”."))
    c.raise_if_any()
    shipments.supplier_declines(supplier_order, note or "", code=code, actor_name=supplier.name)


@unit_of_work
def ship(supplier: Supplier, supplier_order_id: int, form) -> Parcel:
    """One parcel: the quantities posted as qty-<line item id>, and how it was sent."""
    supplier_order = portal.supplier_order_of(supplier, supplier_order_id, lock=True)
    if supplier_order.status not in shipments.SHIPPABLE:
        raise WrongState(
            _(
                "This order is “%(status)s”; a parcel cannot be added now.",
                status=portal.status_label(supplier_order),
            )
        )
    c = Collector()
    quantities = {}
    for item in items_of(supplier_order):
        field = f"qty-{item.line.id}"
        qty = c.take(field, _quantity, form.get(field), item.remaining)
        if qty:
            quantities[item.line.id] = qty
    if not quantities and not c.errors:
        c.fail("items", _("Enter how many of each item are in this parcel."))
    tracking = _tracking(c, form)
    c.raise_if_any()
    parcel = shipments.record_shipment(
        supplier_order, tracking, quantities=quantities, actor_name=supplier.name
    )
    return parcel


@unit_of_work
def update_tracking(supplier: Supplier, parcel_id: int, form) -> Parcel:
    parcel = portal.parcel_of(supplier, parcel_id)
    c = Collector()
    tracking = _tracking(c, form)
    c.raise_if_any()
    shipments.update_tracking(parcel, tracking, actor_name=supplier.name)
    return parcel


def _require(event: str, supplier_order) -> None:
    """The status table decides; the message speaks the supplier's words, not the merchant's."""
    if not states.can(event, supplier_order.status):
        raise WrongState(
            _(
                "This order is “%(status)s”; that is not possible any more.",
                status=portal.status_label(supplier_order),
            )
        )


def _quantity(raw, remaining: int) -> int:
    value = str(raw or "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise FieldError(_("Enter a whole number, 0 or more."))
    qty = int(value)
    if qty > remaining:
        raise FieldError(_("Only %(count)s left to ship.", count=remaining))
    return qty


def _tracking(c: Collector, form) -> shipments.Tracking:
    kind = str(form.get("kind") or "tracked")
    if kind not in ("tracked", "untracked", "local_pickup"):
        c.fail("kind", _("Choose how the parcel was sent."))
        return shipments.Tracking("tracked")
    if kind != "tracked":
        return shipments.Tracking(kind)
    number = c.take("tracking_number", text, form.get("tracking_number"))
    if not number and "tracking_number" not in c.errors:
        c.fail(
            "tracking_number",
            _("Enter the tracking number, or choose “Shipped without tracking”."),
        )
    carrier = c.take("carrier", text, form.get("carrier"))
    url = c.take("tracking_url", _tracking_url, form.get("tracking_url"))
    return shipments.Tracking("tracked", number, carrier, url)


def _tracking_url(raw) -> str | None:
    try:
        return web_url(raw)
    except FieldError:
        raise FieldError(
            _("The tracking URL must be a web address starting with http:// or https://.")
        ) from None
