"""A refund of items a supplier has not shipped reaches the supplier (issue 15, money bugs).

Shopify takes the units a refund cancels (CANCEL, or NO_RESTOCK of unfulfilled units) off the
fulfillment order holding them, also one a fulfillment service was asked for or accepted;
devstore does the same. Relay then tells the supplier's channel: the portal shows the new
quantity and the unit as cancelled, the order placed in a supplier's store is edited down, the
merchant of a manual supplier is told to cancel the items on the supplier's website. A refund
of a unit that already shipped changes nothing at the supplier. Each is tried through Relay's
refund form and through a refund made in the Shopify admin."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from devstore import commerce
from domain.fulfillment import line_changes, shipments
from domain.models.orders import Order, SupplierOrder, VariantMapping
from extensions import db
from tests.integration.merchant_pages import Merchant
from tests.integration.test_fulfillment import shop_row, stock_at_relay
from tests.integration.test_order_edits import (
    forward_now,
    fresh,
    number,
    supplier_store_orders,
)
from tests.integration.test_portal import Portal
from tests.integration.test_refunds import (
    LAMP,
    MUG,
    Drawer,
    add_supplier,
    devstore_order,
    line_of,
    place,
)
from tests.integration.test_webhooks import wait_for

CANCEL_AT_SUPPLIER = "cancel the items taken off on the supplier&#39;s website"


@pytest.fixture
def shop(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop, skus=(MUG, LAMP))
    return installed_shop


@pytest.fixture
def drawer(relay_server, shop, id_token):
    return Drawer(relay_server, shop, id_token)


def fo_lines(devstore, domain, order: Order) -> list[tuple[int, int, str]]:
    """(total, remaining, request status) of each line on the order's open fulfillment orders
    in the store."""
    doc = devstore_order(devstore, domain, order)
    return [
        (li["total_quantity"], li["remaining_quantity"], fo["request_status"])
        for fo in commerce.fulfillment_orders_of(devstore.store, domain, doc["id"])
        if fo["status"] != "CLOSED"
        for li in fo["line_items"]
    ]


def admin_refund(devstore, domain, order: Order, sku: str, quantity: int, restock: str) -> None:
    """The merchant refunds in the Shopify admin (Relay mirrors it from the webhooks)."""
    commerce.create_refund(
        devstore.store,
        domain,
        number(order.shopify_gid),
        refund_line_items=[
            {
                "line_item_id": number(line_of(fresh(order), sku).shopify_gid),
                "quantity": quantity,
                "restock_type": restock,
            }
        ],
        note="Customer changed their mind",
    )


def refund_form(drawer, order: Order, sku: str, quantity: int, price: str, *, restock: bool):
    line = line_of(fresh(order), sku)
    fields = {f"qty-{line.id}": str(quantity), f"amount-{line.id}": price}
    if restock:
        fields[f"restock-{line.id}"] = str(quantity)
    response = drawer.submit(order, fields)
    assert response.status_code == 200 and "Refunded" in response.text, response.text[:500]


def until_quantity(drain, order: Order, sku: str, quantity: int) -> None:
    wait_for(lambda: drain() or line_of(fresh(order), sku).quantity == quantity, timeout=15)


def portal_items(relay_server, part: SupplierOrder) -> tuple[list[str], list[str]]:
    """What the supplier's portal page shows: to ship, and cancelled, per line."""
    page = Portal(relay_server, part.supplier).get(f"orders/{part.id}")
    assert page.status_code == 200
    return (
        re.findall(r'data-remaining="(\d+)"', page.text),
        re.findall(r'data-cancelled="(\d+)"', page.text),
    )


def test_refund_form_cancels_an_unshipped_unit_on_the_portal_and_the_fulfillment_order(
    shop, devstore, drain, drawer, relay_server
):
    add_supplier(shop, "Beanie Co", MUG, channel="portal")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    assert fo_lines(devstore, shop, order) == [(2, 2, "SUBMITTED")]

    refund_form(drawer, order, MUG, 1, "20.00", restock=False)
    until_quantity(drain, order, MUG, 1)

    (store_refund,) = devstore_order(devstore, shop, order)["refunds"]
    assert [r["restock_type"] for r in store_refund["refund_line_items"]] == ["NO_RESTOCK"]
    # Shopify took the refunded unit off the fulfillment order Relay was asked to fulfil.
    assert fo_lines(devstore, shop, order) == [(1, 1, "SUBMITTED")]
    (part,) = fresh(order).supplier_orders
    assert portal_items(relay_server, part) == (["1"], ["1"])


