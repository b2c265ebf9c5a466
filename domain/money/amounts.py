"""Money is Decimal, per currency, with the currency's own decimal places (JPY 0, EUR 2,
KWD 3); shown per the admin's locale (Babel's CLDR data for both)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision


def currency_decimals(currency: str | None) -> int:
    """Decimal places the currency uses (CLDR via Babel): JPY 0, EUR 2, KWD 3."""
    try:
        return get_currency_precision(currency)
    except Exception:  # an unknown code: money with cents is the safe assumption
        return 2


def _smallest_unit(currency: str | None) -> Decimal:
    return Decimal(1).scaleb(-currency_decimals(currency))


def round_to_currency(amount: Decimal, currency: str | None) -> Decimal:
    """Rounded half up to the currency's decimal places."""
    return amount.quantize(_smallest_unit(currency), rounding=ROUND_HALF_UP)


def fits_currency(amount: Decimal, currency: str | None) -> bool:
    """Whether `amount` has no more decimals than the currency uses (12.345 fits KWD, not EUR).
    `amount` must be finite and within Decimal's precision once rounded (callers bound it)."""
    return amount == amount.quantize(_smallest_unit(currency))


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
