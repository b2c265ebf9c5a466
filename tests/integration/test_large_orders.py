"""Issue 14, size: an order of 250 lines (Shopify's page limit) is requested whole, forwarded
whole and its tracking pushed, every read paged to Shopify's limits (devstore enforces 250 a
page and 1,000 points a query)."""

from __future__ import annotations

from decimal import Decimal

from devstore import commerce
from domain.fulfillment import requesting as requests
from domain.fulfillment import shipments
from domain.models.orders import Supplier, VariantMapping
from domain.shop import settings as shop_settings
from extensions import db
from tests.conftest import API_KEY
from tests.integration.test_fulfillment import (
    devstore_order,
    refreshed,
    shop_row,
    supplier_order_of,
)

LINES = 250


def big_catalogue(devstore, domain) -> list[str]:
    skus = [f"BULK-{n:03}" for n in range(LINES)]
    with devstore.store.transaction():
        for sku in skus:
            commerce.create_variant(
                devstore.store, domain, title=sku, variant_title="Default", sku=sku, price="1.00"
            )
    devstore.control.post(
        f"/_devstore/shops/{domain}/stock", json={"client_id": API_KEY, "skus": skus}
    ).raise_for_status()
    return skus


def portal_supplier_for(domain, skus) -> Supplier:
    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
    supplier = Supplier(shop_id=shop.id, name="Bulk Supplier", channel="portal", currency="USD")
    db.session.add(supplier)
    db.session.flush()
    for sku in skus:
        db.session.add(
            VariantMapping(shop_id=shop.id, sku=sku, supplier_id=supplier.id, cost=Decimal("0.50"))
        )
    db.session.commit()
    return supplier


def test_a_250_line_order_is_requested_whole_and_its_tracking_reaches_the_store(
    ctx, devstore, installed_shop, drain
):
    skus = big_catalogue(devstore, installed_shop)
    portal_supplier_for(installed_shop, skus)
    response = devstore.control.post(
        f"/_devstore/shops/{installed_shop}/orders",
        json={
            "line_items": [{"sku": sku, "quantity": 1 + n % 3} for n, sku in enumerate(skus)],
            "financial_status": "paid",
        },
    )
    response.raise_for_status()
    placed = response.json()
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    assert len(supplier_order.line_items) == LINES, "the sync read every line"

    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "requested", supplier_order.problem
    (fo,) = devstore_order(devstore, installed_shop, placed["id"])["fulfillment_orders"]
    assert fo["request_status"] == "SUBMITTED", "one request for all 250 lines, nothing split"

    shipments.supplier_accepts(supplier_order, actor_name="Bulk Supplier")
    db.session.commit()
    drain()
    shipments.record_shipment(
        refreshed(supplier_order), shipments.Tracking("tracked", "BULK-1", "DHL", None)
    )
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    (parcel,) = supplier_order.parcels
    assert parcel.push_status == "pushed", parcel.push_error
    assert supplier_order.status == "shipped"
    store = devstore_order(devstore, installed_shop, placed["id"])
    (fulfillment,) = store["fulfillments"]
    assert fulfillment["tracking"]["number"] == "BULK-1"
    assert [fo["status"] for fo in store["fulfillment_orders"]] == ["CLOSED"]
    # A retried push finds this fulfillment again only if it reads all of its lines.
    from domain.shop import tokens
    from integrations.shopify_admin.gateway import fulfillment as fo_gateway

    client = tokens.admin_client(shop_row(installed_shop))
    (read,) = fo_gateway.fulfillments_of(client, supplier_order.order.shopify_gid)
    assert len(read.line_quantities) == LINES


def test_a_parcel_the_store_refused_is_shown_and_can_be_sent_again(
    ctx, devstore, installed_shop, drain, relay_server, id_token
):
    """A parcel refused earlier (main's 250-line order: "no longer open") stays, with Shopify's
    reason in the drawer and a button in the grid and drawer that sends it again."""
    from tests.integration.test_fulfillment import add_supplier, place_order, stock_at_relay
    from tests.integration.test_fulfillment_ui import get, post

    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place_order(devstore, installed_shop)
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    shipments.supplier_accepts(refreshed(supplier_order), actor_name="Portal Supplier")
    db.session.commit()
    drain()
    refused = "These items are no longer open for fulfillment in the store."
    supplier_order = refreshed(supplier_order)
    shipments.record_shipment(supplier_order, shipments.Tracking("tracked", "RETRY-1", "UPS"))
    (parcel,) = supplier_order.parcels
    db.session.flush()
    parcel.push_status, parcel.push_error = "rejected", refused
    supplier_order.problem = refused
    db.session.commit()
    from background import PUSH, queues

    queues.queue(PUSH).empty()  # as the refused run left it: nothing queued

    token = id_token(installed_shop)
    drawer = get(relay_server, f"/orders/{supplier_order.order_id}", token).text
    assert refused in drawer and "Send tracking again" in drawer
    assert "Send tracking again" in get(relay_server, "/orders", token).text

    response = post(
        relay_server, f"/orders/supplier-orders/{supplier_order.id}/retry_tracking", token
    )
    assert response.status_code == 200
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.parcels[0].push_status == "pushed"
    assert supplier_order.problem is None
    (fulfillment,) = devstore_order(devstore, installed_shop, placed["id"])["fulfillments"]
    assert fulfillment["tracking"]["number"] == "RETRY-1"
