"""The order timeline: every event, its kind (EventKind), who did it, when.

Messages are stored as English templates with %(name)s placeholders plus their values, and
translated when shown (`timeline_message` filter), so a merchant reads them in the admin's
language whatever language the worker that wrote them spoke. Wrap templates in N_ so
scripts/i18n.sh extracts them.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from babel.numbers import get_currency_symbol
from flask_babel import format_date, get_locale, gettext

from domain.models.orders import Order, OrderEvent
from domain.money.amounts import format_money
from extensions import db

ACTORS = ("shopify", "merchant", "supplier", "relay")


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional marker name)
    """Mark a message template for extraction without translating it now."""
    return message


# An event without an actor_name shows its actor: `_(event.actor|capitalize)` in the drawer.
ACTOR_LABELS = (N_("Shopify"), N_("Merchant"), N_("Supplier"), N_("Relay"))


class EventKind(StrEnum):
    """What happened, one name per kind of event. The values are what order_events.kind
    stores: never change one (rows written with it stay readable), add a new one instead."""

    # The order in the store (sync)
    CREATED = "created"
    PAID = "paid"
    STORE_STATUS = "store_status"
    CANCELLED = "cancelled"
    ADDRESS_CHANGED = "address_changed"
    ADDRESS_CHANGED_AFTER_FORWARD = "address_changed_after_forward"
    # Changed in the store after it was sent to a supplier (domain/orders/store_changes.py)
    FULFILLED_BY_MERCHANT = "fulfilled_by_merchant"
    CANCELLED_AFTER_FORWARD = "cancelled_after_forward"
    DELETED_IN_STORE = "deleted_in_store"
    CUSTOMER_REDACTED = "customer_redacted"
    QUANTITIES_CHANGED_AFTER_FORWARD = "quantities_changed_after_forward"
    FOLLOW_UP_PART = "follow_up_part"
    PART_EMPTIED = "part_emptied"
    # Routing to suppliers
    REROUTED = "rerouted"
    REROUTE_BLOCKED = "reroute_blocked"
    SUPPLIER_DELETED = "supplier_deleted"
    # Shopify's locations: lines moved to or away from Relay's location
    MOVED_TO_RELAY = "moved_to_relay"
    MOVED_FROM_RELAY = "moved_from_relay"
    MOVED_AWAY_AFTER_SENT = "moved_away_after_sent"
    SHARED_REQUEST_SPLIT = "shared_request_split"
    STORE_REFUSED_ANSWER = "store_refused_answer"
    # Fulfillment: requested, forwarded, answered, shipped
    FULFILLMENT_REQUESTED = "fulfillment_requested"
    HELD = "held"
    RELEASED = "released"
    HELD_IN_STORE = "held_in_store"
    # Issue 14: Shopify's holds (reason, notes) and scheduled deliveries
    STORE_HOLD_ADDED = "store_hold_added"
    STORE_HOLD_RELEASED = "store_hold_released"
    DELIVERY_SCHEDULED = "delivery_scheduled"
    DELIVERY_FORWARDED = "delivery_forwarded"
    TRACKING_RETRIED = "tracking_retried"
    FORWARDED = "forwarded"
    FORWARD_FAILED = "forward_failed"
    AWAITING_SUPPLIER = "awaiting_supplier"
    ORDER_ON_WEBSITE = "order_on_website"
    REQUEST_DECLINED_BY_RELAY = "request_declined_by_relay"
    SUPPLIER_ACCEPTED = "supplier_accepted"
    SUPPLIER_DECLINED = "supplier_declined"
    SUPPLIER_CANCELLED_IN_STORE = "supplier_cancelled_in_store"
    SHIPPED = "shipped"
    TRACKING_UPDATED = "tracking_updated"
    TRACKING_PUSHED = "tracking_pushed"
    TRACKING_REJECTED = "tracking_rejected"
    SUPPLIER_SHIPMENT_REFUSED = "supplier_shipment_refused"
    # Cancellation requests, and their steps in the store and the supplier's store
    CANCELLATION_REQUESTED = "cancellation_requested"
    CANCELLED_BEFORE_FORWARD = "cancelled_before_forward"
    CANCELLATION_ACCEPTED = "cancellation_accepted"
    CANCELLATION_DECLINED = "cancellation_declined"
    AUTO_CANCELLED = "auto_cancelled"
    CANCEL_ON_WEBSITE = "cancel_on_website"
    ADMIN_CANCELLATION_REFUSED = "admin_cancellation_refused"
    ORDER_CANCEL_RESOLVED = "order_cancel_resolved"
    CANCELLATION_SENT_TO_STORE = "cancellation_sent_to_store"
    CANCELLATION_SHOWN_IN_SUPPLIER_STORE = "cancellation_shown_in_supplier_store"
    FULFILLMENT_REQUEST_WITHDRAWN = "fulfillment_request_withdrawn"
    CANCELLATION_ACCEPTED_IN_STORE = "cancellation_accepted_in_store"
    CANCELLED_IN_SUPPLIER_STORE = "cancelled_in_supplier_store"
    ORDER_CANCELLED_IN_STORE = "order_cancelled_in_store"
    CANCELLATION_REJECTED_IN_STORE = "cancellation_rejected_in_store"
    CANCELLATION_REFUSED_BY_STORE = "cancellation_refused_by_store"
    # Money
    SUPPLIER_PAID = "supplier_paid"
    SUPPLIER_PAYMENT_FAILED = "supplier_payment_failed"
    MONEY_TAKEN_BACK = "money_taken_back"
    REFUND_RECORDED = "refund_recorded"
    SUPPLIER_OWES = "supplier_owes"
    SUPPLIER_REFUND_RECEIVED = "supplier_refund_received"
    SUPPLIER_PAID_OUT = "supplier_paid_out"
    # Issue 16: messages between the merchant and a supplier, notes to the customer
    MESSAGE_FROM_MERCHANT = "message_from_merchant"
    MESSAGE_FROM_SUPPLIER = "message_from_supplier"
    CUSTOMER_NOTE = "customer_note"


def record(
    order: Order,
    kind: EventKind,
    message: str,
    *,
    actor: str = "relay",
    actor_name: str | None = None,
    **data,
) -> OrderEvent:
    event = OrderEvent(
        order=order,
        shop_id=order.shop_id,
        actor=actor,
        actor_name=actor_name,
        kind=EventKind(kind).value,  # a kind without a name is a programming error
        message=message,
        data=data,
    )
    db.session.add(event)
    return event


# Values that are English labels themselves (the store's status, stored lowercase as
# "partially fulfilled"): shown in the message's language too.
LABEL_VALUES = ("status", "hold_reason")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """A sum for a message's values: stored as figures, formatted in the reader's locale when
    shown ("34 Ft", "9,90 €"), like the rest of the page."""
    return {"money": str(amount), "currency": currency}


# Events written before money() stored the English text ("HUF34.00", "€9.90") in these keys.
LEGACY_MONEY_KEYS = ("amount", "shipping", "total")
LEGACY_MONEY = re.compile(r"(-?)([A-Z]{3}|[^\d\s.,-]{1,3})\s?(\d[\d,]*(?:\.\d+)?)")
# The quotes each language puts around a quotation (CLDR delimiters).
QUOTES = {"fr": ("«\u00a0", "\u00a0»"), "hu": ("„", "”"), "en": ("“", "”")}


def _language() -> str:
    return str(get_locale() or "en")


def _money_text(value, currency: str | None) -> str | None:
    """A stored sum in the reader's locale, or None if `value` is not one."""
    if isinstance(value, dict) and "money" in value:
        figures, currency = value.get("money"), value.get("currency")
    elif isinstance(value, str) and (match := LEGACY_MONEY.fullmatch(value.strip())):
        sign, prefix, figures = match.groups()
        if len(prefix) != 3 or not prefix.isupper():
            if not currency or get_currency_symbol(currency, "en") != prefix:
                return None
            prefix = currency
        currency, figures = prefix, sign + figures.replace(",", "")
    else:
        return None
    try:
        return format_money(Decimal(str(figures)), str(currency), _language())
    except (InvalidOperation, ValueError, TypeError):
        return None


