"""A shop's Relay settings: one place for their names, defaults and validation.

Stored as JSON on Shop.settings; read through `settings_of(shop)` so every caller sees the
defaults for keys a shop never set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from flask_babel import gettext as _

from domain.errors import InvalidInput
from domain.orders.timeline import N_


@dataclass(frozen=True)
class ShopSettings:
    # Pull only paid orders from the store, or all orders (Syncee offers both).
    paid_only: bool = False
    # Fraud hold: minutes a paid order waits before it is forwarded (Collective: 2).
    hold_minutes: int = 2
    # An order sent to the supplier with no tracking after this many days counts as late.
    late_after_days: int = 7
    # Collective's rule: a paid supplier that has not shipped this many days after a
    # cancellation request is cancelled automatically.
    auto_cancel_days: int = 14
    # An automatically paid supplier's money is released to it (paid out) this many days after
    # its part of the order shipped; until then a refund is taken back from its next payout.
    payout_delay_days: int = 7
    # Shops that capture payment at fulfillment: their orders stay AUTHORIZED until shipped, so
    # with this off they never count as paid and never go to a supplier.
    forward_authorized: bool = False
    # Issue 16, which events the merchant is emailed about (the board shows them all anyway).
    notify_supplier_declined: bool = True  # a supplier declined an order or a cancellation
    notify_payment_failed: bool = True  # an automatic payment to a supplier failed
    notify_supplier_message: bool = True  # a supplier wrote a message
    notify_jobs_attention: bool = True  # work Relay could not finish needs the merchant


LIMITS = {
    "hold_minutes": (0, 1440),
    "late_after_days": (1, 90),
    "auto_cancel_days": (1, 90),
    "payout_delay_days": (0, 90),
}
# The settings form's labels, named in its error messages.
LABELS = {
    "hold_minutes": N_("Hold window"),
    "late_after_days": N_("Late after"),
    "auto_cancel_days": N_("Cancel automatically after"),
    "payout_delay_days": N_("Pay out suppliers after"),
    "forward_authorized": N_("Forward authorized (not yet captured) orders"),
    "notify_supplier_declined": N_("A supplier declines an order or a cancellation"),
    "notify_payment_failed": N_("An automatic payment to a supplier fails"),
    "notify_supplier_message": N_("A supplier sends a message"),
    "notify_jobs_attention": N_("Work Relay could not finish needs you"),
}


def settings_of(shop) -> ShopSettings:
    stored = shop.settings or {}
    known = {f.name for f in fields(ShopSettings)}
    return ShopSettings(**{k: v for k, v in stored.items() if k in known})


def validated(values: dict) -> ShopSettings:
    """Build settings from form-ish input; raise InvalidInput naming the bad field."""
    parsed = {}
    for f in fields(ShopSettings):
        if f.name not in values:
            continue
        raw = values[f.name]
        if f.type in ("bool", bool):
            parsed[f.name] = raw in (True, "1", "on", "true", "yes")
            continue
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise InvalidInput(
                _("%(field)s must be a whole number.", field=_(LABELS[f.name]))
            ) from None
        low, high = LIMITS[f.name]
        if not low <= number <= high:
            raise InvalidInput(
                _(
                    "%(field)s must be between %(low)d and %(high)d.",
                    field=_(LABELS[f.name]),
                    low=low,
                    high=high,
                )
            )
        parsed[f.name] = number
    return ShopSettings(**parsed)


def save(shop, new: ShopSettings) -> None:
    shop.settings = {**(shop.settings or {}), **asdict(new)}
