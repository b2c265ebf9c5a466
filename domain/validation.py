"""Form input checks shared by the supplier, mapping and settings pages.

Each parser returns the clean value or raises FieldError with a message fit to show beside
the field; `InvalidInput` (domain.errors) carries every field's message at once so a form shows
them together.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from babel.core import get_global
from babel.numbers import get_territory_currencies
from flask_babel import gettext as _

from domain.errors import InvalidInput
from domain.money.amounts import currency_decimals, fits_currency, round_to_currency

MAX_MONEY = Decimal("999999999999.999")  # MONEY, Numeric(15, 3): 12 digits before the point
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# ISO 4217 codes in use today (legal tender somewhere), from Babel's CLDR data: historical
# codes such as DEM or test codes such as XXX are refused.
CURRENCIES = frozenset(
    code
    for territory in get_global("territory_currencies")
    for code in get_territory_currencies(territory, tender=True)
)


class FieldError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Collector:
    """Run field parsers, keep the clean values and the messages of the ones that failed."""

    def __init__(self):
        self.values: dict = {}
        self.errors: dict[str, str] = {}

    def take(self, name: str, parse, *args, **kwargs):
        try:
            self.values[name] = parse(*args, **kwargs)
        except FieldError as exc:
            self.errors[name] = exc.message
        return self.values.get(name)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(errors=self.errors)


def text(raw, *, required: bool = False, max_length: int = 255, label: str = "") -> str | None:
    value = " ".join(str(raw or "").split())
    if not value:
        if required:
            raise FieldError(_("%(label)s is required.", label=label))
        return None
    if len(value) > max_length:
        raise FieldError(_("Keep it under %(n)s characters.", n=max_length))
    return value


def web_url(raw) -> str | None:
    value = str(raw or "").strip()
    if not value:
        return None
    if len(value) > 500 or any(c.isspace() for c in value):
        raise FieldError(_("Enter a web address like https://supplier.example.com."))
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FieldError(_("Only http:// or https:// web addresses are accepted."))
    return value


def currency(raw, *, default: str | None = None) -> str:
    value = str(raw or "").strip().upper()
    if not value and default:
        return default
    if len(value) != 3 or value not in CURRENCIES:
        raise FieldError(
            _("“%(code)s” is not an ISO 4217 currency code (e.g. USD, EUR, HUF).", code=value[:12])
        )
    return value


def email(raw) -> str | None:
    value = str(raw or "").strip().lower()
    if not value:
        return None
    if len(value) > 255 or not EMAIL.match(value):
        raise FieldError(_("Enter an email address like orders@supplier.example."))
    return value


def money(raw, currency: str | None = None) -> Decimal | None:
    """A non-negative amount with at most the currency's decimals (2 when it is not known yet);
    "4,50" is read as 4.50."""
    value = str(raw or "").strip().replace(" ", "")
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FieldError(_("Enter an amount like 12.50.")) from None
    if not amount.is_finite():
        raise FieldError(_("Enter an amount like 12.50."))
    if amount < 0:
        raise FieldError(_("A cost cannot be negative."))
    if amount > MAX_MONEY:
        raise FieldError(_("That amount is too large."))
    if not fits_currency(amount, currency):
        raise FieldError(_too_many_decimals(currency))
    return round_to_currency(amount, currency)


def _too_many_decimals(currency: str | None) -> str:
    digits = currency_decimals(currency)
    if digits == 2:
        return _("Use at most two decimals.")
    if digits == 0:
        return _("%(currency)s amounts have no decimals.", currency=currency)
    return _("%(currency)s amounts have at most %(num)d decimals.", currency=currency, num=digits)


def choice(raw, options, *, label: str = "") -> str:
    value = str(raw or "").strip()
    if value not in options:
        raise FieldError(_("Choose one of the %(label)s options.", label=label))
    return value
