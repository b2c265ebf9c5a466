"""Decimal amounts <-> Stripe's minor units by Stripe's currency rules: two decimals by
default, none for JPY & co., three for KWD & co. with the last digit 0, whole krónur for ISK;
and back again without losing a unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations.stripe_api import from_minor, to_minor


@pytest.mark.parametrize(
    "amount,currency,minor",
    [
        ("12.34", "EUR", 1234),
        ("12.345", "eur", 1235),  # half up
        ("1234", "JPY", 1234),
        ("1234.5", "JPY", 1235),
        ("12.345", "KWD", 12350),  # 12345 is not allowed: rounded to the nearest 10, half up
        ("12.344", "KWD", 12340),
        ("0.005", "BHD", 10),
        ("1500.49", "HUF", 150049),  # HUF is two-decimal for charges
        ("99.5", "ISK", 10000),  # two decimals on the wire, whole krónur only
        ("0", "USD", 0),
    ],
)
def test_to_minor(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    "minor,currency,amount",
    [(1234, "EUR", "12.34"), (1234, "JPY", "1234"), (12350, "KWD", "12.350"), (5, "USD", "0.05")],
)
def test_from_minor_round_trips(minor, currency, amount):
    assert from_minor(minor, currency) == Decimal(amount)
    assert str(from_minor(minor, currency)) == amount
    assert to_minor(from_minor(minor, currency), currency) == minor
