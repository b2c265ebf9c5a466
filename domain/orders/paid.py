"""Which orders may go to their suppliers, by the store's financial status.

PAID and PARTIALLY_REFUNDED: yes. REFUNDED and VOIDED: never (the money went back: nothing is to
ship). PARTIALLY_PAID: no. It is a deposit, or a paid order an edit made dearer; parts already
paid and sent keep going, parts for what the customer has not paid yet (a follow-up part for
added items) wait for the balance, as an unpaid order does. PENDING: no. AUTHORIZED (payment
authorized, captured at fulfillment): only when the shop turns on "Forward authorized (not yet
captured) orders" in its settings.
"""

from __future__ import annotations

from domain.shop.settings import settings_of

PAID_STATUSES = frozenset({"PAID", "PARTIALLY_REFUNDED"})
AUTHORIZED = "AUTHORIZED"
# The money went back to the customer: whatever was decided before, nothing is sent now.
MONEY_RETURNED = frozenset({"REFUNDED", "VOIDED"})


def counts_as_paid(financial_status: str | None, shop) -> bool:
    """May an order in this financial status go to its suppliers, for this shop?"""
    if financial_status in PAID_STATUSES:
        return True
    return financial_status == AUTHORIZED and settings_of(shop).forward_authorized
