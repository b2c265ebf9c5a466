"""Status axes and their transition tables. Only `advance` changes a status, and the UI asks
`allowed_actions` which buttons to show, so buttons never disagree with the rules.

Relay's supplier-order status is the plain-language axis merchants see. The store's own
fulfillment status (Shopify's displayFulfillmentStatus) is mirrored beside it, unchanged.

The life of a supplier order: awaiting_payment -> ready -> (Request Fulfillment) scheduled ->
(hold window over) requested -> (supplier accepts) in_progress -> partially_shipped -> shipped.
Hold/release, decline and cancellation requests branch off that line.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from domain.clock import utcnow
from domain.errors import WrongState
from domain.orders.timeline import N_
from domain.payments import gate


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    tone: str  # Polaris badge tone: success | attention | critical | info | neutral


STATUSES = {
    s.key: s
    for s in [
        Status("awaiting_payment", N_("Awaiting customer payment"), "attention"),
        Status("unassigned", N_("No supplier"), "critical"),
        Status("ready", N_("Ready to request"), "info"),
        Status("scheduled", N_("Sending soon"), "info"),
        Status("on_hold", N_("On hold"), "attention"),
        Status("requested", N_("Sent to supplier"), "info"),
        Status("in_progress", N_("In progress"), "info"),
        Status("partially_shipped", N_("Partially shipped"), "attention"),
        Status("shipped", N_("Shipped"), "success"),
        Status("declined", N_("Request declined"), "critical"),
        # The supplier cancelled, in its own store, the order Relay placed there (nothing asked).
        Status("supplier_cancelled", N_("Cancelled by the supplier"), "critical"),
        Status("cancellation_requested", N_("Cancellation requested"), "attention"),
        Status("cancelled", N_("Cancelled"), "neutral"),
    ]
}

# Sent to the supplier and not finished: the supplier is working on it.
WITH_SUPPLIER = ("requested", "in_progress", "partially_shipped")
# Not yet sent: the merchant can still change the address, hold or cancel freely.
# A part the supplier cancelled in its store counts as not sent: nobody ships it any more.
BEFORE_FORWARD = (
    "awaiting_payment",
    "unassigned",
    "ready",
    "scheduled",
    "on_hold",
    "declined",
    "supplier_cancelled",
)

# Cancelled at once when the merchant asks: no supplier has the order yet.
CANCELLABLE_AT_ONCE = (
    "awaiting_payment",
    "ready",
    "scheduled",
    "on_hold",
    "declined",
    "supplier_cancelled",
)

# The supplier can be paid once the merchant decided to order from it, until it is over.
PAYABLE = ("ready", "scheduled", "on_hold", *WITH_SUPPLIER, "shipped", "cancellation_requested")

# event -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "paid": {"awaiting_payment": "ready"},
    "supplier_assigned": {"unassigned": "ready"},
    "supplier_assigned_unpaid": {"unassigned": "awaiting_payment"},
    "supplier_unassigned": {
        s: "unassigned"
        for s in (
            "ready",
            "awaiting_payment",
            "scheduled",
            "on_hold",
            "declined",
            "supplier_cancelled",
        )
    },
    # Request Fulfillment (grid, bulk, Shopify admin or auto-place): wait out the hold window.
    "request_fulfillment": {"ready": "scheduled", "declined": "scheduled"},
    "hold": {"ready": "on_hold", "scheduled": "on_hold"},
    "release": {"on_hold": "ready"},
    "forward": {"scheduled": "requested"},
    "forward_failed": {"scheduled": "ready"},
    "supplier_accept": {"requested": "in_progress"},
    "supplier_reject": {"requested": "declined", "in_progress": "declined"},
    # A store supplier cancelled the order in its own store with no cancellation asked.
    "supplier_cancelled_in_store": {
        "requested": "supplier_cancelled",
        "in_progress": "supplier_cancelled",
    },
    "ship_part": {s: "partially_shipped" for s in WITH_SUPPLIER},
    "ship_all": {s: "shipped" for s in (*WITH_SUPPLIER, "cancellation_requested")},
    "request_cancellation": {s: "cancellation_requested" for s in WITH_SUPPLIER},
    "cancellation_accepted": {"cancellation_requested": "cancelled"},
    "cancellation_declined": {"cancellation_requested": "in_progress"},
    # Declined after part of it shipped: back to where it was.
    "cancellation_declined_partly_shipped": {"cancellation_requested": "partially_shipped"},
    # Not sent to a supplier yet: the merchant cancels it at once, no consent needed.
    "cancel_before_forward": {s: "cancelled" for s in CANCELLABLE_AT_ONCE},
    # Not sent yet, and every item of it removed (order edit) or refunded in the store.
    "emptied_in_store": {s: "cancelled" for s in CANCELLABLE_AT_ONCE},
    # The store's own fulfillment status, mirrored (a fulfillment made outside Relay).
    "store_in_progress": {"ready": "in_progress", "requested": "in_progress"},
    "store_partially_fulfilled": {
        s: "partially_shipped"
        for s in ("ready", "scheduled", "requested", "in_progress", "awaiting_payment")
    },
    "store_fulfilled": {
        s: "shipped"
        for s in (
            "ready",
            "scheduled",
            "requested",
            "in_progress",
            "partially_shipped",
            "awaiting_payment",
            "cancellation_requested",
        )
    },
    "store_request_declined": {"requested": "declined", "in_progress": "declined"},
    "store_on_hold": {"ready": "on_hold", "scheduled": "on_hold"},
    "cancelled": {s: "cancelled" for s in STATUSES if s not in ("shipped", "cancelled")},
}

# Where a declined cancellation request leaves the supplier order: the supplier ships it.
AFTER_DECLINED_CANCELLATION = tuple(
    TRANSITIONS[event]["cancellation_requested"]
    for event in ("cancellation_declined", "cancellation_declined_partly_shipped")
)
# Whether the supplier was paid matters wherever it can be paid, and once it declined too
# (paid before it declined).
SUPPLIER_PAYMENT_SHOWN = (*PAYABLE, "declined", "supplier_cancelled")

# Row actions offered per status (channel-specific ones are filtered in allowed_actions).
ACTIONS: dict[str, list[str]] = {
    "unassigned": ["assign_supplier"],
    "awaiting_payment": ["request_cancellation"],
    "ready": ["request_fulfillment", "hold", "request_cancellation"],
    "scheduled": ["hold", "request_cancellation"],
    "on_hold": ["release", "request_cancellation"],
    "declined": ["request_fulfillment", "request_cancellation"],
    # Next steps: another supplier for its SKUs (re-routed at once), or cancel and refund.
    "supplier_cancelled": ["choose_supplier", "request_cancellation"],
    "requested": ["mark_ordered", "add_tracking", "request_cancellation"],
    "in_progress": ["add_tracking", "request_cancellation"],
    "partially_shipped": ["add_tracking", "request_cancellation"],
    "cancellation_requested": ["accept_cancellation", "decline_cancellation"],
}
# Actions the merchant takes on the supplier's behalf, only for manual (non auto-order) suppliers.
MERCHANT_AS_SUPPLIER = {
    "mark_ordered",
    "add_tracking",
    "accept_cancellation",
    "decline_cancellation",
}
ACTION_LABELS = {
    "assign_supplier": N_("Map SKUs to a supplier"),
    "choose_supplier": N_("Choose another supplier"),
    "request_fulfillment": N_("Request fulfillment"),
    "hold": N_("Hold"),
    "release": N_("Release hold"),
    "mark_ordered": N_("Mark as ordered"),
    "add_tracking": N_("Add tracking"),
    "request_cancellation": N_("Request cancellation"),
    "accept_cancellation": N_("Accept cancellation"),
    "decline_cancellation": N_("Decline cancellation"),
    "pay_supplier": N_("Mark supplier paid"),
    "pay_now": N_("Pay now"),
    "retry_tracking": N_("Send tracking again"),
}


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
        label = gettext(STATUSES[supplier_order.status].label)
        raise WrongState(
            gettext("That is not possible while the order is “%(status)s”.", status=label)
        )


def _manual(supplier) -> bool:
    """A non auto-order supplier: the merchant orders on its website for it."""
    return supplier is not None and supplier.channel == "manual"


def allowed_actions(supplier_order) -> list[str]:
    """What the merchant may do now: the status table, narrowed by the supplier's channel."""
    actions = ACTIONS.get(supplier_order.status, [])
    supplier = supplier_order.supplier
    manual = _manual(supplier)
    allowed = [a for a in actions if manual or a not in MERCHANT_AS_SUPPLIER]
    if (
        supplier is not None
        and supplier_order.supplier_paid_at is None
        and supplier_order.status in PAYABLE
    ):
        # Paid through Relay (card or PayPal) when the supplier takes it; else marked paid.
        if gate.takes_payment_through_relay(supplier):
            allowed.append("pay_now")
        elif not supplier.pays_automatically:
            allowed.append("pay_supplier")
    if supplier_order.problem and any(  # a refusal always sets the problem: no lazy load else
        parcel.push_status == "rejected" for parcel in supplier_order.parcels
    ):
        # Shopify refused a parcel (shown with its reason): once the cause is fixed in the
        # store (a hold released, an order edited back), the merchant sends it again.
        allowed.append("retry_tracking")
    return allowed