def _quoted(text: str) -> str:
    """A reason stored as “…” (English quotes) shown with the reader's quotes."""
    if len(text) >= 2 and text[0] == "“" and text[-1] == "”":
        start, end = QUOTES.get(_language().split("_")[0], QUOTES["en"])
        return f"{start}{text[1:-1]}{end}"
    return text


def render_message(event: OrderEvent) -> str:
    """The event's message in the current language, placeholders filled in."""
    currency = getattr(getattr(event, "order", None), "currency", None)
    values = {}
    for key, value in (event.data or {}).items():
        shown = (
            _money_text(value, currency)
            if isinstance(value, dict) or key in LEGACY_MONEY_KEYS
            else None
        )
        if shown is not None:
            values[key] = shown
        elif isinstance(value, str | int | float):
            values[key] = _quoted(value) if key == "reason" and isinstance(value, str) else value
    for key in LABEL_VALUES:
        if isinstance(values.get(key), str):
            label = values[key].capitalize()
            translated = gettext(label)
            if translated != label:
                values[key] = translated.lower()
    if isinstance(values.get("store_reason"), str):  # one of Relay's words for Shopify's
        values["store_reason"] = gettext(values["store_reason"])
    if isinstance(values.get("date"), str):  # stored as YYYY-MM-DD, shown in the locale's way
        with contextlib.suppress(ValueError):
            values["date"] = format_date(date.fromisoformat(values["date"]), "medium")
    try:
        return gettext(event.message, **values)
    except (KeyError, ValueError, TypeError):
        return event.message
