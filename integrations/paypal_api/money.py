"""Amounts as PayPal writes them: a string with exactly the currency's decimals."""

from __future__ import annotations

from decimal import Decimal

# PayPal's currency codes (developer.paypal.com/reference/currency-codes); HUF, JPY and TWD
# take no decimals. KWD, BHD... are not PayPal currencies: PayPal answers CURRENCY_NOT_SUPPORTED.
SUPPORTED_CURRENCIES = frozenset(
    {"AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
     "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD"}
)  # fmt: skip
NO_DECIMALS = frozenset({"HUF", "JPY", "TWD"})
# ISO 4217 exponents of currencies PayPal does not take, so the request still says the amount
# exactly and PayPal's own refusal (CURRENCY_NOT_SUPPORTED) reaches the caller.
ISO_THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
ISO_NO_DECIMALS = frozenset({"CLP", "ISK", "KRW", "PYG", "UGX", "VND", "XAF", "XOF"})


def decimals(currency: str) -> int:
    currency = currency.upper()
    if currency in NO_DECIMALS or currency in ISO_NO_DECIMALS:
        return 0
    return 3 if currency in ISO_THREE_DECIMALS else 2


def amount_string(amount: Decimal, currency: str) -> str:
    """ "12.50" for EUR, "1500" for JPY; ValueError rather than rounding money away."""
    places = decimals(currency)
    exact = Decimal(amount).quantize(Decimal(1).scaleb(-places))
    if exact != amount:
        raise ValueError(f"{amount} {currency} has more decimals than {currency} takes ({places})")
    if exact <= 0:
        raise ValueError(f"a PayPal amount must be positive, not {amount}")
    return f"{exact:.{places}f}"