# -- what the pages ask, so they never disagree with the tables above -------------------------


def merchant_acts_for_supplier(supplier_order) -> bool:
    """A manual supplier has the order: the merchant orders it on the supplier's website and
    types in the tracking (the drawer's manual-supplier panel)."""
    return _manual(supplier_order.supplier) and supplier_order.status in WITH_SUPPLIER


def shows_supplier_payment(supplier_order) -> bool:
    """Whether "Supplier paid / not paid" is shown beside the supplier order."""
    return supplier_order.supplier is not None and supplier_order.status in SUPPLIER_PAYMENT_SHOWN


def goes_on_after_declined_cancellation(supplier_order) -> bool:
    """The supplier order is where a declined cancellation request leaves it (the request's
    "Request declined" and reason are shown beside it)."""
    return supplier_order.status in AFTER_DECLINED_CANCELLATION


def cancellable_at_once(status: str) -> bool:
    """Not sent to a supplier yet: cancelled at once, nobody's consent needed."""
    return status in CANCELLABLE_AT_ONCE


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
    # 2026-10: nothing on the order needs fulfilling (digital goods, gift cards only).
    "FULFILLMENT_NOT_REQUIRED": "neutral",
}
# Store and financial statuses are shown as `_(value|replace('_', ' ')|lower|capitalize)`:
# these markers put those English forms in the catalogs.
STORE_STATUS_WORDS = (
    N_("Unfulfilled"),
    N_("Partially fulfilled"),
    N_("Fulfilled"),
    N_("In progress"),
    N_("On hold"),
    N_("Open"),
    N_("Pending fulfillment"),
    N_("Request declined"),
    N_("Restocked"),
    N_("Scheduled"),
    N_("Fulfillment not required"),
)
FINANCIAL_STATUS_WORDS = (
    N_("Authorized"),
    N_("Expired"),
    N_("Paid"),
    N_("Partially paid"),
    N_("Partially refunded"),
    N_("Pending"),
    N_("Refunded"),
    N_("Voided"),
)
STORE_STATUS_EVENTS = {
    "IN_PROGRESS": "store_in_progress",
    "PARTIALLY_FULFILLED": "store_partially_fulfilled",
    "FULFILLED": "store_fulfilled",
    "REQUEST_DECLINED": "store_request_declined",
    "ON_HOLD": "store_on_hold",
    # FULFILLMENT_NOT_REQUIRED, SCHEDULED, OPEN, UNFULFILLED... move no supplier order: an order
    # needing no fulfillment has nothing at Relay's location, and a scheduled one is followed
    # per fulfillment order (domain/fulfillment/schedules.py).
}
