"""What the supplier reports — through its store, the portal, or the merchant typing it in for
a manual supplier: accepted, declined, and parcels with tracking. Each parcel is pushed to the
store by a job once the transaction commits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _

from domain import states
from domain.cancellations import lifecycle as cancellations
from domain.errors import InvalidInput, WrongState
from domain.fulfillment import schedules, tracking_push
from domain.models.orders import SupplierOrder
from domain.models.shipments import (
    Parcel,
    ParcelLine,
)
from domain.notices import to_merchant
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from extensions import db

MAX_TRACKING_LENGTH = 255
SHIPPABLE = (*states.WITH_SUPPLIER, "cancellation_requested")


@dataclass(frozen=True)
class Tracking:
    kind: str = "tracked"  # tracked | untracked | local_pickup
    number: str | None = None
    carrier: str | None = None
    url: str | None = None

    def validated(self) -> Tracking:
        if self.kind not in Parcel.KINDS:
            raise InvalidInput(_("Choose how the parcel was sent."))
        number = (self.number or "").strip() or None
        carrier = (self.carrier or "").strip() or None
        url = (self.url or "").strip() or None
        if self.kind != "tracked":
            return Tracking(self.kind)
        if not number:
            raise InvalidInput(
                _("Enter the tracking number, or choose “Shipped without tracking”.")
            )
        if len(number) > MAX_TRACKING_LENGTH or len(carrier or "") > MAX_TRACKING_LENGTH:
            raise InvalidInput(_("The tracking number or carrier is too long."))
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
                raise InvalidInput(
                    _("The tracking URL must be a web address starting with http:// or https://.")
                )
        return Tracking("tracked", number, carrier, url)


def _supplier_name(supplier_order: SupplierOrder) -> str:
    return supplier_order.supplier.name if supplier_order.supplier else "?"


def supplier_accepts(
    supplier_order: SupplierOrder,
    *,
    actor: str = "supplier",
    actor_name: str | None = None,
    reference: str | None = None,
) -> None:
    states.require("supplier_accept", supplier_order)
    states.advance(supplier_order, "supplier_accept")
    if reference:
        supplier_order.supplier_reference = reference.strip()[:255]
    timeline.record(
        supplier_order.order,
        EventKind.SUPPLIER_ACCEPTED,
        N_("%(supplier)s accepted the order"),
        actor=actor,
        actor_name=actor_name,
        supplier=_supplier_name(supplier_order),
    )
    db.session.flush()
    tracking_push.answer_request.once_after_commit(
        supplier_order.id, shop_id=supplier_order.shop_id
    )


# Shopify's FulfillmentOrderRejectionReason values (sent with the rejection), most common first.
DECLINE_REASONS = {
    "INVENTORY_OUT_OF_STOCK": N_("Out of stock"),
    "INCORRECT_ADDRESS": N_("Incorrect address"),
    "UNDELIVERABLE_DESTINATION": N_("Cannot deliver to this destination"),
    "INTERNATIONAL_SHIPPING_UNAVAILABLE": N_("No international shipping"),
    "INVALID_SKU": N_("Unknown SKU"),
    "INCORRECT_PRODUCT_INFO": N_("Incorrect product information"),
    "INELIGIBLE_PRODUCT": N_("Product not eligible"),
    "ORDER_TOO_LARGE": N_("Order too large"),
    "MISSING_CUSTOMS_INFO": N_("Missing customs information"),
    "INVALID_CONTACT_INFORMATION": N_("Invalid contact information"),
    "PACKAGE_PREFERENCE_NOT_SET": N_("Package preference not set"),
    "PAYMENT_DECLINED": N_("Payment declined"),
    "MERCHANT_BLOCKED_OR_SUSPENDED": N_("Merchant blocked or suspended"),
    "OTHER": N_("Other reason"),
}


def supplier_declines(
    supplier_order: SupplierOrder,
    reason: str,
    *,
    code: str = "OTHER",
    actor: str = "supplier",
    actor_name=None,
) -> None:
    """`code` is Shopify's rejection reason; `reason` the supplier's note (required for OTHER).
    The stored reason reads "Out of stock: back in May" for the merchant's grid."""
    reason = (reason or "").strip()
    if code not in DECLINE_REASONS:
        raise InvalidInput(_("Choose why you decline the order."))
    if code == "OTHER" and not reason:
        raise InvalidInput(_("Give a reason: the merchant sees it next to “Request declined”."))
    states.require("supplier_reject", supplier_order)
    states.advance(supplier_order, "supplier_reject")
    if code != "OTHER":
        reason = f"{DECLINE_REASONS[code]}: {reason}" if reason else DECLINE_REASONS[code]
    supplier_order.decline_reason = reason[:1000]
    supplier_order.decline_reason_code = code
    timeline.record(
        supplier_order.order,
        EventKind.SUPPLIER_DECLINED,
        N_("%(supplier)s declined the order: %(reason)s"),
        actor=actor,
        actor_name=actor_name,
        supplier=_supplier_name(supplier_order),
        reason=supplier_order.decline_reason,
        code=code,
    )
    db.session.flush()
    if actor != "merchant":
        to_merchant.supplier_declined(supplier_order)
    tracking_push.answer_request.once_after_commit(
        supplier_order.id, shop_id=supplier_order.shop_id
    )


