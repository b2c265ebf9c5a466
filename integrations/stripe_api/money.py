"""Decimal amounts <-> Stripe's integer minor units, by Stripe's currency rules
(https://docs.stripe.com/currencies#zero-decimal).

- Zero-decimal currencies (JPY, KRW, ...): the amount is whole units.
- Three-decimal currencies (BHD, JOD, KWD, OMR, TND): three decimals, and Stripe requires the
  last digit to be 0, so amounts are rounded to the nearest 10 minor units.
- ISK is sent with two decimals but must be whole krónur (a multiple of 100).
- HUF and TWD are two-decimal for charges (Stripe only pays them out in whole units).
Rounding is half-up, as a price list would."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
WHOLE_UNITS_IN_TWO_DECIMALS = frozenset({"ISK"})


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def _step(code: str) -> int:
    if code in THREE_DECIMAL:
        return 10
    return 100 if code in WHOLE_UNITS_IN_TWO_DECIMALS else 1


def to_minor(amount: Decimal, currency: str) -> int:
    code = currency.upper()
    scaled = Decimal(amount) * (10 ** exponent(code))
    step = _step(code)
    units = (scaled / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(units) * step


def from_minor(n: int, currency: str) -> Decimal:
    places = exponent(currency)
    return (Decimal(int(n)) / (10**places)).quantize(Decimal(1).scaleb(-places))
