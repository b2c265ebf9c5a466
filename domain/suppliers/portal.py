"""The supplier portal: magic links, and which supplier orders a portal supplier may see.

A link is the supplier's only credential (no account, no cookie): an itsdangerous token signed
over the supplier id and its portal_key with PORTAL_LINK_SECRETS, keys of its own (never
SECRET_KEY, so a leak of one does not forge the other; newest first for rotation).

- Revocation: rotating Supplier.portal_key ("Revoke links") kills every link sent so far.
- Expiry, LINK_MAX_AGE = 90 days. Suppliers bookmark the link or open it from an email weeks
  later, so a short expiry would have merchants re-sending links all the time; but a leaked
  link (a forwarded email, a shared screen) must not work forever when nobody thinks of
  revoking it. Every portal page links onward with a freshly signed token, so a supplier who
  works in the portal never meets an expired link (sliding expiry): only an idle link dies.
- The token sits in the URL path, so portal responses carry Referrer-Policy: no-referrer and
  Cache-Control: no-store. It is also the CSRF defence: another site cannot forge it.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from itsdangerous import (
    BadPayload,
    BadSignature,
    SignatureExpired,
)
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from domain import states
from domain.errors import DomainError, NotFound
from domain.fulfillment import shipments
from domain.models.orders import (
    Order,
    Supplier,
    SupplierOrder,
)
from domain.models.shipments import Parcel
from domain.models.shop import Shop
from domain.orders.timeline import N_
from domain.suppliers.portal_links import (  # noqa: F401 - SALT, link_token: the portal API
    SALT,
    _serializer,
    link_token,
)
from domain.transaction import unit_of_work
from extensions import db

LINK_MAX_AGE = timedelta(days=90)
PAGE_SIZE = 50

# What the supplier sees of a supplier order once it was sent to it (label, badge tone).
STATUSES = {
    "requested": (N_("New"), "attention"),
    "in_progress": (N_("Accepted"), "info"),
    "partially_shipped": (N_("Partially shipped"), "info"),
    "shipped": (N_("Shipped"), "success"),
    "declined": (N_("Declined"), "critical"),
    "cancellation_requested": (N_("Cancellation requested"), "attention"),
    "cancelled": (N_("Cancelled"), "neutral"),
}
# Status filters of the orders list, in tab order ("all" = every visible status).
FILTERS = {
    "new": ("requested",),
    "to_ship": ("in_progress", "partially_shipped", "cancellation_requested"),
    "shipped": ("shipped",),
    "closed": ("declined", "cancelled"),
}
FILTER_LABELS = {
    "all": N_("All"),
    "new": N_("New"),
    "to_ship": N_("To ship"),
    "shipped": N_("Shipped"),
    "closed": N_("Declined or cancelled"),
}


class InvalidLink(DomainError):
    """The link is not (or no longer) a valid credential for a supplier."""

    def __init__(self, message: str, *, retailer: str | None = None):
        super().__init__(message)
        self.retailer = retailer


class ExpiredLink(InvalidLink):
    """The link was valid, but is too old: the store can send a new one."""


# -- links -----------------------------------------------------------------------------------


def supplier_for_token(token: str, *, channels: tuple[str, ...] = ("portal",)) -> Supplier:
    """The supplier a link belongs to, or InvalidLink / ExpiredLink with a message to show."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_MAX_AGE.total_seconds()))
    except SignatureExpired as exc:
        raise ExpiredLink(
            _("This link has expired. Ask %(store)s for a new link.", store=_sender(exc.payload))
        ) from None
    except BadSignature:
        raise InvalidLink(
            _(
                "This link is not valid. Check that you copied all of it, or ask the store "
                "that sent it for a new link."
            )
        ) from None
    supplier_id = data.get("s") if isinstance(data, dict) else None
    supplier = db.session.get(Supplier, supplier_id) if isinstance(supplier_id, int) else None
    if supplier is None:
        raise InvalidLink(_("This link no longer works. Ask the store for a new link."))
    shop = db.session.get(Shop, supplier.shop_id)
    retailer = retailer_name(shop)
    if not hmac.compare_digest(supplier.portal_key, str(data.get("k", ""))):
        raise InvalidLink(
            _("%(store)s has revoked this link. Ask them for a new one.", store=retailer),
            retailer=retailer,
        )
    if supplier.channel not in channels or not shop.is_installed:
        raise InvalidLink(
            _(
                "%(store)s no longer sends you orders through this portal. Contact them "
                "if you expected otherwise.",
                store=retailer,
            ),
            retailer=retailer,
        )
    return supplier


