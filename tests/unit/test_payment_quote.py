"""Shipping arithmetic without a database: a price per order plus a price per extra item, the
cheapest option for a number of items, and how a typed VAT rate is read."""

from decimal import Decimal

from domain.payments.shipping import ShippingOption, cheapest, shipping_cost
from domain.payments.terms import vat_rate

D = Decimal


def option(rate_id, method, per_order, per_extra_item, currency="EUR") -> ShippingOption:
    return ShippingOption(
        rate_id, "Europe", method, D(per_order), D(per_extra_item), None, currency
    )


def test_shipping_is_the_price_per_order_plus_each_extra_item():
    standard = option(1, "Standard", "4.50", "1.25")
    assert shipping_cost(standard, 1) == D("4.50")
    assert shipping_cost(standard, 2) == D("5.75")
    assert shipping_cost(standard, 5) == D("9.50")
    assert shipping_cost(standard, 0) == D("4.50")  # never less than one order's price


def test_the_cheapest_option_changes_with_the_number_of_items():
    standard = option(1, "Standard", "4.50", "1.00")
    economy = option(2, "Economy", "3.00", "2.50")
    assert cheapest([standard, economy], 1) is economy
    assert cheapest([standard, economy], 2) is economy  # 5.50 against 5.50: by name
    assert cheapest([standard, economy], 3) is standard


def test_typed_vat_rates_are_read_as_percentages_with_two_decimals():
    assert vat_rate("20") == D("20.00")
    assert vat_rate("5,5") == D("5.50")
    assert vat_rate(" 27 % ") == D("27.00")
    assert vat_rate("0") == D("0.00") and vat_rate("100") == D("100.00")
    assert vat_rate("") is None
