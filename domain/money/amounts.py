"""Money is Decimal, per currency, with the currency's own decimal places (JPY 0, EUR 2,
KWD 3); shown per the admin's locale (Babel's CLDR data for both)."""

from __future__ import annotations

import re
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


# CLDR's English pattern glues a currency code to the figures ("HUF100"): keep them apart.
GLUED_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?=[-\d])|(?<=\d)([A-Z]{3})(?![A-Za-z])")


def _unglued(text: str) -> str:
    return GLUED_CODE.sub(lambda m: f"{m[1]}\u00a0" if m[1] else f"\u00a0{m[2]}", text)


def format_money(amount: Decimal | None, currency: str, locale: str = "en") -> str:
    """The sum in the locale's way ("€9.90", "9,90 €", "34 Ft"); a code never glued ("HUF 100")."""
    if amount is None:
        return "—"
    try:
        return _unglued(format_currency(amount, currency, locale=_locale(locale)))
    except ValueError:
        return _unglued(format_currency(amount, currency, locale=_locale("en")))
