"""PayPal's currencies and how it checks an amount string (currency codes reference)."""

from __future__ import annotations

import re

# https://developer.paypal.com/reference/currency-codes/ : HUF, JPY and TWD take no decimals.
CURRENCIES = frozenset(
    {"AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
     "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD"}
)  # fmt: skip
NO_DECIMALS = frozenset({"HUF", "JPY", "TWD"})
AMOUNT = re.compile(r"^\d{1,10}(\.\d+)?$")


def amount_issue(currency: str | None, value: str | None) -> tuple[str, str] | None:
    """(issue, description) PayPal answers for this amount, or None when it is acceptable."""
    if not currency or value is None:
        return "MISSING_REQUIRED_PARAMETER", "A required field / parameter is missing."
    if currency not in CURRENCIES:
        return "CURRENCY_NOT_SUPPORTED", "Currency code is not currently supported."
    if not isinstance(value, str) or not AMOUNT.match(value):
        return "INVALID_PARAMETER_SYNTAX", "The value of a field does not conform to the format."
    decimals = len(value.split(".")[1]) if "." in value else 0
    if currency in NO_DECIMALS and decimals:
        return "DECIMALS_NOT_SUPPORTED", "Currency does not support decimals."
    if decimals > 2:
        return "DECIMAL_PRECISION", "The value of the field should not be more than two decimals."
    if float(value) <= 0:
        return "CANNOT_BE_ZERO_OR_NEGATIVE", "Must be greater than zero."
    return None


def cents(value: str) -> int:
    """An amount string as hundredths (exact: the string was checked by `amount_issue`)."""
    whole, _, fraction = value.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def amount_text(hundredths: int, currency: str) -> str:
    whole, fraction = divmod(hundredths, 100)
    return str(whole) if currency in NO_DECIMALS else f"{whole}.{fraction:02d}"
