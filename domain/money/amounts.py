"""Money is Decimal, per currency; shown per the admin's locale (Babel's CLDR data)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    """Parsed once per process: parsing a locale costs more than formatting with it."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_money(amount: Decimal | None, currency: str, locale: str = "en") -> str:
    if amount is None:
        return "—"
    try:
        return format_currency(amount, currency, locale=_locale(locale))
    except ValueError:
        return format_currency(amount, currency, locale=_locale("en"))