def remaining_quantities(supplier_order: SupplierOrder) -> dict[int, int]:
    """Line item id -> quantity of this supplier's lines not yet in any parcel (never below 0:
    units shipped and then refunded in the store leave nothing to ship)."""
    shipped: dict[int, int] = {}
    for parcel in supplier_order.parcels:
        for line in parcel.lines:
            shipped[line.line_item_id] = shipped.get(line.line_item_id, 0) + line.quantity
    return {
        line.id: max(0, line.quantity - shipped.get(line.id, 0))
        for line in supplier_order.line_items
    }


def shippable_quantities(supplier_order: SupplierOrder) -> dict[int, int]:
    """What the supplier can ship now: what is left, and of a scheduled order only the
    deliveries sent to it so far (a later delivery is not due; Shopify would refuse it)."""
    remaining = remaining_quantities(supplier_order)
    sent = schedules.sent_so_far(supplier_order)
    if sent is None:
        return remaining
    by_id = {line.id: line for line in supplier_order.line_items}
    return {
        line_id: max(0, min(left, sent.get(line_id, 0) - (by_id[line_id].quantity - left)))
        for line_id, left in remaining.items()
    }


def record_shipment(
    supplier_order: SupplierOrder,
    tracking: Tracking,
    *,
    quantities: dict[int, int] | None = None,
    source_ref: str | None = None,
    actor: str = "supplier",
    actor_name: str | None = None,
) -> Parcel:
    """A parcel left the supplier. `quantities` (line item id -> quantity) defaults to
    everything not shipped yet. A known `source_ref` updates that parcel instead."""
    tracking = tracking.validated()
    if source_ref:
        known = next((p for p in supplier_order.parcels if p.source_ref == source_ref), None)
        if known is not None:
            update_tracking(known, tracking, actor=actor, actor_name=actor_name)
            return known
    if supplier_order.status not in SHIPPABLE:
        label = _(states.STATUSES[supplier_order.status].label)
        raise WrongState(
            _("This order is “%(status)s”; a parcel cannot be added now.", status=label)
        )
    remaining = remaining_quantities(supplier_order)
    quantities = _parcel_quantities(quantities, shippable_quantities(supplier_order))
    if supplier_order.status == "cancellation_requested":
        # Shipping while a cancellation waits is the supplier's answer: declined.
        cancellations.declined_by_shipment(supplier_order, actor=actor, actor_name=actor_name)
    if supplier_order.status == "requested":
        supplier_accepts(supplier_order, actor=actor, actor_name=actor_name)  # shipping = yes
    parcel = Parcel(
        shop_id=supplier_order.shop_id,
        kind=tracking.kind,
        tracking_number=tracking.number,
        carrier=tracking.carrier,
        tracking_url=tracking.url,
        source_ref=source_ref,
        lines=[ParcelLine(line_item_id=i, quantity=q) for i, q in quantities.items()],
    )
    supplier_order.parcels.append(parcel)
    if tracking.kind == "tracked":
        supplier_order.tracking_count += 1
    everything = all(remaining[i] - quantities.get(i, 0) == 0 for i in remaining)
    states.advance(supplier_order, "ship_all" if everything else "ship_part")
    _record_parcel_event(supplier_order, parcel, actor, actor_name)
    db.session.flush()
    tracking_push.push_parcel.follow_after_commit(parcel.id, shop_id=parcel.shop_id)
    return parcel


