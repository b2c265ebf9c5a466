"""The order timeline: every event, who did it, when.

Messages are stored as English templates with %(name)s placeholders plus their values, and
translated when shown (`timeline_message` filter), so a merchant reads them in the admin's
language whatever language the worker that wrote them spoke. Wrap templates in N_ so
scripts/i18n.sh extracts them.
"""

from __future__ import annotations

import contextlib
from datetime import date

from flask_babel import format_date, gettext

from domain.models.orders import Order, OrderEvent
from extensions import db

ACTORS = ("shopify", "merchant", "supplier", "relay")


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional marker name)
    """Mark a message template for extraction without translating it now."""
    return message


# An event without an actor_name shows its actor: `_(event.actor|capitalize)` in the drawer.
ACTOR_LABELS = (N_("Shopify"), N_("Merchant"), N_("Supplier"), N_("Relay"))


def record(
    order: Order,
    kind: str,
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
        kind=kind,
        message=message,
        data=data,
    )
    db.session.add(event)
    return event


# Values that are English labels themselves (the store's status, stored lowercase as
# "partially fulfilled"): shown in the message's language too.
LABEL_VALUES = ("status",)


def render_message(event: OrderEvent) -> str:
    """The event's message in the current language, placeholders filled in."""
    values = {k: v for k, v in (event.data or {}).items() if isinstance(v, str | int | float)}
    for key in LABEL_VALUES:
        if isinstance(values.get(key), str):
            label = values[key].capitalize()
            translated = gettext(label)
            if translated != label:
                values[key] = translated.lower()
    if isinstance(values.get("date"), str):  # stored as YYYY-MM-DD, shown in the locale's way
        with contextlib.suppress(ValueError):
            values["date"] = format_date(date.fromisoformat(values["date"]), "medium")
    try:
        return gettext(event.message, **values)
    except (KeyError, ValueError, TypeError):
        return event.message
