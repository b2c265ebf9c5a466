"""The merchant's fulfillment buttons over HTTP, as htmx and as plain forms: the grid offers
only what the domain allows, an action refused by the rules changes nothing, bulk actions
stay within one supplier, and another shop's supplier order is out of reach."""

import json
import re

import httpx
from sqlalchemy import select

from domain.models.orders import (
    Supplier,
    SupplierOrder,
    VariantMapping,
)
from domain.models.shipments import Parcel
from extensions import db
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    place_order,
    refreshed,
    shop_row,
    stock_at_relay,
    supplier_order_of,
)


def post(relay_server, path, token, data=None, htmx=True, current_url=None, **params):
    headers = {"Authorization": f"Bearer {token}"}
    if htmx:
        headers["HX-Request"] = "true"
    if current_url:  # the page htmx sent it from
        headers["HX-Current-URL"] = current_url
    return httpx.post(
        f"{relay_server.url}{path}", data=data or {}, params=params, headers=headers, timeout=30
    )


def get(relay_server, path, token, **params):
    return httpx.get(
        f"{relay_server.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}", "HX-Request": "true"},
        timeout=30,
    )


def test_grid_offers_request_fulfillment_only_where_the_rules_allow(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    ready = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    unpaid = supplier_order_of(
        installed_shop, place_order(devstore, installed_shop, paid=False), drain
    )
    html = get(relay_server, "/orders", id_token(installed_shop)).text
    assert f"/orders/supplier-orders/{ready.id}/request_fulfillment" in html
    assert f"/orders/supplier-orders/{unpaid.id}/request_fulfillment" not in html


def test_request_fulfillment_from_a_row_swaps_the_row_and_toasts(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    response = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/request_fulfillment",
        id_token(installed_shop),
        {"view": "row"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="order-row-{so.order_id}"')
    assert 'data-status="scheduled"' in response.text
    toast = json.loads(response.headers["HX-Trigger"])["relay:toast"]
    assert "Fulfillment requested" in toast["message"] and not toast["error"]
    drain()
    assert refreshed(so).status == "requested"


def test_an_action_refreshes_the_dashboard_strip_keeping_the_grids_filters(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    supplier = add_supplier(installed_shop)
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    token = id_token(installed_shop)
    grid_url = f"{relay_server.url}/orders?supplier={supplier.id}&q=smith"

    before = get(relay_server, "/orders", token).text
    assert 'id="orders-dashboard"' not in before, "a grid swap does not recount the strip"
    path = f"/orders/supplier-orders/{so.id}/request_fulfillment"
    response = post(relay_server, path, token, {"view": "row"}, current_url=grid_url)
    assert response.status_code == 200
    strip = response.text[response.text.index('<section id="orders-dashboard"') :]
    assert strip.startswith('<section id="orders-dashboard" class="dashboard" hx-swap-oob="true">')
    scheduled = re.search(r'<li data-status="scheduled">.*?</li>', strip, re.S).group(0)
    assert "<strong>1</strong>" in scheduled
    assert f"supplier={supplier.id}" in scheduled and "q=smith" in scheduled
    assert 'data-status="ready"' not in strip, "the order left Ready"

    refused = post(relay_server, path, token, {"view": "row"})
    assert 'id="orders-dashboard"' not in refused.text, "nothing changed, nothing recounted"


def test_an_action_the_rules_do_not_offer_is_refused_and_changes_nothing(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    token = id_token(installed_shop)
    for action in ("release", "mark_ordered", "drop_tables"):
        response = post(
            relay_server, f"/orders/supplier-orders/{so.id}/{action}", token, htmx=False
        )
        assert response.status_code == 409, action  # a wrong state, not bad input
        assert "not possible while the order is" in response.text
    assert refreshed(so).status == "ready"


def test_bulk_actions_stay_within_one_supplier(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop, skus=(SKU, "BRS-LAMP"))
    portal = add_supplier(installed_shop, channel="portal")
    shop = shop_row(installed_shop)
    lamps = Supplier(shop_id=shop.id, name="Lamp Works", channel="manual")
    db.session.add(lamps)
    db.session.flush()
    db.session.add(VariantMapping(shop_id=shop.id, sku="BRS-LAMP", supplier_id=lamps.id))
    db.session.commit()
    mugs = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    mixed = devstore.control.post(
        f"/_devstore/shops/{installed_shop}/orders",
        json={"line_items": [{"sku": SKU, "quantity": 1}, {"sku": "BRS-LAMP", "quantity": 1}]},
    ).json()
    mixed_parts = supplier_order_of(installed_shop, mixed, drain).order.supplier_orders
    assert len(mixed_parts) == 2
    token = id_token(installed_shop)
    order_ids = [mugs.order_id, mixed_parts[0].order_id]

    refused = post(
        relay_server, "/orders/bulk", token, {"action": "request_fulfillment", "order": order_ids}
    )
    assert "one supplier at a time" in refused.text
    assert all(refreshed(so).status == "ready" for so in [mugs, *mixed_parts])

    done = post(
        relay_server,
        "/orders/bulk",
        token,
        {"action": "request_fulfillment", "order": order_ids, "supplier": portal.id},
        supplier=portal.id,
    )
    assert "2 orders updated" in done.text
    statuses = {refreshed(so).supplier_id: refreshed(so).status for so in mixed_parts}
    assert statuses == {portal.id: "scheduled", lamps.id: "ready"}


def test_a_manual_supplier_order_is_marked_ordered_and_tracking_typed_in(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="manual", website_url="https://supplier.example")
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    token = id_token(installed_shop)
    post(relay_server, f"/orders/supplier-orders/{so.id}/request_fulfillment", token)
    drain()
    drawer = get(relay_server, f"/orders/{so.order_id}", token).text
    assert "https://supplier.example" in drawer and "SUP-" + SKU in drawer
    post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/mark_ordered",
        token,
        {"supplier_reference": "WEB-4411"},
    )
    bad = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/add_tracking",
        token,
        {"kind": "tracked", "tracking_number": "1Z", "tracking_url": "ftp://x"},
    )
    assert "must be a web address" in bad.text
    assert db.session.scalar(select(Parcel)) is None
    line_id = refreshed(so).order.line_items[0].id
    ok = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/add_tracking",
        token,
        {"kind": "tracked", "tracking_number": "1Z77", "carrier": "UPS", f"qty-{line_id}": "2"},
    )
    assert ok.status_code == 200 and "Tracking saved" in ok.text
    drain()
    so = refreshed(so)
    assert so.status == "shipped" and so.supplier_reference == "WEB-4411"
    assert so.parcels[0].push_status == "pushed"


def test_another_shops_supplier_order_is_out_of_reach(
    ctx, relay_server, installed_shop, make_shop, oauth_install, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    other = make_shop("other")
    oauth_install(other)
    response = post(
        relay_server, f"/orders/supplier-orders/{so.id}/request_fulfillment", id_token(other)
    )
    assert response.status_code == 404
    assert db.session.get(SupplierOrder, so.id).status == "ready"


def test_the_address_can_change_until_the_order_is_sent_then_it_is_refused(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    placed = place_order(devstore, installed_shop)
    so = supplier_order_of(installed_shop, placed, drain)
    token = id_token(installed_shop)
    new_address = {
        "name": "Anna Kovács",
        "address1": "Váci utca 12",
        "city": "Budapest",
        "zip": "1052",
        "country_code": "hu",
    }
    missing_city = post(
        relay_server, f"/orders/{so.order_id}/address", token, {**new_address, "city": ""}
    )
    assert "Fill in city" in missing_city.text
    ok = post(relay_server, f"/orders/{so.order_id}/address", token, new_address)
    assert ok.status_code == 200 and "Shipping address updated" in ok.text
    in_store = devstore.control.get(f"/_devstore/shops/{installed_shop}/orders").json()
    address = next(o for o in in_store if o["id"] == placed["id"])["shipping_address"]
    assert (address["city"], address["country_code"]) == ("Budapest", "HU")

    post(relay_server, f"/orders/supplier-orders/{so.id}/request_fulfillment", token)
    drain()
    assert refreshed(so).status == "requested"
    refused = post(
        relay_server, f"/orders/{so.order_id}/address", token, {**new_address, "city": "Pécs"}
    )
    assert "already sent to Portal Supplier" in refused.text
    address = next(
        o
        for o in devstore.control.get(f"/_devstore/shops/{installed_shop}/orders").json()
        if o["id"] == placed["id"]
    )["shipping_address"]
    assert address["city"] == "Budapest"
