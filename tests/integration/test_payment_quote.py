"""What paying a supplier costs (domain.payments.quote) and which shipping method applies
(domain.payments.shipping), computed from real rows: zone precedence, the cheapest method by
units, per-extra-item shipping, VAT rounded in EUR, JPY and KWD, and the orders that cannot be
paid (no cost, cost in another currency, no shipping to the destination) kept out of the
totals with their reason."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from domain.models.orders import LineItem, Order, Supplier, SupplierOrder, VariantMapping
from domain.models.payments import ShippingRate
from domain.models.shop import Shop
from domain.payments.quote import quote
from domain.payments.shipping import NoShipping, default_method, methods_for
from extensions import db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
def shop(ctx):
    shop = Shop(domain="quote-test.myshopify.com", currency="EUR")
    db.session.add(shop)
    db.session.commit()
    return shop


def supplier_with(shop, currency="EUR", *, vat=None, costs=(), rates=()) -> Supplier:
    """A portal supplier taking PayPal, with SKU costs [(sku, cost[, currency])] and shipping
    rates [(zone, countries, method, per_order, per_extra_item)]."""
    supplier = Supplier(
        shop_id=shop.id,
        name=f"Supplier {currency}",
        channel="portal",
        currency=currency,
        accepts_paypal=True,
        paypal_email="pay@supplier.example",
        vat_rate=D(vat) if vat is not None else None,
        vat_applies=vat is not None,
    )
    db.session.add(supplier)
    db.session.flush()
    for sku, cost, *cost_currency in costs:
        db.session.add(
            VariantMapping(
                shop_id=shop.id,
                sku=sku,
                supplier_id=supplier.id,
                cost=D(cost) if cost is not None else None,
                cost_currency=cost_currency[0] if cost_currency else currency,
            )
        )
    for position, (zone, countries, method, per_order, extra) in enumerate(rates):
        db.session.add(
            ShippingRate(
                shop_id=shop.id,
                supplier_id=supplier.id,
                zone=zone,
                countries=countries,
                method=method,
                per_order=D(per_order),
                per_extra_item=D(extra),
                position=position,
            )
        )
    db.session.commit()
    return supplier


def supplier_order(shop, supplier, name, lines, country="DE") -> SupplierOrder:
    """An order shipping to `country` whose lines [(sku, quantity)] the supplier ships."""
    order = Order(
        shop_id=shop.id, shopify_gid=f"gid://shopify/Order/{name}", name=f"#{name}",
        created_at=NOW, shopify_updated_at=NOW, financial_status="paid",
        store_status="unfulfilled", currency="EUR", total=D("100"), paid_at=NOW,
        shipping_address={"name": "Ann", "address1": "1 Main St", "city": "Berlin",
                          "country_code": country} if country else None,
    )  # fmt: skip
    db.session.add(order)
    db.session.flush()
    for index, (sku, quantity) in enumerate(lines):
        db.session.add(
            LineItem(
                order_id=order.id, shopify_gid=f"gid://shopify/LineItem/{name}{index}", sku=sku,
                title=f"Item {sku}", quantity=quantity, unit_price=D("20"),
                supplier_id=supplier.id,
            )
        )  # fmt: skip
    part = SupplierOrder(
        order_id=order.id, shop_id=shop.id, supplier_id=supplier.id, status="ready"
    )
    db.session.add(part)
    db.session.commit()
    return part


EUROPE = ("Europe", ["DE", "FR"], "Standard", "4.50", "1.00")
EUROPE_ECONOMY = ("Europe", ["DE", "FR"], "Economy", "3.00", "2.50")
WORLD = ("Rest of the world", [], "Post", "2.00", "0")


def test_a_zone_naming_the_country_beats_the_rest_of_the_world(shop):
    supplier = supplier_with(shop, rates=[WORLD, EUROPE])
    assert [o.method for o in methods_for(supplier, "de")] == ["Standard"]
    assert [o.method for o in methods_for(supplier, "US")] == ["Post"]
    assert methods_for(supplier, None) == []
    only_europe = supplier_with(shop, "USD", rates=[EUROPE])
    assert methods_for(only_europe, "US") == []
    with pytest.raises(NoShipping, match="no shipping rate to US"):
        default_method(only_europe, "US", 1)


def test_the_cheapest_method_depends_on_the_number_of_items(shop):
    supplier = supplier_with(shop, rates=[EUROPE, EUROPE_ECONOMY])
    options = methods_for(supplier, "FR")
    assert [o.method for o in options] == ["Economy", "Standard"]  # cheapest for one item
    assert options[0].currency == "EUR" and options[0].per_order == D("3.00")
    assert default_method(supplier, "FR", 1).method == "Economy"  # 3.00 against 4.50
    assert default_method(supplier, "FR", 3).method == "Standard"  # 6.50 against 8.00


def test_an_order_is_priced_at_cost_with_per_extra_item_shipping_and_vat_in_euro(shop):
    supplier = supplier_with(
        shop, vat="27", costs=[("MUG", "9.99"), ("CAP", "5.00")], rates=[EUROPE, EUROPE_ECONOMY]
    )
    part = supplier_order(shop, supplier, "1001", [("MUG", 2), ("CAP", 1), ("GONE", 0)])
    result = quote(shop, supplier, [part])
    (order,) = result.orders
    assert [(ln.sku, ln.quantity, ln.unit_cost, ln.line_total) for ln in order.lines] == [
        ("MUG", 2, D("9.99"), D("19.98")),
        ("CAP", 1, D("5.00"), D("5.00")),
    ]  # the removed line (quantity 0) is not paid for
    assert order.goods == D("24.98")
    assert order.shipping_method == "Standard" and order.shipping == D("6.50")  # 4.50 + 2 x 1
    assert order.vat == D("8.50")  # 31.48 x 27 % = 8.4996
    assert order.total == D("39.98") and order.problem is None
    assert [o.method for o in order.shipping_options] == ["Economy", "Standard"]
    assert (result.goods, result.shipping, result.vat, result.total) == (
        D("24.98"), D("6.50"), D("8.50"), D("39.98"),
    )  # fmt: skip
    assert result.currency == "EUR" and result.payable and result.unpayable == ()

    chosen = quote(shop, supplier, [part], {part.id: order.shipping_options[0].rate_id})
    assert chosen.orders[0].shipping_method == "Economy"
    assert chosen.orders[0].shipping == D("8.00")  # 3.00 + 2 x 2.50


def test_yen_amounts_round_to_whole_yen(shop):
    supplier = supplier_with(
        shop, "JPY", vat="10", costs=[("TEA", "333")], rates=[("Japan", ["JP"], "Yu", "450", "100")]
    )
    result = quote(shop, supplier, [supplier_order(shop, supplier, "2001", [("TEA", 3)], "JP")])
    (order,) = result.orders
    assert (order.goods, order.shipping, order.vat, order.total) == (
        D("999"), D("650"), D("165"), D("1814"),
    )  # fmt: skip  # VAT 164.9 rounds to 165
    assert str(result.total) == "1814"


def test_dinar_amounts_round_half_up_to_three_decimals(shop):
    supplier = supplier_with(
        shop,
        "KWD",
        vat="5",
        costs=[("OUD", "1.240")],
        rates=[("Gulf", ["KW"], "DHL", "0.750", "0")],
    )
    result = quote(shop, supplier, [supplier_order(shop, supplier, "3001", [("OUD", 2)], "KW")])
    (order,) = result.orders
    assert (order.goods, order.shipping, order.vat, order.total) == (
        D("2.480"), D("0.750"), D("0.162"), D("3.392"),
    )  # fmt: skip  # 3.230 x 5 % = 0.1615, half up


def test_vat_that_does_not_apply_adds_nothing(shop):
    supplier = supplier_with(shop, costs=[("MUG", "10")], rates=[WORLD])
    supplier.vat_rate, supplier.vat_applies = D("20"), False
    db.session.commit()
    result = quote(shop, supplier, [supplier_order(shop, supplier, "4001", [("MUG", 1)])])
    assert str(result.vat) == "0.00" and str(result.orders[0].vat) == "0.00"
    assert result.total == D("12.00") and result.vat_rate is None


def test_orders_that_cannot_be_paid_say_why_and_stay_out_of_the_totals(shop):
    supplier = supplier_with(
        shop,
        costs=[("MUG", "10"), ("NOCOST", None), ("USD-1", "3", "USD")],
        rates=[EUROPE],
    )
    good = supplier_order(shop, supplier, "5001", [("MUG", 1)])
    no_cost = supplier_order(shop, supplier, "5002", [("MUG", 1), ("NOCOST", 1)])
    unmapped = supplier_order(shop, supplier, "5003", [("UNKNOWN", 1)])
    dollars = supplier_order(shop, supplier, "5004", [("USD-1", 1)])
    far = supplier_order(shop, supplier, "5005", [("MUG", 1)], country="US")
    nowhere = supplier_order(shop, supplier, "5006", [("MUG", 1)], country=None)
    result = quote(shop, supplier, [good, no_cost, unmapped, dollars, far, nowhere])

    assert [o.order_name for o in result.orders] == ["#5001"]
    assert result.total == D("14.50")  # 10 + 4.50: only the payable order
    problems = {o.order_name: o.problem for o in result.unpayable}
    assert "SKU NOCOST has no cost" in problems["#5002"]
    assert "SKU UNKNOWN has no cost" in problems["#5003"]
    assert "costs in USD but Supplier EUR bills in EUR" in problems["#5004"]
    assert problems["#5005"] == "Cannot be paid: no shipping to US."
    assert "no shipping address" in problems["#5006"]


def test_a_chosen_method_that_does_not_ship_there_and_another_suppliers_order_are_refused(shop):
    supplier = supplier_with(shop, costs=[("MUG", "10")], rates=[EUROPE, WORLD])
    other = supplier_with(shop, "USD", costs=[("HAT", "1")], rates=[WORLD])
    part = supplier_order(shop, supplier, "6001", [("MUG", 1)])
    world_rate = methods_for(supplier, "US")[0].rate_id
    wrong = quote(shop, supplier, [part], {part.id: world_rate})
    assert "does not ship to DE" in wrong.unpayable[0].problem and wrong.total == D("0.00")
    theirs = supplier_order(shop, other, "6002", [("HAT", 1)])
    mixed = quote(shop, supplier, [part, theirs])
    assert [o.order_name for o in mixed.orders] == ["#6001"]
    assert "not shipped by Supplier EUR" in mixed.unpayable[0].problem


def test_a_supplier_with_no_method_is_quoted_but_not_payable(shop):
    supplier = supplier_with(shop, costs=[("MUG", "10")], rates=[WORLD])
    supplier.accepts_paypal = False
    db.session.commit()
    result = quote(shop, supplier, [supplier_order(shop, supplier, "7001", [("MUG", 1)])])
    assert result.total == D("12.00") and not result.payable
    assert "takes no payment method through Relay" in result.supplier_problem


def test_a_quote_of_many_orders_reads_a_fixed_number_of_times(shop):
    """Orders, lines, costs and rates are read once per quote, not once per order: 12 orders
    take a handful of queries (per-order loading would take over 24)."""
    supplier = supplier_with(shop, costs=[("MUG", "10"), ("CAP", "5")], rates=[EUROPE, WORLD])
    parts = [
        supplier_order(shop, supplier, f"80{n:02d}", [("MUG", 1), ("CAP", 2)]) for n in range(12)
    ]
    ids = [p.id for p in parts]
    db.session.expire_all()
    parts = [db.session.get(SupplierOrder, i) for i in ids]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = quote(shop, supplier, parts)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(result.orders) == 12 and result.total == D("12") * D("26.50")
    assert len(statements) <= 10, "\n".join(s[:50] for s in statements)
