"""The refund form's values read as money and counts, each with a message naming its field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from domain.money.amounts import currency_decimals, fits_currency

ZERO = Decimal("0")

MAX_AMOUNT_DIGITS = 15  # digits before the decimal point


def parse_money(raw, currency: str, label: str) -> Decimal:
    """A non-negative amount with at most the currency's decimal places; blank is zero."""
    text = str(raw or "").strip().replace(" ", "")
    if not text:
        return ZERO
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma (fr, hu)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(field)s must be an amount, like 12.50.", field=label)) from None
    if not amount.is_finite() or (amount and amount.adjusted() >= MAX_AMOUNT_DIGITS):
        # Beyond any order's total, and beyond what the Decimal context can quantize.
        raise ValueError(_("%(field)s must be an amount, like 12.50.", field=label))
    if amount < 0:
        raise ValueError(_("%(field)s cannot be negative.", field=label))
    if not fits_currency(amount, currency):
        digits = currency_decimals(currency)
        if digits == 0:
            raise ValueError(
                _("%(field)s: %(currency)s has no decimals.", field=label, currency=currency)
            )
        raise ValueError(
            _(
                "%(field)s: %(currency)s has at most %(num)d decimals.",
                field=label,
                currency=currency,
                num=digits,
            )
        )
    return amount


def parse_quantity(raw, label: str) -> int:
    text = str(raw or "").strip()
    if not text:
        return 0
    try:
        number = int(text)
    except ValueError:
        raise ValueError(_("%(field)s must be a whole number.", field=label)) from None
    if number < 0:
        raise ValueError(_("%(field)s cannot be negative.", field=label))
    return number
