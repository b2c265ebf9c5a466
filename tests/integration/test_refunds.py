"""Refunds from the order drawer, end to end: the form over HTTP (htmx and plain posts), Shopify
through devstore's refundCreate, refunds made in the Shopify admin mirrored by webhook, and
what each supplier owes back (automatic vs to settle by hand, refused once paid out)."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from devstore import commerce
from domain.clock import utcnow
from domain.fulfillment import requesting as requests
from domain.models.orders import Order, Supplier, SupplierOrder, VariantMapping
from domain.models.refunds import Refund, SupplierLedgerEntry
from domain.money import supplier_ledger
from domain.shop import settings as shop_settings
from extensions import db
from tests.integration.automatic_payment import make_automatic
from tests.integration.test_fulfillment import shop_row, stock_at_relay
from tests.integration.test_webhooks import deliver, wait_for

MUG, LAMP = "MUG-STN-SPK", "BRS-LAMP"


# -- setting up a shop, suppliers and a paid order ------------------------------------------


def add_supplier(domain, name, sku, *, channel="portal", pay="manual", cost="7.50"):
    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
    supplier = Supplier(shop_id=shop.id, name=name, channel=channel, pay_mode=pay, currency="EUR")
    db.session.add(supplier)
    db.session.flush()
    db.session.add(
        VariantMapping(
            shop_id=shop.id,
            sku=sku,
            supplier_id=supplier.id,
            cost=Decimal(cost) if cost else None,
            cost_currency="EUR" if cost else None,
        )
    )
    db.session.commit()
    return make_automatic(supplier) if pay == "auto" else supplier


def place(devstore, domain, drain, lines, *, shipping="5.00", paid=True, currency=None):
    """An order in devstore, mirrored into Relay by its webhooks. lines: [(sku, qty, price)]."""
    body = {
        "line_items": [{"sku": s, "quantity": q, "price": p} for s, q, p in lines],
        "financial_status": "paid" if paid else "pending",
        "shipping_price": shipping,
    }
    if currency:
        body["currency"] = currency
    doc = devstore.control.post(f"/_devstore/shops/{domain}/orders", json=body)
    doc.raise_for_status()
    gid = f"gid://shopify/Order/{doc.json()['id']}"

    def arrived():
        drain()
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
        return order is not None and (not paid or order.paid_at is not None)

    wait_for(arrived, timeout=15)
    return db.session.scalar(select(Order).where(Order.shopify_gid == gid))


def pay_suppliers(order):
    for so in order.supplier_orders:
        requests.pay_supplier(so)
    db.session.commit()


def paid_two_supplier_order(devstore, domain, drain):
    """Two mugs (Mug Makers: portal, pays automatically, 7.50 each) and a lamp (Lamp Works:
    manual, 30.00) on one paid order, both suppliers paid: a refund has money on every side."""
    stock_at_relay(devstore, domain, skus=(MUG, LAMP))
    add_supplier(domain, "Mug Makers", MUG, channel="portal", pay="auto", cost="7.50")
    add_supplier(domain, "Lamp Works", LAMP, channel="manual", pay="manual", cost="30.00")
    order = place(devstore, domain, drain, [(MUG, 2, "20.00"), (LAMP, 1, "55.00")])
    pay_suppliers(order)
    return order


def devstore_order(devstore, domain, order):
    number = int(order.shopify_gid.rsplit("/", 1)[1])
    return devstore.store.get("order", number)


def line_of(order, sku):
    return next(li for li in order.line_items if li.sku == sku)


class Drawer:
    """The merchant's refund form in the drawer, over HTTP."""

    def __init__(self, relay_server, domain, id_token):
        self.url, self.domain, self.mint = relay_server.url, domain, id_token

    def open(self, order, **params):
        return httpx.get(
            f"{self.url}/orders/{order.id}/refund",
            params=params,
            headers={"Authorization": f"Bearer {self.mint(self.domain)}", "HX-Request": "true"},
            timeout=30,
        )

    def form_fields(self, order) -> dict:
        html = self.open(order).text
        return {
            "key": re.search(r'name="key" value="([^"]+)"', html).group(1),
            "seen": re.search(r'name="seen" value="(\d+)"', html).group(1),
        }

    def submit(self, order, fields: dict, *, htmx=True, fresh=True):
        data = {**(self.form_fields(order) if fresh else {}), "mode": "partial", **fields}
        headers = {"Authorization": f"Bearer {self.mint(self.domain)}"}
        if htmx:
            headers["HX-Request"] = "true"
        else:
            data["id_token"] = self.mint(self.domain)
            headers = {}
        return httpx.post(
            f"{self.url}/orders/{order.id}/refund",
            data=data,
            params={} if htmx else {"embedded": "1", "shop": self.domain},
            headers=headers,
            timeout=30,
        )


