"""Money already paid to a supplier survives the order's cancellation (issue 15, money bugs).

A supplier order marked paid ("Mark supplier paid") or paid automatically (pay_mode=auto), then
cancelled: by the supplier in its own store (as its answer to the merchant's request, or unasked
and then cancelled by the merchant), by the supplier on the portal, or by the merchant in the
Shopify admin (with a refund). After each: the drawer still shows "Supplier: paid", the
supplier owes back what it was paid for the cancelled items (at cost, once: the refund Shopify
makes with the cancellation does not claim it a second time), Balances lists it, and the refund
Shopify made on cancelling is mirrored and shown in the drawer. All read over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.models.orders import Order
from domain.models.refunds import Refund, SupplierLedgerEntry
from extensions import db
from tests.integration.merchant_pages import Merchant
from tests.integration.test_cancellations import LAMP, ask, portal_post, with_supplier
from tests.integration.test_fulfillment import SKU, refreshed, stock_at_relay
from tests.integration.test_webhooks import wait_for

COST = Decimal("15.00")  # 2 units at the mapped cost of 7.50 EUR


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop, skus=(SKU, LAMP))
    return installed_shop


def _cancel_by_supplier_in_its_store(so, devstore, retailer, drain, relay_server):
    ask(so, scope="order", refund=True, restock=True)
    drain()
    placed_id = int(refreshed(so).supplier_reference.rsplit("/", 1)[1])
    supplier_domain = refreshed(so).supplier.store_domain
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/orders/{placed_id}/cancel", json={}
    ).raise_for_status()


def _cancelled_unasked_in_the_supplier_store_then_by_merchant(
    so, devstore, retailer, drain, relay_server
):
    """The supplier cancels in its store with nothing asked: Relay shows "Cancelled by the
    supplier" (issue 17), and the merchant then cancels that part (at once: the supplier no
    longer has it)."""
    placed_id = int(refreshed(so).supplier_reference.rsplit("/", 1)[1])
    supplier_domain = refreshed(so).supplier.store_domain
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/orders/{placed_id}/cancel", json={}
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(so).status == "supplier_cancelled", timeout=15)
    ask(so, scope="order", refund=True, restock=True)


def _cancel_by_supplier_on_the_portal(so, devstore, retailer, drain, relay_server):
    ask(so, scope="order", refund=True, restock=True)
    drain()
    response = portal_post(
        relay_server, refreshed(so).supplier, f"orders/{so.id}/cancellation/accept", {}
    )
    assert response.status_code == 303


def _cancel_by_merchant_in_the_admin(so, devstore, retailer, drain, relay_server):
    number = int(refreshed(so).order.shopify_gid.rsplit("/", 1)[1])
    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{number}/cancel",
        json={"reason": "CUSTOMER", "refund": True, "restock": True},
    ).raise_for_status()


PATHS = {
    "supplier_store": ("store", True, _cancel_by_supplier_in_its_store),
    "supplier_portal": ("portal", True, _cancel_by_supplier_on_the_portal),
    "supplier_store_unasked": (
        "store",
        True,
        _cancelled_unasked_in_the_supplier_store_then_by_merchant,
    ),
    # Shopify cancels an order only before a fulfillment service accepted it.
    "merchant_admin": ("portal", False, _cancel_by_merchant_in_the_admin),
}


@pytest.mark.parametrize("paid", ["marked", "auto"])
@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_paid_supplier_order_keeps_its_money_trail_after_cancellation(
    path, paid, retailer, devstore, drain, relay_server, id_token, make_shop, oauth_install
):
    channel, accepted, cancel = PATHS[path]
    fields = {"channel": channel, "pay": "auto" if paid == "auto" else "manual"}
    if channel == "store":
        supplier_domain = make_shop("supplier")
        oauth_install(supplier_domain)
        fields["store_domain"] = supplier_domain
    so = with_supplier(devstore, retailer, drain, accepted=accepted, **fields)
    assert so.supplier_paid_at is not None

    cancel(so, devstore, retailer, drain, relay_server)

    def over():
        drain()
        db.session.expire_all()
        order = db.session.get(Order, so.order_id)
        recorded = db.session.scalars(
            select(Refund).where(Refund.order_id == order.id, Refund.status == "recorded")
        ).all()
        return refreshed(so).status == "cancelled" and order.cancelled_at and recorded

    wait_for(over, timeout=20)
    drain()
    so = refreshed(so)
    order = so.order
    assert so.supplier_paid_at is not None

    # Owed back once, at cost: the cancellation and Shopify's refund do not both claim it.
    entries = db.session.scalars(
        select(SupplierLedgerEntry).where(SupplierLedgerEntry.supplier_order_id == so.id)
    ).all()
    assert [(e.amount, e.currency) for e in entries] == [(COST, "EUR")]
    (entry,) = entries
    assert entry.status == ("automatic" if paid == "auto" else "pending")

    merchant = Merchant(relay_server.url, retailer, id_token)
    balances = merchant.get("/balances")
    assert balances.status_code == 200
    card = balances.text.split(f'id="balance-{so.supplier_id}"', 1)[1].split("</section>", 1)[0]
    assert order.name in card and "15.00" in card
    wanted = "Deducted from next payout" if paid == "auto" else "Mark received"
    assert wanted in card

    drawer = merchant.get(f"/orders/{order.id}", htmx=True)
    assert drawer.status_code == 200
    card = drawer.text.split(f'id="supplier-order-{so.id}"', 1)[1].split("split-card", 1)[0]
    assert 'data-supplier-payment="paid"' in card and "Supplier: paid" in card
    # The timeline says what the supplier owes back.
    assert "owes €15.00 back" in drawer.text
    assert "No refunds yet." not in drawer.text
    (refund,) = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert 'class="refund-history"' in drawer.text
    assert refund.amount == order.total
