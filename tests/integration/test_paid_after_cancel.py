"""A payment that succeeds after its supplier order was cancelled keeps its money trail.

The merchant opened the card checkout for an unsent order, then cancelled the order at once
(it had not gone to the supplier), and the checkout tab, still open, confirmed the card: Stripe
took the money for the supplier. Relay records the payment (the money moved), and since the
part is cancelled the supplier owes that back: a cancellation ledger entry at cost, listed on
Balances, and taken back from the payment when the supplier allows it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.models.payments import SupplierTakeBack
from domain.models.refunds import SupplierLedgerEntry
from domain.money import supplier_ledger
from domain.payments import checkout, reconciliation
from extensions import db
from tests.integration import stripe_flows
from tests.integration.payment_flows import (
    confirm_card,
    paying_supplier,
    payment_of,
    requested_order,
)
from tests.integration.test_cancellations import ask
from tests.integration.test_fulfillment import refreshed, shop_row, stock_at_relay

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("takes_back", [False, True])
def test_a_card_confirmed_after_the_part_was_cancelled_is_owed_back(
    takes_back, ctx, installed_shop, devstore, drain, stripe_standin, relay_server
):
    stock_at_relay(devstore, installed_shop)
    supplier = paying_supplier(installed_shop, stripe_standin, takes_back=takes_back)
    so = requested_order(devstore, installed_shop, drain)
    shop = shop_row(installed_shop)
    payment_id = checkout.start(shop, [so.id], "card", {})
    checkout.begin(shop, payment_id, return_url="http://r.test/b", cancel_url="http://r.test/c")

    ask(so, scope="supplier", refund=True, restock=True)  # not sent yet: cancelled at once
    drain()
    assert refreshed(so).status == "cancelled"

    payment = payment_of(so.id)
    assert confirm_card(stripe_standin, payment, stripe_flows.VISA)["status"] == "succeeded"
    assert checkout.finish(shop, payment_id).status == "succeeded"
    drain()

    so = refreshed(so)
    assert so.status == "cancelled" and so.supplier_paid_at is not None
    entries = db.session.scalars(
        select(SupplierLedgerEntry).where(SupplierLedgerEntry.supplier_order_id == so.id)
    ).all()
    assert [(e.kind, e.amount, e.currency) for e in entries] == [
        ("cancellation", Decimal("15.00"), "EUR")
    ], "the supplier owes back the cancelled items it was paid for, at cost"
    listed = {e.supplier_order_id for b in supplier_ledger.balances(shop) for e in b.entries}
    assert so.id in listed, "Balances lists it"
    takes = db.session.scalars(select(SupplierTakeBack)).all()
    if takes_back:
        assert [(t.status, t.amount) for t in takes] == [("succeeded", Decimal("15.00"))]
        assert payment_of(so.id).taken_back == Decimal("15.00")
    else:
        assert not takes and entries[0].status == "pending"
    assert reconciliation.reconcile(shop, supplier.id).balanced