@pytest.fixture
def shop(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop, skus=(MUG, LAMP))
    return installed_shop


@pytest.fixture
def drawer(relay_server, shop, id_token):
    return Drawer(relay_server, shop, id_token)


def refunds_of(order):
    db.session.expire_all()
    return list(
        db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id))
    )


def entries_of(order):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SupplierLedgerEntry)
            .join(SupplierOrder, SupplierOrder.id == SupplierLedgerEntry.supplier_order_id)
            .where(SupplierOrder.order_id == order.id)
            .order_by(SupplierLedgerEntry.id)
        )
    )


# -- refunds that go through ------------------------------------------------------------------


def test_full_refund_reaches_shopify_and_each_paid_supplier_owes_its_cost(
    shop, devstore, drain, drawer
):
    auto = add_supplier(shop, "Mug Makers", MUG, channel="portal", pay="auto", cost="7.50")
    manual = add_supplier(shop, "Lamp Works", LAMP, channel="manual", pay="manual", cost="30.00")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00"), (LAMP, 1, "55.00")])
    pay_suppliers(order)

    response = drawer.submit(order, {"mode": "full", "reason": "Parcel lost by the carrier"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["HX-Retarget"] == "#order-drawer"
    assert "Refunded $100.00" in response.text  # 2 x 20 + 55 + 5 shipping

    in_store = devstore_order(devstore, shop, order)
    assert in_store["financial_status"] == "refunded"
    assert Decimal(in_store["total_refunded"]) == Decimal("100.00")
    (store_refund,) = in_store["refunds"]
    assert store_refund["note"] == "Parcel lost by the carrier"
    assert {r["quantity"] for r in store_refund["refund_line_items"]} == {2, 1}

    (refund,) = refunds_of(order)
    assert (refund.status, refund.amount, refund.shipping_amount) == (
        "recorded",
        Decimal("100"),
        Decimal("5"),
    )
    assert refund.shopify_gid == f"gid://shopify/Refund/{store_refund['id']}"
    owed = {(e.supplier_id, e.status): e.amount for e in entries_of(order)}
    assert owed == {(auto.id, "automatic"): Decimal("15.00"), (manual.id, "pending"): Decimal("30")}

    drain()  # the refunds/create webhook of Relay's own refund adds nothing
    assert len(refunds_of(order)) == 1 and len(entries_of(order)) == 2
    drawer_html = drawer.open(order).text
    assert "Parcel lost by the carrier" in drawer_html


def test_partial_refunds_with_restock_split_restock_types_and_add_up(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG, channel="store", pay="auto", cost="8.00")
    order = place(devstore, shop, drain, [(MUG, 3, "20.00")])
    pay_suppliers(order)
    mug = line_of(order, MUG)

    first = drawer.submit(
        order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20.00", f"restock-{mug.id}": "1"}
    )
    assert first.status_code == 200 and "Refunded $20.00" in first.text
    # A price reduction on what the customer kept: an amount, no quantity.
    second = drawer.submit(order, {f"amount-{mug.id}": "5", "shipping": "2.50"})
    assert second.status_code == 200 and "Refunded $7.50" in second.text

    in_store = devstore_order(devstore, shop, order)
    assert Decimal(in_store["total_refunded"]) == Decimal("27.50")
    assert in_store["line_items"][0]["refunded_quantity"] == 1
    restock_types = [r["restock_type"] for r in in_store["refunds"][0]["refund_line_items"]]
    assert restock_types == ["CANCEL"], "an unshipped item refunded and restocked is cancelled"

    refunds = refunds_of(order)
    assert [r.amount for r in refunds] == [Decimal("20"), Decimal("7.5")]
    # At cost, in proportion: 20/20 of 8.00, then 5/20 of 8.00.
    assert [e.amount for e in entries_of(order)] == [Decimal("8.00"), Decimal("2.00")]
    assert all(e.status == "automatic" for e in entries_of(order))


def test_refund_made_in_the_shopify_admin_is_mirrored_once(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG, channel="portal", pay="manual", cost="7.50")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    pay_suppliers(order)
    number = int(order.shopify_gid.rsplit("/", 1)[1])
    line_number = int(line_of(order, MUG).shopify_gid.rsplit("/", 1)[1])
    commerce.create_refund(
        devstore.store,
        shop,
        number,
        refund_line_items=[{"line_item_id": line_number, "quantity": 1, "restock_type": "RETURN"}],
        note="Returned in store",
    )

    def mirrored():
        drain()
        return len(refunds_of(order)) == 1

    wait_for(mirrored, timeout=15)
    (refund,) = refunds_of(order)
    assert (refund.source, refund.status, refund.amount) == ("shopify", "recorded", Decimal("20"))
    assert refund.lines[0].quantity == 1 and refund.lines[0].restock_quantity == 1
    (entry,) = entries_of(order)
    assert (entry.amount, entry.status) == (Decimal("7.50"), "pending")

    # Relay's form now knows: one mug left, $25 left in all.
    mug = line_of(order, MUG)
    over = drawer.submit(order, {f"qty-{mug.id}": "2", f"amount-{mug.id}": "40"})
    assert "only 1 left to refund (1 already refunded)" in over.text
    # The same webhook again (a redelivery) adds nothing.
    from domain.money.refund_mirror import refund_created

    payload_refund = devstore_order(devstore, shop, order)["refunds"][0]
    from devstore import payloads
    from integrations.shopify_admin import webhook_payloads

    refund_created(
        shop,
        webhook_payloads.refund(
            payloads.refund(
                devstore.store, shop, devstore_order(devstore, shop, order), payload_refund
            )
        ),
        None,
    )
    assert len(refunds_of(order)) == 1 and len(entries_of(order)) == 1


def test_a_kwd_order_keeps_its_third_decimal_through_sync_refunds_and_the_ledger(
    shop, devstore, drain, relay_server
):
    """KWD has three decimals: the store's order, its refund and what the supplier owes back
    come out of the database as Shopify sent them, 12.345 (not 12.35)."""
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    mapping = db.session.scalar(select(VariantMapping).where(VariantMapping.sku == MUG))
    mapping.cost, mapping.cost_currency = Decimal("7.125"), "KWD"
    db.session.commit()
    order = place(devstore, shop, drain, [(MUG, 1, "12.34")], shipping="0", currency="KWD")
    pay_suppliers(order)
    number = int(order.shopify_gid.rsplit("/", 1)[1])
    line_number = int(line_of(order, MUG).shopify_gid.rsplit("/", 1)[1])

    # The store's update with KWD's third decimal (devstore writes two), as orders/updated.
    created = next(
        d["payload"]
        for d in devstore.control.get("/_devstore/deliveries", params={"shop": shop}).json()
        if d["topic"] == "orders/create" and d["payload"]["id"] == number
    )
    later = datetime.fromisoformat(created["updated_at"].replace("Z", "+00:00")) + timedelta(
        minutes=1
    )
    updated = {**created, "total_price": "12.345", "updated_at": later.isoformat()}
    updated["line_items"] = [{**li, "price": "12.345"} for li in created["line_items"]]
    assert deliver(relay_server, shop, "orders/updated", updated).status_code == 200

    def synced():
        drain()
        db.session.expire_all()
        return db.session.get(Order, order.id).total != Decimal("12.34")

    wait_for(synced, timeout=15)
    # A refund made in the Shopify admin, with three decimals too.
    refund_payload = {
        "id": 990001,
        "admin_graphql_api_id": "gid://shopify/Refund/990001",
        "order_id": number,
        "note": None,
        "transactions": [{"kind": "refund", "status": "success", "amount": "1.234"}],
        "refund_line_items": [
            {
                "line_item_id": line_number,
                "quantity": 1,
                "restock_type": "no_restock",
                "subtotal": "1.234",
            }
        ],
        "refund_shipping_lines": [],
    }
    assert deliver(relay_server, shop, "refunds/create", refund_payload).status_code == 200
    wait_for(lambda: drain() or len(refunds_of(order)) == 1, timeout=15)

    db.session.expire_all()
    stored = db.session.get(Order, order.id)
    assert (stored.currency, stored.total) == ("KWD", Decimal("12.345"))
    assert line_of(stored, MUG).unit_price == Decimal("12.345")
    assert db.session.get(VariantMapping, mapping.id).cost == Decimal("7.125")
    (refund,) = refunds_of(order)
    assert (refund.amount, refund.lines[0].amount) == (Decimal("1.234"), Decimal("1.234"))
    (entry,) = entries_of(order)  # 7.125 x 1.234 / 12.345, to KWD's three decimals
    assert (entry.amount, entry.currency) == (Decimal("0.712"), "KWD")


def test_a_plain_form_post_refunds_and_redirects_to_the_drawer(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    mug = line_of(order, MUG)
    response = drawer.submit(order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20.00"}, htmx=False)
    assert response.status_code == 303
    assert f"/orders/{order.id}" in response.headers["Location"]
    assert [r.status for r in refunds_of(order)] == ["recorded"]
    assert entries_of(order) == [], "a supplier never paid owes nothing"


# -- bad input: a clear message naming the field, nothing refunded ----------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "-5"}, "cannot be negative"),
        ({"qty": "1", "amount": "0"}, "more than zero"),
        ({"amount": "12.345"}, "USD has at most 2 decimals"),
        ({"amount": "twelve"}, "must be an amount"),
        ({"amount": "45.00"}, "at most $40.00 can still be refunded"),
        ({"qty": "3", "amount": "40"}, "2 bought; you cannot refund more"),
        ({"qty": "1", "amount": "20", "restock": "2"}, "restock at most the 1 refunded"),
        ({"qty": "-1", "amount": "20"}, "cannot be negative"),
        ({"shipping": "6.00"}, "at most $5.00 of shipping"),
        ({}, "Nothing to refund"),
    ],
)
def test_bad_refund_input_is_refused_inline_and_nothing_is_refunded(
    shop, devstore, drain, drawer, fields, message
):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    mug = line_of(order, MUG)
    form = {
        (f"{k}-{mug.id}" if k in ("qty", "amount", "restock") else k): v for k, v in fields.items()
    }
    response = drawer.submit(order, form)
    assert response.status_code == 200  # htmx swaps the form back with its errors
    assert response.text.lstrip().startswith('<section id="refund-panel"')
    assert message in response.text
    assert 'aria-invalid="true"' in response.text or "Nothing to refund" in message
    plain = drawer.submit(order, form, htmx=False)
    assert plain.status_code == 422 and message in plain.text
    assert refunds_of(order) == []
    assert devstore_order(devstore, shop, order)["refunds"] == []


def test_currency_without_decimals_refuses_cents(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 1, "2500")], shipping="0", currency="JPY")
    mug = line_of(order, MUG)
    response = drawer.submit(order, {f"amount-{mug.id}": "100.50"})
    assert "JPY has no decimals" in response.text
    ok = drawer.submit(order, {f"amount-{mug.id}": "100"})
    assert "Refunded ¥100" in ok.text
    assert devstore_order(devstore, shop, order)["total_refunded"] == "100.00"


