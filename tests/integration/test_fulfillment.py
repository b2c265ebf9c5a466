"""Request Fulfillment → hold window → forwarded to the supplier → parcels pushed to the store,
end to end against devstore with real webhooks and RQ."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.errors import DomainError
from domain.fulfillment import requesting as requests
from domain.fulfillment import shipments
from domain.models.orders import Order, Supplier, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.shop import settings as shop_settings
from extensions import db
from tests.conftest import API_KEY
from tests.integration.automatic_payment import make_automatic
from tests.integration.test_webhooks import wait_for

SKU = "MUG-STN-SPK"


def shop_row(domain):
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def add_supplier(domain, *, channel="portal", place="manual", pay="manual", **fields):
    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
    supplier = Supplier(
        shop_id=shop.id,
        name=f"{channel.title()} Supplier",
        channel=channel,
        place_mode=place,
        pay_mode=pay,
        currency="EUR",
        **fields,
    )
    db.session.add(supplier)
    db.session.flush()
    db.session.add(
        VariantMapping(
            shop_id=shop.id,
            sku=SKU,
            supplier_id=supplier.id,
            supplier_sku="SUP-" + SKU,
            cost=Decimal("7.50"),
            cost_currency="EUR",
        )
    )
    db.session.commit()
    return make_automatic(supplier) if pay == "auto" else supplier


def stock_at_relay(devstore, domain, skus=(SKU,)):
    devstore.control.post(
        f"/_devstore/shops/{domain}/stock", json={"client_id": API_KEY, "skus": list(skus)}
    ).raise_for_status()


def place_order(devstore, domain, *, paid=True, quantity=2):
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={
            "line_items": [{"sku": SKU, "quantity": quantity}],
            "financial_status": "paid" if paid else "pending",
        },
    )
    response.raise_for_status()
    return response.json()


def supplier_order_of(domain, order_doc, drain):
    gid = f"gid://shopify/Order/{order_doc['id']}"

    def arrived():
        drain()
        db.session.expire_all()
        return db.session.scalar(select(Order).where(Order.shopify_gid == gid)) is not None

    wait_for(arrived, timeout=15)
    order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
    return order.supplier_orders[0]


def devstore_order(devstore, domain, order_id):
    orders = devstore.control.get(f"/_devstore/shops/{domain}/orders?limit=500").json()
    return next(o for o in orders if o["id"] == order_id)


def refreshed(supplier_order):
    db.session.expire_all()
    return db.session.get(SupplierOrder, supplier_order.id)


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


def test_portal_order_goes_from_request_to_tracking_in_the_store(ctx, devstore, retailer, drain):
    add_supplier(retailer, channel="portal")
    placed = place_order(devstore, retailer)
    supplier_order = supplier_order_of(retailer, placed, drain)
    assert supplier_order.status == "ready"

    outcome = requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    assert outcome.done == 1 and refreshed(supplier_order).status == "scheduled"
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "requested"
    fo = devstore_order(devstore, retailer, placed["id"])["fulfillment_orders"][0]
    assert fo["request_status"] == "SUBMITTED", "Relay submitted the request in the store"

    shipments.supplier_accepts(supplier_order, actor_name="Portal Supplier")
    db.session.commit()
    drain()
    fo = devstore_order(devstore, retailer, placed["id"])["fulfillment_orders"][0]
    assert (fo["status"], fo["request_status"]) == ("IN_PROGRESS", "ACCEPTED")

    line_id = supplier_order.order.line_items[0].id
    shipments.record_shipment(
        refreshed(supplier_order),
        shipments.Tracking("tracked", "1Z999", "UPS", "https://ups.example/1Z999"),
        quantities={line_id: 1},
    )
    db.session.commit()
    shipments.record_shipment(
        refreshed(supplier_order), shipments.Tracking("tracked", "1Z998", "UPS", None)
    )
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "shipped"
    assert [p.push_status for p in supplier_order.parcels] == ["pushed", "pushed"]
    fulfillments = devstore_order(devstore, retailer, placed["id"])["fulfillments"]
    assert sorted(f["tracking"]["number"] for f in fulfillments) == ["1Z998", "1Z999"]
    assert all(f["notify_customer"] for f in fulfillments)


def test_request_fulfillment_refuses_unpaid_cancelled_and_repeated_requests(
    ctx, devstore, retailer, drain
):
    add_supplier(retailer)
    unpaid = supplier_order_of(retailer, place_order(devstore, retailer, paid=False), drain)
    outcome = requests.request_fulfillment([unpaid], actor="merchant")
    assert outcome.done == 0 and "not paid" in outcome.refused[0]

    paid = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    assert requests.request_fulfillment([paid], actor="merchant").done == 1
    db.session.commit()
    again = requests.request_fulfillment([refreshed(paid)], actor="merchant")
    assert again.done == 0 and "cannot be requested again" in again.refused[0]
    db.session.commit()
    drain()
    assert refreshed(paid).status == "requested"
    order_id = int(refreshed(paid).order.shopify_gid.rsplit("/", 1)[1])
    (fo,) = devstore_order(devstore, retailer, order_id)["fulfillment_orders"]
    assert len(fo["merchant_requests"]) == 1, "submitted to the store exactly once"


def test_forwarding_twice_places_one_order_in_the_supplier_store(
    ctx, devstore, retailer, make_shop, oauth_install, drain
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    add_supplier(retailer, channel="store", store_domain=supplier_domain)
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "in_progress", "placing it in the supplier store accepts it"
    placed = [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    ]
    assert len(placed) == 1
    assert placed[0]["line_items"][0]["sku"] == "SUP-" + SKU
    assert placed[0]["shipping_address"]["city"]
    # A retried forward (the job ran again after a crash) finds the same order.
    from domain.fulfillment import channels

    shop = shop_row(retailer)
    supplier_order.status = "scheduled"
    db.session.commit()
    channels.dispatch(shop, refreshed(supplier_order))
    again = [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    ]
    assert len(again) == 1


def test_supplier_store_fulfillment_becomes_tracking_in_the_retailer_store(
    ctx, devstore, retailer, make_shop, oauth_install, drain
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    add_supplier(retailer, channel="store", store_domain=supplier_domain)
    placed = place_order(devstore, retailer)
    supplier_order = supplier_order_of(retailer, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    in_supplier_store = next(
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    )
    fo_id = in_supplier_store["fulfillment_orders"][0]["id"]
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/fulfillment_orders/{fo_id}/fulfill",
        json={"number": "LX123", "company": "La Poste", "url": "https://laposte.example/LX123"},
    ).raise_for_status()

    def pushed():
        drain()
        return devstore_order(devstore, retailer, placed["id"])["fulfillments"]

    wait_for(pushed, timeout=15)
    (fulfillment,) = devstore_order(devstore, retailer, placed["id"])["fulfillments"]
    assert fulfillment["tracking"]["number"] == "LX123"
    assert refreshed(supplier_order).status == "shipped"


def test_hold_stops_forwarding_until_released(ctx, devstore, retailer, drain):
    add_supplier(retailer)
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    requests.hold(supplier_order)
    db.session.commit()
    drain()
    assert refreshed(supplier_order).status == "on_hold"
    requests.release(refreshed(supplier_order))
    db.session.commit()
    drain()
    assert refreshed(supplier_order).status == "requested"


def test_tracking_must_be_a_web_address_and_quantities_must_exist(ctx, devstore, retailer, drain):
    add_supplier(retailer)
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    line_id = supplier_order.order.line_items[0].id
    with pytest.raises(DomainError, match="http"):
        shipments.record_shipment(
            supplier_order, shipments.Tracking("tracked", "X1", "UPS", "javascript:alert(1)")
        )
    with pytest.raises(DomainError, match="left to ship"):
        shipments.record_shipment(
            supplier_order, shipments.Tracking("tracked", "X1"), quantities={line_id: 3}
        )
    db.session.rollback()
    assert refreshed(supplier_order).parcels == []
    assert refreshed(supplier_order).status == "requested"


def test_one_suppliers_shipment_leaves_the_other_suppliers_part_alone(
    ctx, devstore, retailer, drain
):
    portal = add_supplier(retailer, channel="portal")
    shop = shop_row(retailer)
    lamps = Supplier(shop_id=shop.id, name="Lamp Works", channel="manual")
    db.session.add(lamps)
    db.session.flush()
    db.session.add(VariantMapping(shop_id=shop.id, sku="BRS-LAMP", supplier_id=lamps.id))
    db.session.commit()
    stock_at_relay(devstore, retailer, skus=(SKU, "BRS-LAMP"))
    placed = devstore.control.post(
        f"/_devstore/shops/{retailer}/orders",
        json={"line_items": [{"sku": SKU, "quantity": 1}, {"sku": "BRS-LAMP", "quantity": 1}]},
    ).json()
    parts = supplier_order_of(retailer, placed, drain).order.supplier_orders
    mugs = next(so for so in parts if so.supplier_id == portal.id)
    lamp = next(so for so in parts if so.supplier_id == lamps.id)
    requests.request_fulfillment([mugs], actor="merchant")
    db.session.commit()
    drain()
    shipments.record_shipment(refreshed(mugs), shipments.Tracking("tracked", "1Z5"))
    db.session.commit()
    wait_for(lambda: drain() or refreshed(mugs).order.store_status == "PARTIALLY_FULFILLED", 15)
    assert refreshed(mugs).status == "shipped"
    assert refreshed(lamp).status == "ready", "the lamp supplier has not done anything yet"
