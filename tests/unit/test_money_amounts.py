"""Amounts keep the currency's own decimals (JPY 0, EUR 2, KWD 3): rounded to them, refused
beyond them on a form, and the supplier's share computed to them."""

from decimal import Decimal

import pytest

from domain.money.amounts import currency_decimals, fits_currency, round_to_currency
from domain.money.supplier_ledger import owed_share
from domain.validation import FieldError, money


@pytest.mark.parametrize(
    ("currency", "decimals", "rounded"),
    [("JPY", 0, "12"), ("EUR", 2, "12.35"), ("KWD", 3, "12.345"), ("XXQ", 2, "12.35")],
)
def test_amounts_round_half_up_to_the_currencys_decimals(currency, decimals, rounded):
    assert currency_decimals(currency) == decimals
    assert round_to_currency(Decimal("12.3450"), currency) == Decimal(rounded)
    assert fits_currency(Decimal(rounded), currency)


def test_a_third_decimal_fits_kwd_only():
    assert fits_currency(Decimal("12.345"), "KWD")
    assert not fits_currency(Decimal("12.345"), "EUR")
    assert not fits_currency(Decimal("12.5"), "JPY")


def test_a_cost_on_a_form_keeps_its_currencys_decimals():
    assert money("12.345", "KWD") == Decimal("12.345")
    assert money("4,5", "EUR") == Decimal("4.50")
    assert money("1200", "JPY") == Decimal("1200")
    assert money("4.5") == Decimal("4.50")  # currency not known: two decimals
    with pytest.raises(FieldError, match="at most two decimals"):
        money("1.005", "EUR")
    with pytest.raises(FieldError, match="KWD amounts have at most 3 decimals"):
        money("1.0005", "KWD")
    with pytest.raises(FieldError, match="JPY amounts have no decimals"):
        money("1.5", "JPY")


def test_the_suppliers_share_in_kwd_keeps_three_decimals():
    # 7.125 x 1.234 / 12.345 = 0.71221...
    share = owed_share(Decimal("7.125"), Decimal("12.345"), Decimal("0"), Decimal("1.234"), "KWD")
    assert share == Decimal("0.712")