def _parcel_quantities(quantities: dict[int, int] | None, remaining: dict[int, int]):
    """The parcel's items (line item id -> quantity), checked against what is left to ship:
    everything left when none are given."""
    if quantities is None:
        quantities = {line_id: qty for line_id, qty in remaining.items() if qty > 0}
    quantities = {line_id: qty for line_id, qty in quantities.items() if qty}
    if not quantities:
        raise InvalidInput(_("Choose at least one item that is in this parcel."))
    for line_id, qty in quantities.items():
        if line_id not in remaining:
            raise InvalidInput(_("That item is not part of this supplier's order."))
        if qty < 0 or qty > remaining[line_id]:
            raise InvalidInput(
                _(
                    "Only %(count)s of that item are left to ship.",
                    count=max(remaining[line_id], 0),
                )
            )
    return quantities


def _record_parcel_event(supplier_order, parcel: Parcel, actor, actor_name) -> None:
    count = sum(line.quantity for line in parcel.lines)
    if parcel.kind == "tracked":
        message = N_("%(supplier)s shipped %(count)s item(s): %(carrier)s %(number)s")
    elif parcel.kind == "local_pickup":
        message = N_("%(supplier)s marked %(count)s item(s) ready for local pickup")
    else:
        message = N_(
            "%(supplier)s shipped %(count)s item(s) without tracking: the customer cannot "
            "follow the parcel"
        )
    timeline.record(
        supplier_order.order,
        EventKind.SHIPPED,
        message,
        actor=actor,
        actor_name=actor_name,
        supplier=_supplier_name(supplier_order),
        count=count,
        carrier=parcel.carrier or "",
        number=parcel.tracking_number or "",
    )


def update_tracking(parcel: Parcel, tracking: Tracking, *, actor="supplier", actor_name=None):
    tracking = tracking.validated()
    if (parcel.kind, parcel.tracking_number, parcel.carrier, parcel.tracking_url) == (
        tracking.kind,
        tracking.number,
        tracking.carrier,
        tracking.url,
    ):
        return  # a redelivered webhook: nothing changed
    supplier_order = parcel.supplier_order
    if parcel.kind != "tracked" and tracking.kind == "tracked":
        supplier_order.tracking_count += 1
    parcel.kind = tracking.kind
    parcel.tracking_number, parcel.carrier, parcel.tracking_url = (
        tracking.number,
        tracking.carrier,
        tracking.url,
    )
    parcel.push_status = "pending"  # until the job pushes it (recovery looks for pending ones)
    timeline.record(
        supplier_order.order,
        EventKind.TRACKING_UPDATED,
        N_("Tracking updated: %(carrier)s %(number)s"),
        actor=actor,
        actor_name=actor_name,
        carrier=parcel.carrier or "",
        number=parcel.tracking_number or "",
    )
    db.session.flush()
    tracking_push.push_parcel.follow_after_commit(parcel.id, shop_id=parcel.shop_id)
