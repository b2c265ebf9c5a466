"""The refund arithmetic that needs no database: restock types and the supplier's share."""

from decimal import Decimal

import pytest

from domain.money.refund_checks import restock_split
from domain.money.supplier_ledger import owed_share


@pytest.mark.parametrize(
    ("quantity", "restock", "unfulfilled", "expected"),
    [
        (2, 0, 0, [("NO_RESTOCK", 2)]),  # shipped, not back sellable
        (2, 2, 0, [("RETURN", 2)]),  # shipped, both came back sellable
        (2, 1, 0, [("RETURN", 1), ("NO_RESTOCK", 1)]),
        (2, 2, 2, [("CANCEL", 2)]),  # never shipped: cancelled back to stock
        (3, 2, 1, [("CANCEL", 1), ("RETURN", 1), ("NO_RESTOCK", 1)]),
        (1, 0, 3, [("NO_RESTOCK", 1)]),
    ],
)
def test_restock_split_returns_exactly_the_restock_quantity(
    quantity, restock, unfulfilled, expected
):
    parts = restock_split(quantity, restock, unfulfilled)
    assert parts == expected
    assert sum(n for _, n in parts) == quantity
    assert sum(n for kind, n in parts if kind != "NO_RESTOCK") == restock


def test_supplier_share_is_at_cost_in_proportion_and_never_exceeds_the_cost():
    cost, price = Decimal("7.33"), Decimal("19.99")
    assert owed_share(cost, price, Decimal("0"), price, "EUR") == cost
    # Three thirds of a unit, rounded cumulatively, add up to the cost exactly.
    thirds = [Decimal("6.66"), Decimal("6.66"), Decimal("6.67")]
    shares, before = [], Decimal("0")
    for part in thirds:
        shares.append(owed_share(cost, price, before, part, "EUR"))
        before += part
    assert sum(shares) == cost
    assert owed_share(Decimal("500"), Decimal("1000"), Decimal("0"), Decimal("333"), "JPY") == 167
    assert owed_share(cost, Decimal("0"), Decimal("0"), Decimal("0"), "EUR") == 0