def test_admin_refund_cancels_an_unshipped_unit_of_an_accepted_order_and_the_rest_ships(
    shop, devstore, drain, relay_server
):
    add_supplier(shop, "Beanie Co", MUG, channel="portal")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    (part,) = fresh(order).supplier_orders
    shipments.supplier_accepts(part, actor_name="Beanie Co")
    db.session.commit()
    drain()
    assert fo_lines(devstore, shop, order) == [(2, 2, "ACCEPTED")]

    admin_refund(devstore, shop, order, MUG, 1, "CANCEL")
    until_quantity(drain, order, MUG, 1)

    assert fo_lines(devstore, shop, order) == [(1, 1, "ACCEPTED")]
    (part,) = fresh(order).supplier_orders
    assert portal_items(relay_server, part) == (["1"], ["1"])
    # What the supplier ships now is what Shopify's fulfillment order holds: the parcel of 1
    # is accepted by the store and the order is done.
    shipments.record_shipment(part, shipments.Tracking("tracked", "1Z999", "UPS", None))
    db.session.commit()

    def pushed():
        drain()
        db.session.expire_all()
        return db.session.get(SupplierOrder, part.id).parcels[0].push_status != "pending"

    wait_for(pushed, timeout=15)
    part = db.session.get(SupplierOrder, part.id)
    assert [(p.push_status, p.push_error) for p in part.parcels] == [("pushed", None)]
    assert part.status == "shipped"
    assert fo_lines(devstore, shop, order) == []


def test_refund_form_edits_the_order_placed_in_a_supplier_store(
    shop, devstore, drain, drawer, make_shop, oauth_install
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    supplier = add_supplier(shop, "Beanie Store", MUG, channel="store")
    supplier.store_domain = supplier_domain
    db.session.commit()
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)
    (placed,) = supplier_store_orders(devstore, supplier_domain)
    assert placed["line_items"][0]["quantity"] == 2

    refund_form(drawer, order, MUG, 1, "20.00", restock=True)

    def edited():
        drain()
        (placed,) = supplier_store_orders(devstore, supplier_domain)
        return line_changes.SUPPLIER_STORE_TAG in placed["tags"]

    wait_for(edited, timeout=15)
    (store_refund,) = devstore_order(devstore, shop, order)["refunds"]
    assert [r["restock_type"] for r in store_refund["refund_line_items"]] == ["CANCEL"]
    # A supplier store accepts at once: the accepted fulfillment order lost the unit too.
    assert fo_lines(devstore, shop, order) == [(1, 1, "ACCEPTED")]
    (placed,) = supplier_store_orders(devstore, supplier_domain)
    (placed_line,) = placed["line_items"]
    assert placed_line["quantity"] - placed_line.get("removed_quantity", 0) == 1
    assert placed["edited"] is True
    assert f"Ship only: 1 × {placed_line['sku']}." in placed["note"]


def test_admin_refund_tells_the_merchant_to_cancel_at_a_manual_supplier(
    shop, devstore, drain, relay_server, id_token
):
    add_supplier(shop, "Beanie Web", MUG, channel="manual")
    order = place(devstore, shop, drain, [(MUG, 2, "20.00")])
    forward_now(fresh(order).supplier_orders, drain)

    admin_refund(devstore, shop, order, MUG, 1, "NO_RESTOCK")
    until_quantity(drain, order, MUG, 1)

    assert fo_lines(devstore, shop, order) == [(1, 1, "SUBMITTED")]
    page = Merchant(relay_server.url, shop, id_token).get(f"/orders/{order.id}", htmx=True)
    assert page.status_code == 200
    # The supplier card and the timeline both say what to do on the supplier's website.
    assert page.text.count(CANCEL_AT_SUPPLIER) == 2
    assert "2 → 1" in page.text


def test_a_refund_of_a_shipped_unit_changes_nothing_at_the_supplier(
    shop, devstore, drain, drawer, relay_server
):
    supplier = add_supplier(shop, "Beanie Co", MUG, channel="portal")
    db.session.add(
        VariantMapping(
            shop_id=shop_row(shop).id,
            sku=LAMP,
            supplier_id=supplier.id,
            cost=Decimal("30"),
            cost_currency="EUR",
        )
    )
    db.session.commit()
    order = place(devstore, shop, drain, [(MUG, 2, "20.00"), (LAMP, 1, "55.00")])
    forward_now(fresh(order).supplier_orders, drain)
    (part,) = fresh(order).supplier_orders
    mug = line_of(fresh(order), MUG)
    shipments.record_shipment(
        part, shipments.Tracking("tracked", "1Z111", "UPS", None), quantities={mug.id: 2}
    )
    db.session.commit()
    wait_for(
        lambda: drain() or fresh(order).supplier_orders[0].parcels[0].push_status == "pushed",
        timeout=15,
    )
    assert fresh(order).supplier_orders[0].status == "partially_shipped"
    assert sorted(fo_lines(devstore, shop, order)) == [(1, 1, "ACCEPTED"), (2, 0, "ACCEPTED")]

    refund_form(drawer, order, MUG, 1, "20.00", restock=True)
    until_quantity(drain, order, MUG, 1)

    (store_refund,) = devstore_order(devstore, shop, order)["refunds"]
    assert [r["restock_type"] for r in store_refund["refund_line_items"]] == ["RETURN"]
    # The lamp still to ship is untouched, and the supplier is told nothing.
    assert sorted(fo_lines(devstore, shop, order)) == [(1, 1, "ACCEPTED"), (2, 0, "ACCEPTED")]
    (part,) = fresh(order).supplier_orders
    assert part.problem is None
    assert "quantities_changed_after_forward" not in [e.kind for e in fresh(order).events]
    to_ship, cancelled = portal_items(relay_server, part)
    assert sorted(to_ship) == ["0", "1"] and cancelled == []
