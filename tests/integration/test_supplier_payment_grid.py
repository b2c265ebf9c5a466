"""The grid tells the customer's payment from the supplier's (issue 15): a "Supplier: not paid"
filter with its count in the dashboard strip (auto-order suppliers' payable parts with no
supplier payment; manual suppliers, unpayable and paid parts left out; another shop's never
shown), per-part badges "Supplier: not paid" / "Supplier: paid" / "Payment failed" (the reason
in the tooltip and the drawer), and the customer's payment labelled "Customer: …"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from domain import states
from domain.clock import utcnow
from domain.models.orders import Order, Supplier, SupplierOrder
from extensions import db
from tests.integration.test_grid import grid_request, grid_shop, shop_row

ROW = re.compile(r'<tr id="order-row-(\d+)".*?</tr>', re.S)


def rows(html: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(0) for m in ROW.finditer(html)}


def not_paid_count(html: str) -> int:
    found = re.search(r'<li data-supplier-payment="not_paid">.*?<strong>(\d+)</strong>', html, re.S)
    assert found, "the strip shows the not-paid count"
    return int(found.group(1))


def parts(shop_id: int) -> list[tuple[SupplierOrder, Supplier | None]]:
    db.session.expire_all()
    return db.session.execute(
        select(SupplierOrder, Supplier)
        .outerjoin(Supplier, Supplier.id == SupplierOrder.supplier_id)
        .where(SupplierOrder.shop_id == shop_id)
        .order_by(SupplierOrder.id)
    ).all()


def expected_not_paid(shop_id: int) -> tuple[set[int], int]:
    """(order ids, supplier order count) by the rule, computed here from the rows."""
    matching = [
        so
        for so, supplier in parts(shop_id)
        if supplier is not None
        and supplier.channel != "manual"
        and so.status in states.PAYABLE
        and so.supplier_paid_at is None
    ]
    return {so.order_id for so in matching}, len(matching)


def part_of(shop_id: int, order_id: int, supplier_name: str) -> SupplierOrder:
    return next(
        so
        for so, supplier in parts(shop_id)
        if so.order_id == order_id and supplier is not None and supplier.name == supplier_name
    )


@pytest.fixture
def two_shops(ctx, devstore, make_shop, oauth_install, drain):
    a = grid_shop(devstore, make_shop, oauth_install, drain, orders=5, prefix="pay-a")
    b = grid_shop(devstore, make_shop, oauth_install, drain, orders=5, prefix="pay-b")
    return a, b


def test_supplier_not_paid_filter_count_and_badges(ctx, app, two_shops, id_token):
    """The filter lists exactly the orders with an auto-order supplier's payable, unpaid part;
    the strip counts those parts; marking one paid and failing another moves filter, count and
    badges; shop B's identical orders never show in shop A's filter or count."""
    a, b = two_shops
    shop_a, shop_b = shop_row(a), shop_row(b)
    orders, count = expected_not_paid(shop_a.id)
    # ORDER_CYCLE: Mug Co (portal) and Thread House (store) parts of the 4 paid orders with
    # them; Lamp Works (manual), the pending order and the unassigned-only order are left out.
    assert (len(orders), count) == (3, 4)

    page, _ = grid_request(app, id_token(a), htmx=False)
    assert not_paid_count(page.text) == 4
    found, _ = grid_request(app, id_token(a), htmx=True, supplier_payment="not_paid")
    assert set(rows(found.text)) == orders
    b_orders = set(db.session.scalars(select(Order.id).where(Order.shop_id == shop_b.id)))
    assert not set(rows(found.text)) & b_orders

    first = min(orders)
    mug = part_of(shop_a.id, first, "Mug Co")
    mug.supplier_paid_at = utcnow()
    second = sorted(orders)[1]
    thread = part_of(shop_a.id, second, "Thread House")
    thread.payment_failure = "Your card was declined."
    db.session.commit()

    orders_after, count_after = expected_not_paid(shop_a.id)
    assert first not in orders_after and second in orders_after and count_after == 3
    page, _ = grid_request(app, id_token(a), htmx=False)
    assert not_paid_count(page.text) == 3
    found, _ = grid_request(app, id_token(a), htmx=True, supplier_payment="not_paid")
    found_rows = rows(found.text)
    assert set(found_rows) == orders_after
    assert 'data-supplier-payment="failed" title="Your card was declined."' in found_rows[second]
    assert "Payment failed" in found_rows[second]
    page_rows = rows(page.text)
    assert 'data-supplier-payment="paid"' in page_rows[first]
    assert "Supplier: paid" in page_rows[first]
    assert 'data-supplier-payment="not_paid"' in page_rows[sorted(orders)[2]]
    # Shop B's counts are its own, untouched by A's payments.
    page_b, _ = grid_request(app, id_token(b), htmx=False)
    assert not_paid_count(page_b.text) == expected_not_paid(shop_b.id)[1] == 4


def test_manual_suppliers_and_unpayable_parts_carry_no_row_badge(ctx, app, two_shops, id_token):
    """Lamp Works (manual: paid on its website) and an unassigned part get no supplier payment
    badge in the row, and the filter combines with the supplier filter."""
    a, _b = two_shops
    shop_a = shop_row(a)
    lamp = db.session.scalar(
        select(Supplier).where(Supplier.shop_id == shop_a.id, Supplier.name == "Lamp Works")
    )
    page, _ = grid_request(app, id_token(a), htmx=True, supplier=lamp.id)
    for html in rows(page.text).values():
        lamp_split = html.split("Lamp Works", 1)[1].split('<div class="split">', 1)[0]
        assert "data-supplier-payment" not in lamp_split
    combined, _ = grid_request(
        app, id_token(a), htmx=True, supplier=lamp.id, supplier_payment="not_paid"
    )
    assert rows(combined.text) == {}
    bad, _ = grid_request(app, id_token(a), htmx=True, supplier_payment="maybe")
    assert "Unknown supplier payment filter" in bad.text


def test_customer_payment_is_labelled_as_the_customers(ctx, app, two_shops, id_token):
    """The pending order's row says "Customer: payment pending" (not a bare "Pending"); a paid
    order's drawer says "Customer: paid"; in French and Hungarian too."""
    a, _b = two_shops
    shop_a = shop_row(a)
    pending = db.session.scalar(
        select(Order.id).where(Order.shop_id == shop_a.id, Order.financial_status == "PENDING")
    )
    paid = db.session.scalar(
        select(Order.id).where(Order.shop_id == shop_a.id, Order.financial_status == "PAID")
    )
    page, _ = grid_request(app, id_token(a), htmx=True)
    assert 'data-customer-payment="PENDING">Customer: payment pending<' in rows(page.text)[pending]
    assert "data-customer-payment" not in rows(page.text)[paid]  # settled: the row stays quiet
    headers = {"Authorization": f"Bearer {id_token(a)}", "HX-Request": "true"}
    drawer = app.test_client().get(f"/orders/{paid}", headers=headers)
    assert 'data-customer-payment="PAID">Customer: paid<' in drawer.text
    expected = {"fr": "Client : paiement en attente", "hu": "Vevő: fizetés függőben"}
    for language, text in expected.items():
        # The admin's language, as app.js sends it with an htmx request. A fresh app context:
        # Flask-Babel keeps the locale it chose on the context the test's requests share.
        with app.app_context():
            localized = app.test_client().get(
                "/orders", headers={**headers, "X-Relay-Locale": language}
            )
        assert text in rows(localized.text)[pending], language


def test_the_drawer_shows_the_payment_failure_and_its_reason(ctx, app, two_shops, id_token):
    """A part whose automatic payment failed: the drawer's supplier card says "Payment
    failed" with the reason, and the paid part beside it "Supplier: paid"."""
    a, _b = two_shops
    shop_a = shop_row(a)
    orders, _count = expected_not_paid(shop_a.id)
    both = next(
        order_id
        for order_id in sorted(orders)
        if {s.name for so, s in parts(shop_a.id) if so.order_id == order_id and s}
        >= {"Mug Co", "Thread House"}
    )
    part_of(shop_a.id, both, "Mug Co").payment_failure = "Authentication required (3-D Secure)."
    part_of(shop_a.id, both, "Thread House").supplier_paid_at = utcnow()
    db.session.commit()
    headers = {"Authorization": f"Bearer {id_token(a)}", "HX-Request": "true"}
    drawer = app.test_client().get(f"/orders/{both}", headers=headers).text
    assert 'data-supplier-payment="failed"' in drawer
    assert "Payment to the supplier failed: Authentication required (3-D Secure)." in drawer
    assert 'data-supplier-payment="paid"' in drawer and "Supplier: paid" in drawer