def _sender(raw_payload) -> str:
    """Who sent an expired (but genuine: its signature checked out) link, so the supplier
    knows whom to ask."""
    try:
        payload = _serializer().load_payload(raw_payload)
    except BadPayload:
        payload = None
    supplier_id = payload.get("s") if isinstance(payload, dict) else None
    supplier = db.session.get(Supplier, supplier_id) if isinstance(supplier_id, int) else None
    return retailer_name(shop_of(supplier)) if supplier else _("the store that sent it")


@unit_of_work
def revoke_links(supplier: Supplier) -> None:
    """Every link sent so far stops working; the merchant sends the new one."""
    supplier.portal_key = secrets.token_hex(16)


def retailer_name(shop: Shop) -> str:
    return shop.name or shop.domain.removesuffix(".myshopify.com")


def shop_of(supplier: Supplier) -> Shop:
    return db.session.get(Shop, supplier.shop_id)


# -- what the supplier sees ------------------------------------------------------------------


def _visible(supplier: Supplier):
    """Only this supplier's orders of this retailer, and only once they were sent to it."""
    return (
        SupplierOrder.shop_id == supplier.shop_id,
        SupplierOrder.supplier_id == supplier.id,
        SupplierOrder.forwarded_at.is_not(None),
        SupplierOrder.status.in_(STATUSES),
    )


@dataclass
class OrdersPage:
    rows: list[SupplierOrder]
    counts: dict[str, int]
    status: str
    page: int
    pages: int


def orders_page(supplier: Supplier, status: str | None, page: int = 1) -> OrdersPage:
    """New requests first, then what is left to ship, then the rest; newest first in each."""
    status = status if status in FILTERS else "all"
    by_status = dict(
        db.session.execute(
            select(SupplierOrder.status, func.count())
            .where(*_visible(supplier))
            .group_by(SupplierOrder.status)
        ).all()
    )
    counts = {key: sum(by_status.get(s, 0) for s in wanted) for key, wanted in FILTERS.items()}
    counts["all"] = sum(by_status.values())
    pages = max(1, math.ceil(counts[status] / PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = select(SupplierOrder).where(*_visible(supplier))
    if status != "all":
        query = query.where(SupplierOrder.status.in_(FILTERS[status]))
    urgency = case(
        (SupplierOrder.status == "requested", 0),
        (SupplierOrder.status.in_(FILTERS["to_ship"]), 1),
        else_=2,
    )
    rows = db.session.scalars(
        query.options(selectinload(SupplierOrder.order).selectinload(Order.line_items))
        .order_by(urgency, SupplierOrder.forwarded_at.desc(), SupplierOrder.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return OrdersPage(list(rows), counts, status, page, pages)


def supplier_order_of(supplier: Supplier, supplier_order_id: int, *, lock=False) -> SupplierOrder:
    """Another supplier's order, or one not sent to this supplier, is simply not found."""
    query = select(SupplierOrder).where(SupplierOrder.id == supplier_order_id, *_visible(supplier))
    supplier_order = db.session.scalar(query.with_for_update() if lock else query)
    if supplier_order is None:
        raise NotFound(_("This order does not exist, or it is not yours to see."))
    return supplier_order


def parcel_of(supplier: Supplier, parcel_id: int) -> Parcel:
    parcel = db.session.scalar(
        select(Parcel)
        .join(SupplierOrder, SupplierOrder.id == Parcel.supplier_order_id)
        .where(Parcel.id == parcel_id, *_visible(supplier))
        .with_for_update(of=Parcel)
    )
    if parcel is None:
        raise NotFound(_("This parcel does not exist, or it is not yours to see."))
    return parcel


def actions(supplier_order: SupplierOrder) -> list[str]:
    """What the supplier may do now, from the status table (accept, decline, ship)."""
    allowed = []
    if states.can("supplier_accept", supplier_order.status):
        allowed.append("accept")
    if states.can("supplier_reject", supplier_order.status) and not supplier_order.parcels:
        allowed.append("decline")
    if supplier_order.status in shipments.SHIPPABLE and any(
        left > 0 for left in shipments.remaining_quantities(supplier_order).values()
    ):
        allowed.append("ship")
    return allowed


def status_label(supplier_order: SupplierOrder) -> str:
    return _(STATUSES[supplier_order.status][0])


def item_count(supplier_order: SupplierOrder) -> int:
    return sum(line.quantity for line in supplier_order.line_items)