def test_refund_on_an_unpaid_order_is_refused(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")], paid=False)
    mug = line_of(order, MUG)
    html = drawer.open(order).text
    assert "is not paid; there is no payment to refund" in html
    response = drawer.submit(order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20"})
    assert "is not paid; there is no payment to refund" in response.text
    assert refunds_of(order) == []


def test_refund_of_a_paid_out_supplier_is_refused_with_who_and_when(shop, devstore, drain, drawer):
    supplier = add_supplier(shop, "Lamp Works", LAMP, channel="manual", pay="manual")
    add_supplier(shop, "Mug Makers", MUG, channel="portal", pay="manual")
    order = place(devstore, shop, drain, [(MUG, 1, "20.00"), (LAMP, 1, "55.00")])
    pay_suppliers(order)
    supplier_ledger.record_payout(shop_row(shop), supplier.id, who="Merchant")
    db.session.commit()
    lamp = line_of(order, LAMP)

    response = drawer.submit(order, {f"qty-{lamp.id}": "1", f"amount-{lamp.id}": "55"})
    today = utcnow().strftime("%Y-%m-%d")
    assert f"Lamp Works was paid out for this order on {today}" in response.text
    assert "refund the customer from the Shopify admin" in response.text
    assert refunds_of(order) == []
    # The other supplier's items can still be refunded, and the full refund skips the lamp.
    ok = drawer.submit(order, {"mode": "full"})
    assert "Refunded $25.00" in ok.text  # 20 + 5 shipping
    assert [e.supplier.name for e in entries_of(order)] == ["Mug Makers"]


def test_shopify_user_error_is_shown_inline_and_nothing_is_recorded(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    mug = line_of(order, MUG)
    # One mug refunded in the admin a moment ago; Relay has not heard yet (the webhook is not
    # drained). Relay's ledger still has 2 left; Shopify has 1: it refuses a refund of 2.
    commerce.create_refund(
        devstore.store,
        shop,
        int(order.shopify_gid.rsplit("/", 1)[1]),
        refund_line_items=[
            {
                "line_item_id": int(mug.shopify_gid.rsplit("/", 1)[1]),
                "quantity": 1,
                "restock_type": "NO_RESTOCK",
            }
        ],
    )
    fields = drawer.form_fields(order)
    response = drawer.submit(
        order, {**fields, f"qty-{mug.id}": "2", f"amount-{mug.id}": "5"}, fresh=False
    )
    assert "Shopify refused the refund" in response.text
    assert [r.status for r in refunds_of(order)] == ["failed"]
    assert entries_of(order) == []


# -- two tabs at once ---------------------------------------------------------------------------


def _at_once(calls):
    results, barrier = [None] * len(calls), threading.Barrier(len(calls))

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.parametrize("same_form", [True, False], ids=["double-submit", "two-tabs"])
def test_two_tabs_submitting_the_same_refund_at_once_refund_exactly_once(
    shop, devstore, drain, drawer, same_form
):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 3, "20.00")])
    mug = line_of(order, MUG)
    refund = {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20.00", "reason": "Broken"}
    if same_form:  # one form sent twice (a double click, a duplicated tab)
        tabs = [drawer.form_fields(order)] * 2
    else:  # two tabs, each its own form
        tabs = [drawer.form_fields(order), drawer.form_fields(order)]
        assert tabs[0]["key"] != tabs[1]["key"]
    responses = _at_once(
        [lambda t=t: drawer.submit(order, {**t, **refund}, fresh=False) for t in tabs]
    )
    assert [r.status_code for r in responses] == [200, 200], [r.text[-300:] for r in responses]
    toasts = [json.loads(r.headers["HX-Trigger"])["relay:toast"] for r in responses]
    winners = [t for t in toasts if not t["error"]]
    losers = [t for t in toasts if t["error"]]
    assert [t["message"] for t in winners] == ["Refunded $20.00."], toasts
    (loser,) = losers
    assert "already submitted" in loser["message"] or "Another refund was made" in loser["message"]
    assert len(devstore_order(devstore, shop, order)["refunds"]) == 1
    assert [r.status for r in refunds_of(order)] == ["recorded"]
    count = db.session.scalar(select(func.count()).select_from(Refund))
    assert count == 1


# -- the supplier balances page ---------------------------------------------------------------


def test_balances_page_marks_received_and_records_payouts(
    shop, devstore, drain, drawer, relay_server, id_token
):
    manual = add_supplier(shop, "Lamp Works", LAMP, channel="manual", pay="manual", cost="30")
    order = place(devstore, shop, drain, [(LAMP, 1, "55.00")])
    pay_suppliers(order)
    drawer.submit(order, {"mode": "full"})
    (entry,) = entries_of(order)
    headers = {"Authorization": f"Bearer {id_token(shop)}", "HX-Request": "true"}
    page = httpx.get(f"{relay_server.url}/balances", headers=headers, timeout=30)
    assert "Lamp Works" in page.text and "€30.00" in page.text and "Mark received" in page.text

    received = httpx.post(
        f"{relay_server.url}/balances/entries/{entry.id}/received", headers=headers, timeout=30
    )
    assert "Marked as received" in received.text
    again = httpx.post(
        f"{relay_server.url}/balances/entries/{entry.id}/received", headers=headers, timeout=30
    )
    assert "already marked received" in again.text
    db.session.expire_all()
    assert db.session.get(SupplierLedgerEntry, entry.id).status == "settled"

    payout = httpx.post(
        f"{relay_server.url}/balances/suppliers/{manual.id}/payout", headers=headers, timeout=30
    )
    assert "Payout recorded" in payout.text
    db.session.expire_all()
    assert order.supplier_orders[0].supplier_paid_out_at is not None


def test_sweep_pays_out_automatic_suppliers_after_the_delay_and_settles_what_they_owe(
    shop, devstore, drain, drawer
):
    supplier = add_supplier(shop, "Mug Makers", MUG, channel="portal", pay="auto", cost="7.50")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    pay_suppliers(order)
    mug = line_of(order, MUG)
    drawer.submit(order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20"})
    (entry,) = entries_of(order)
    assert entry.status == "automatic"
    so = db.session.get(SupplierOrder, order.supplier_orders[0].id)
    so.status, so.status_changed_at = "shipped", utcnow() - timedelta(days=8)
    db.session.commit()

    from domain import sweep
    from jobs.runtime import run_in_app

    shop_id = shop_row(shop).id
    run_in_app(sweep.sweep, shop_id)
    db.session.expire_all()
    so = db.session.get(SupplierOrder, so.id)
    assert so.supplier_paid_out_at is not None
    (entry,) = entries_of(order)
    assert (entry.status, entry.settled_by) == ("settled", "Deducted from the payout")
    assert supplier.id == entry.supplier_id
    # From now on Relay refuses refunds of its items.
    refused = drawer.submit(order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20"})
    assert "Mug Makers was paid out for this order" in refused.text


def test_a_refund_left_pending_by_a_crash_stops_holding_the_amount_after_the_sweep(
    shop, devstore, drain, drawer
):
    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    mug = line_of(order, MUG)
    # Relay stopped after reserving, before Shopify was asked: the row stays pending.
    db.session.add(
        Refund(
            shop_id=order.shop_id,
            order_id=order.id,
            idempotency_key="crashed",
            status="pending",
            amount=Decimal("20"),
            currency="USD",
            created_at=utcnow() - timedelta(minutes=20),
        )
    )
    db.session.commit()
    blocked = drawer.submit(order, {f"amount-{mug.id}": "20"})
    assert "more than the $5.00 that can still be refunded" in blocked.text

    from domain import sweep
    from jobs.runtime import run_in_app

    run_in_app(sweep.sweep, shop_row(shop).id)
    assert [r.status for r in refunds_of(order)] == ["failed"]
    ok = drawer.submit(order, {f"amount-{mug.id}": "20"})
    assert "Refunded $20.00" in ok.headers["HX-Trigger"]


# -- Shopify having a bad day -------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["RefundContext", "RefundCreate"])
def test_shopify_unreachable_refunds_nothing_and_says_so(
    shop, devstore, drain, drawer, monkeypatch, failing
):
    from devstore import faults

    add_supplier(shop, "Mug Makers", MUG)
    order = place(devstore, shop, drain, [(MUG, 1, "20.00")])
    mug = line_of(order, MUG)
    fields = {**drawer.form_fields(order), f"qty-{mug.id}": "1", f"amount-{mug.id}": "20"}
    # A submit makes two Admin calls: the RefundContext read, then refundCreate. Shopify
    # answers 503 to the chosen one.
    calls, real_outage = [], faults.outage

    def outage_on_one_call(settings, shop_domain, environ):
        calls.append(shop_domain)
        failing_call = 1 if failing == "RefundContext" else 2
        if len(calls) == failing_call:
            settings.outage, settings.outage_shop, settings.outage_requests = "503", "", 1
        return real_outage(settings, shop_domain, environ)

    monkeypatch.setattr(faults, "outage", outage_on_one_call)
    try:
        response = drawer.submit(order, fields, fresh=False)
    finally:
        monkeypatch.setattr(faults, "outage", real_outage)
        devstore.settings.outage, devstore.settings.outage_requests = "", 0
    toast = json.loads(response.headers["HX-Trigger"])["relay:toast"]
    assert toast["error"]
    if failing == "RefundContext":
        assert "Shopify could not be reached; nothing was refunded" in toast["message"]
        assert refunds_of(order) == []
    else:
        assert "Shopify did not confirm the refund" in toast["message"]
        assert [r.status for r in refunds_of(order)] == ["failed"]
    assert devstore_order(devstore, shop, order)["refunds"] == []
    # Shopify back: the refund goes through (a fresh form).
    ok = drawer.submit(order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20"})
    assert "Refunded $20.00" in ok.headers["HX-Trigger"]


def test_shopifys_notification_arriving_before_its_answer_records_the_refund_once(
    shop, devstore, drain, drawer
):
    from devstore import faults

    add_supplier(shop, "Mug Makers", MUG, channel="portal", pay="auto", cost="7.50")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    pay_suppliers(order)
    mug = line_of(order, MUG)
    fields = {**drawer.form_fields(order), f"qty-{mug.id}": "1", f"amount-{mug.id}": "20"}
    devstore.settings.answer_delay_operation = "RefundCreate"
    devstore.settings.answer_delay_shop, devstore.settings.answer_delay_seconds = shop, 2.0
    held_before = faults.held["RefundCreate"]
    result = {}
    submit = threading.Thread(
        target=lambda: result.update(response=drawer.submit(order, fields, fresh=False))
    )
    try:
        submit.start()
        wait_for(lambda: faults.held["RefundCreate"] > held_before, timeout=30)
        # The refund is made in Shopify; Relay has not heard back. The webhook comes first.
        wait_for(lambda: drain() or refunds_of(order)[0].status == "recorded", timeout=15)
        submit.join(30)
    finally:
        devstore.settings.answer_delay_seconds = 0.0
        devstore.settings.answer_delay_operation = ""
    (refund,) = refunds_of(order)
    assert (refund.source, refund.status, refund.created_by) == ("relay", "recorded", "Merchant")
    assert "Refunded $20.00" in result["response"].headers["HX-Trigger"]
    assert [e.amount for e in entries_of(order)] == [Decimal("7.50")]
    assert len(devstore_order(devstore, shop, order)["refunds"]) == 1
