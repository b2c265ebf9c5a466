"""Status axes and their transition tables. Only `advance` changes a status, and the UI asks
`allowed_actions` which buttons to show, so buttons never disagree with the rules.

Relay's supplier-order status is the plain-language axis merchants see. The store's own
fulfillment status (Shopify's displayFulfillmentStatus) is mirrored beside it, unchanged.
Later capabilities (requesting fulfillment, cancellations, refunds) add rows and actions here.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError
from domain.models.shop import utcnow


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    tone: str  # Polaris badge tone: success | attention | critical | info | neutral


STATUSES = {
    s.key: s
    for s in [
        Status("awaiting_payment", "Awaiting payment", "attention"),
        Status("unassigned", "No supplier", "critical"),
        Status("ready", "Ready to request", "info"),
        Status("requested", "Requested", "info"),
        Status("in_progress", "In progress", "info"),
        Status("partially_shipped", "Partially shipped", "attention"),
        Status("shipped", "Shipped", "success"),
        Status("declined", "Request declined", "critical"),
        Status("cancelled", "Cancelled", "neutral"),
    ]
}

# event -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "paid": {"awaiting_payment": "ready"},
    "supplier_assigned": {"unassigned": "ready"},
    "supplier_unassigned": {"ready": "unassigned", "awaiting_payment": "unassigned"},
    "store_in_progress": {"ready": "in_progress", "requested": "in_progress"},
    "store_partially_fulfilled": {
        s: "partially_shipped" for s in ("ready", "requested", "in_progress", "awaiting_payment")
    },
    "store_fulfilled": {
        s: "shipped"
        for s in ("ready", "requested", "in_progress", "partially_shipped", "awaiting_payment")
    },
    "store_request_declined": {"requested": "declined", "in_progress": "declined"},
    "cancelled": {s: "cancelled" for s in STATUSES if s not in ("shipped", "cancelled")},
}

# Row actions offered per status. Issue #5 adds "request_fulfillment" for ready orders.
ACTIONS: dict[str, list[str]] = {
    "unassigned": ["assign_supplier"],
}
ACTION_LABELS = {"assign_supplier": "Map SKUs to a supplier"}


def initial_status(*, paid: bool, has_supplier: bool) -> str:
    if not has_supplier:
        return "unassigned"
    return "ready" if paid else "awaiting_payment"


def can(event: str, status: str) -> bool:
    return status in TRANSITIONS.get(event, {})


def advance(supplier_order, event: str) -> bool:
    """Apply an event if the table allows it from the current status; True when it moved."""
    target = TRANSITIONS.get(event, {}).get(supplier_order.status)
    if target is None or target == supplier_order.status:
        return False
    supplier_order.status = target
    supplier_order.status_changed_at = utcnow()
    return True


def require(event: str, supplier_order) -> None:
    if not can(event, supplier_order.status):
        label = STATUSES[supplier_order.status].label.lower()
        raise DomainError(f"This order is {label}; that action is not possible now.")


def allowed_actions(supplier_order) -> list[str]:
    return list(ACTIONS.get(supplier_order.status, []))


# Shopify's displayFulfillmentStatus (and the REST fulfillment_status) as the store shows it.
STORE_STATUS_TONES = {
    "UNFULFILLED": "attention",
    "PARTIALLY_FULFILLED": "attention",
    "FULFILLED": "neutral",
    "IN_PROGRESS": "info",
    "ON_HOLD": "attention",
    "OPEN": "attention",
    "PENDING_FULFILLMENT": "info",
    "REQUEST_DECLINED": "critical",
    "RESTOCKED": "neutral",
    "SCHEDULED": "info",
}
STORE_STATUS_EVENTS = {
    "IN_PROGRESS": "store_in_progress",
    "PARTIALLY_FULFILLED": "store_partially_fulfilled",
    "FULFILLED": "store_fulfilled",
    "REQUEST_DECLINED": "store_request_declined",
}
