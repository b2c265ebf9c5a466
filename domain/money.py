"""Money is Decimal, per currency; shown per the admin's locale (Babel's CLDR data)."""

from __future__ import annotations

from decimal import Decimal

from babel.core import UnknownLocaleError
from babel.numbers import format_currency


def format_money(amount: Decimal | None, currency: str, locale: str = "en") -> str:
    if amount is None:
        return "—"
    try:
        return format_currency(amount, currency, locale=locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_currency(amount, currency, locale="en")
