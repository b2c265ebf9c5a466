"""Refunds of real stores' money, end to end against devstore (issue 14): orders sold in the
customer's currency (Shopify Markets), discounts at line and order level, taxes added to or
included in prices, import duties. Each test places the order through devstore's control route
(as `order place --presentment-currency/--discount-code/--line-discount/--tax-rate/
--duty-rate` does), mirrors it into Relay by its webhooks, and refunds through the drawer's
form over HTTP: Shopify (devstore) is the judge of what was given back."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from devstore import commerce
from domain.models.orders import LineItem, Order
from domain.money import line_money, refund_checks, refunds
from domain.money.amounts import round_to_currency
from extensions import db
from tests.integration.test_fulfillment import shop_row
from tests.integration.test_refunds import (
    LAMP,
    MUG,
    add_supplier,
    devstore_order,
    entries_of,
    line_of,
    pay_suppliers,
    refunds_of,
)
from tests.integration.test_webhooks import wait_for

D = Decimal


def place_priced(devstore, domain, drain, lines, *, shipping="5.00", **pricing) -> Order:
    """A paid order with opt-in money (devstore's control route). lines: [(sku, qty, price)] or
    [(sku, qty, price, line discount percent)]."""
    items = []
    for sku, qty, price, *discount in lines:
        item = {"sku": sku, "quantity": qty, "price": price}
        if discount:
            item["discount"] = {"percent": discount[0]}
        items.append(item)
    body = {"line_items": items, "financial_status": "paid", "shipping_price": shipping, **pricing}
    doc = devstore.control.post(f"/_devstore/shops/{domain}/orders", json=body)
    doc.raise_for_status()
    gid = f"gid://shopify/Order/{doc.json()['id']}"

    def arrived():
        drain()
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
        return order is not None and order.paid_at is not None

    wait_for(arrived, timeout=15)
    return db.session.scalar(select(Order).where(Order.shopify_gid == gid))


def suggested_full(devstore, order) -> dict:
    """Shopify's own answer (Order.suggestedRefund, suggestFullRefund) of what is left: per
    line gid, the money its units left would give back, in the presentment currency."""
    number = int(order.shopify_gid.rsplit("/", 1)[1])
    doc = devstore.store.get("order", number)
    suggestion = commerce.suggest_refund(doc, refund_line_items=[], suggest_full=True)
    taxes_included = suggestion["order"].get("taxes_included")
    per_line = {}
    for r in suggestion["refund_lines"]:
        money = D(r["subtotal_presentment"])
        if not taxes_included:
            money += D(r["total_tax_presentment"])
        per_line[f"gid://shopify/LineItem/{r['line_item_id']}"] = money
    return {
        "lines": per_line,
        "amount": D(suggestion["amount"]["_presentment"]),
        "maximum": D(suggestion["maximum"]["_presentment"]),
    }


@pytest.fixture
def shop(ctx, installed_shop, devstore):
    from tests.integration.test_fulfillment import stock_at_relay

    stock_at_relay(devstore, installed_shop, skus=(MUG, LAMP))
    return installed_shop


@pytest.fixture
def drawer(relay_server, shop, id_token):
    from tests.integration.test_refunds import Drawer

    return Drawer(relay_server, shop, id_token)


def drawer_html(relay_server, shop, id_token, order) -> str:
    return httpx.get(
        f"{relay_server.url}/orders/{order.id}",
        headers={"Authorization": f"Bearer {id_token(shop)}", "HX-Request": "true"},
        timeout=30,
    ).text


# -- currencies -------------------------------------------------------------------------------


def test_a_presentment_order_is_shown_capped_and_refunded_in_the_customers_currency(
    shop, devstore, drain, drawer, relay_server, id_token
):
    """USD shop, order sold in EUR at 0.92: Relay stores both, shows EUR with USD beside,
    caps in EUR, and refundCreate carries RefundInput.currency = EUR (devstore, following
    shopify.dev, refuses a refund of such an order without it)."""
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    order = place_priced(
        devstore, shop, drain, [(MUG, 2, "20.00")], presentment_currency="EUR", rate="0.92"
    )
    assert (order.currency, order.total) == ("USD", D("45.00"))
    assert (order.presentment_currency, order.presentment_total) == ("EUR", D("41.40"))
    mug = line_of(order, MUG)
    assert (mug.unit_price, mug.presentment_unit_price) == (D("20.00"), D("18.40"))

    html = drawer_html(relay_server, shop, id_token, order)
    assert "€41.40" in html and "$45.00" in html
    form = drawer.open(order).text
    assert re.search(r'data-max-amount="36.80"', form)  # the mugs, in EUR
    assert "€41.40" in form and "($45.00)" in form  # at most, shop amount beside

    over = drawer.submit(order, {f"qty-{mug.id}": "2", f"amount-{mug.id}": "40.00"})
    assert over.status_code == 200  # htmx swaps the form back with its errors
    assert "at most €36.80" in over.text  # capped in EUR, not at the USD 40.00

    done = drawer.submit(order, {"mode": "full"})
    assert done.status_code == 200, done.text[:500]
    (refund,) = refunds_of(order)
    assert (refund.status, refund.currency, refund.amount) == ("recorded", "EUR", D("41.40"))
    assert refund.shop_amount == D("45.00")  # Shopify's booking in the shop's currency
    in_store = devstore_order(devstore, shop, order)
    assert D(in_store["total_refunded_presentment"]) == D("41.40")
    assert D(in_store["total_refunded"]) == D("45.00")
    assert in_store["financial_status"] == "refunded"
    history = drawer.open(order).text
    assert "€41.40" in history and "($45.00)" in history

    drain()  # the refunds/create webhook (transactions in EUR) adopts it, adds nothing
    assert len(refunds_of(order)) == 1


def test_a_refund_made_in_the_admin_of_a_presentment_order_is_mirrored_in_its_currency(
    shop, devstore, drain
):
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    order = place_priced(
        devstore, shop, drain, [(MUG, 2, "20.00")], presentment_currency="EUR", rate="0.92"
    )
    mug = line_of(order, MUG)
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
        currency="EUR",
    )
    wait_for(lambda: drain() or len(refunds_of(order)) == 1, timeout=15)
    (refund,) = refunds_of(order)
    assert (refund.currency, refund.amount, refund.lines[0].amount) == (
        "EUR",
        D("18.40"),
        D("18.40"),
    )


# -- discounts, taxes, duties ----------------------------------------------------------------


def test_a_discounted_line_is_capped_at_what_was_paid_for_it(shop, devstore, drain, drawer):
    """2 mugs at 20.00, 25 % off the line and a 10 % code: the customer paid 27.00 for them;
    Relay used to allow 40.00 (price x quantity)."""
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    order = place_priced(
        devstore,
        shop,
        drain,
        [(MUG, 2, "20.00", "25")],
        discount={"code": "SAVE10", "percent": "10"},
    )
    mug = line_of(order, MUG)
    assert mug.discounted_total == D("27.00")
    over = drawer.submit(order, {f"qty-{mug.id}": "2", f"amount-{mug.id}": "40.00"})
    assert over.status_code == 200  # htmx swaps the form back with its errors
    assert "at most $27.00" in over.text
    assert refunds_of(order) == []
    done = drawer.submit(order, {f"qty-{mug.id}": "2", f"amount-{mug.id}": "27.00"})
    assert done.status_code == 200, done.text[:500]
    assert D(devstore_order(devstore, shop, order)["total_refunded"]) == D("27.00")


def test_a_tax_excluded_line_refunds_its_tax_and_an_included_one_does_not_add_it(
    shop, devstore, drain, drawer
):
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    added = place_priced(devstore, shop, drain, [(MUG, 2, "20.00")], taxes={"rate": "0.2"})
    mug = line_of(added, MUG)
    assert (mug.tax, added.taxes_included) == (D("8.00"), False)
    done = drawer.submit(added, {f"qty-{mug.id}": "2", f"amount-{mug.id}": "48.00"})
    assert done.status_code == 200, done.text[:500]  # main capped it at 40.00
    in_store = devstore_order(devstore, shop, added)
    assert D(in_store["total_refunded"]) == D("48.00")

    included = place_priced(
        devstore, shop, drain, [(MUG, 2, "20.00")], taxes={"rate": "0.2", "included": True}
    )
    mug = line_of(included, MUG)
    assert included.taxes_included is True and mug.tax == D("6.67")
    over = drawer.submit(included, {f"qty-{mug.id}": "2", f"amount-{mug.id}": "46.67"})
    assert over.status_code == 200 and "at most $40.00" in over.text  # htmx: form back


def test_a_supplier_owes_back_the_discounted_price_or_its_whole_cost(shop, devstore, drain, drawer):
    """No cost mapped: the supplier owes what the customer paid for its items before tax
    (27.00 of 40.00 list); a cost mapped: a discounted line refunded in full gives back the
    whole cost (2 x 7.50), not 27/40 of it."""
    add_supplier(shop, "Mug Makers", MUG, cost=None, pay="manual", channel="manual")
    add_supplier(shop, "Lamp Works", LAMP, cost="30.00", pay="manual", channel="manual")
    order = place_priced(
        devstore,
        shop,
        drain,
        [(MUG, 2, "20.00", "25"), (LAMP, 1, "55.00", "20")],
        discount={"code": "SAVE10", "percent": "10"},
        taxes={"rate": "0.2"},
    )
    pay_suppliers(order)
    done = drawer.submit(order, {"mode": "full"})
    assert done.status_code == 200, done.text[:500]
    owed = {e.supplier.name: (e.amount, e.basis) for e in entries_of(order)}
    assert owed == {
        "Mug Makers": (D("27.00"), "refunded_amount"),
        "Lamp Works": (D("30.00"), "cost"),
    }


def test_order_level_discount_and_shipping_are_shared_between_supplier_parts(
    shop, devstore, drain, relay_server, id_token
):
    """The code's discount per part is Shopify's allocation to its lines; shipping (7.00) is
    split by each part's discounted subtotal, the cent left over to the largest part."""
    add_supplier(shop, "Mug Makers", MUG)
    add_supplier(shop, "Lamp Works", LAMP)
    order = place_priced(
        devstore,
        shop,
        drain,
        [(MUG, 1, "20.00"), (LAMP, 1, "55.00")],
        shipping="7.00",
        discount={"code": "SAVE10", "percent": "10"},
    )
    parts = line_money.part_money(order)
    by_name = {so.supplier.name: parts[so.id] for so in order.supplier_orders}
    mugs, lamps = by_name["Mug Makers"], by_name["Lamp Works"]
    assert (mugs.discounts, lamps.discounts) == (D("2.00"), D("5.50"))  # Shopify's split
    # 7.00 x 18.00/67.50 = 1.8666 -> 1.87; 7.00 x 49.50/67.50 = 5.1333 -> 5.13; sum 7.00.
    assert (mugs.shipping, lamps.shipping) == (D("1.87"), D("5.13"))
    assert mugs.shipping + lamps.shipping == order.shipping_total == D("7.00")
    html = drawer_html(relay_server, shop, id_token, order)
    assert html.count("data-part-money") == 2 and "shipping share $5.13" in html


def test_shipping_left_over_cents_go_to_the_largest_part():
    shares = line_money.allocate(D("10.00"), {1: D("1"), 2: D("1"), 3: D("1")}, "USD")
    assert shares == {1: D("3.34"), 2: D("3.33"), 3: D("3.33")}
    shares = line_money.allocate(D("10"), {1: D("1"), 2: D("2")}, "JPY")
    assert shares == {1: D("3"), 2: D("7")}


def test_duties_are_refunded_only_when_the_merchant_asks(shop, devstore, drain, drawer):
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    order = place_priced(devstore, shop, drain, [(MUG, 2, "20.00")], duties={"rate": "0.1"})
    mug = line_of(order, MUG)
    form = drawer.open(order).text
    assert 'name="duties"' in form and "$4.00 of duties left" in form
    without = drawer.submit(order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20.00"})
    assert without.status_code == 200, without.text[:500]
    in_store = devstore_order(devstore, shop, order)
    assert D(in_store.get("refunded_duties", "0")) == 0
    asked = drawer.submit(
        order, {f"qty-{mug.id}": "1", f"amount-{mug.id}": "20.00", "duties": "on"}
    )
    assert asked.status_code == 200, asked.text[:500]
    in_store = devstore_order(devstore, shop, order)
    assert D(in_store["refunded_duties"]) == D("4.00")
    assert D(in_store["total_refunded"]) == D("44.00")
    last = refunds_of(order)[-1]
    assert (last.amount, last.duties_amount) == (D("24.00"), D("4.00"))
    assert 'name="duties"' not in drawer.open(order).text  # nothing left to give back


# -- never more than Shopify would refund -----------------------------------------------------

PRICED = [
    ({"discount": {"code": "SAVE10", "percent": "10"}, "taxes": {"rate": "0.2"}}, "25"),
    ({"taxes": {"rate": "0.27", "included": True}, "duties": {"rate": "0.05"}}, None),
    ({"presentment_currency": "EUR", "rate": "0.92", "taxes": {"rate": "0.2"}}, "15"),
    ({"discount": {"code": "FIVE", "amount": "5.00"}}, "33"),
]


@pytest.mark.parametrize("pricing,line_discount", PRICED)
def test_refundable_never_exceeds_shopifys_suggested_refund(
    shop, devstore, drain, pricing, line_discount
):
    """Relay's own ledger (no Shopify cap applied) equals Shopify's suggestedRefund per line
    on a fresh order, and never exceeds it after partial refunds."""
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    add_supplier(shop, "Lamp Works", LAMP, cost=None)
    mug_line = (MUG, 3, "19.99", line_discount) if line_discount else (MUG, 3, "19.99")
    order = place_priced(devstore, shop, drain, [mug_line, (LAMP, 1, "55.00")], **pricing)
    shopify = suggested_full(devstore, order)
    own = refund_checks.refundable_of(order, shipping_paid=D(0))  # Relay's ledger alone
    for state in own.lines:
        assert state.amount_left == shopify["lines"][state.line.shopify_gid]

    shop_obj = shop_row(shop)
    mug = line_of(order, MUG)
    context = refunds.context_of(shop_obj, order)
    capped = refund_checks.refundable_of(order, shipping_paid=D(0), context=context)
    amount = capped.line(mug.id).amount_left / 3
    form = {
        "key": refunds.new_key(),
        "mode": "partial",
        f"qty-{mug.id}": "1",
        f"amount-{mug.id}": str(round_to_currency(amount, capped.currency)),
    }
    refunds.create_refund(shop_obj, order.id, form)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    shopify = suggested_full(devstore, order)
    context = refunds.context_of(shop_obj, order)
    after = refund_checks.refundable_of(order, shipping_paid=D(0), context=context)
    for state in after.lines:
        assert state.amount_left <= shopify["lines"].get(state.line.shopify_gid, D(0))
    assert after.total_left <= shopify["maximum"]


def test_an_order_synced_without_line_money_reads_it_from_shopify_before_a_refund(
    shop, devstore, drain, drawer
):
    """Orders from the backfill's pages carry no per-line discounts or taxes (query cost):
    the refund form reads them (OrderMoney) before checking anything."""
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    order = place_priced(devstore, shop, drain, [(MUG, 2, "20.00", "25")], taxes={"rate": "0.2"})
    for line in order.line_items:
        line.discounted_total = line.tax = line.presentment_discounted_total = None
    order.shipping_total = None
    db.session.commit()
    form = drawer.open(order).text
    assert 'data-max-amount="36.00"' in form  # 30.00 after the discount + 6.00 tax
    db.session.expire_all()
    mug = db.session.scalar(select(LineItem).where(LineItem.id == line_of(order, MUG).id))
    assert (mug.discounted_total, mug.tax) == (D("30.00"), D("6.00"))


def test_a_full_refund_gives_back_exactly_what_shopify_suggests(shop, devstore, drain, drawer):
    """Sold in EUR, a line discount and a code, 20 % tax added, 5 % duties, shipping: the
    form's Full refund is Shopify's own full suggestion to the cent, and leaves nothing."""
    add_supplier(shop, "Mug Makers", MUG, cost=None)
    add_supplier(shop, "Lamp Works", LAMP, cost=None)
    order = place_priced(
        devstore,
        shop,
        drain,
        [(MUG, 3, "19.99", "15"), (LAMP, 1, "55.00")],
        presentment_currency="EUR",
        rate="0.92",
        discount={"code": "SAVE10", "percent": "10"},
        taxes={"rate": "0.2"},
        duties={"rate": "0.05"},
    )
    expected = suggested_full(devstore, order)["amount"]
    done = drawer.submit(order, {"mode": "full"})
    assert done.status_code == 200, done.text[:500]
    (refund,) = refunds_of(order)
    assert (refund.currency, refund.amount) == ("EUR", expected)
    in_store = devstore_order(devstore, shop, order)
    assert in_store["financial_status"] == "refunded"
    assert D(in_store["total_refunded_presentment"]) == expected
