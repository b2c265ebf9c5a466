"""Local pickup and local delivery, opt-in when placing an order: the fulfillment orders'
deliveryMethod, the chosen location, no shipping address for a pickup."""

import pytest

from devstore import cli, commerce

from .conftest import SHOP
from .fo_helpers import app_with_service, control, fos_of, gql, sent

ORDER = """query($id: ID!) { order(id: $id) { shippingAddress { city }
  fulfillmentOrders(first: 5) { nodes { destination { city }
    assignedLocation { location { id } }
    deliveryMethod { methodType presentedName } } } } }"""


@pytest.fixture
def app(server):
    return app_with_service(server, ["orders/create"])


def order_of(server, app, order_id):
    return gql(server, app["token"], ORDER, id=commerce.gid("Order", order_id))["order"]


def test_a_shipped_order_says_so(server, app):
    order = control(server, "/orders", {"line_items": [{"sku": "MUG-STN-SPK"}]})
    (fo,) = order_of(server, app, order["id"])["fulfillmentOrders"]["nodes"]
    assert fo["deliveryMethod"] == {"methodType": "SHIPPING", "presentedName": None}


def test_a_pickup_order_has_no_shipping_address_and_stays_at_the_pickup_location(server, app):
    control(server, "/stock", {"client_id": "app-one", "skus": ["MUG-STN-SPK"]})
    order = control(
        server,
        "/orders",
        {
            "line_items": [{"sku": "MUG-STN-SPK"}, {"sku": "BRS-LAMP"}],
            "delivery": {"type": "PICK_UP"},
        },
    )
    data = order_of(server, app, order["id"])
    assert data["shippingAddress"] is None
    (fo,) = data["fulfillmentOrders"]["nodes"]
    assert fo["destination"] is None
    assert fo["assignedLocation"]["location"]["id"] == commerce.gid(
        "Location", app["merchant_location"]
    )
    assert fo["deliveryMethod"] == {
        "methodType": "PICK_UP",
        "presentedName": "Pickup at Shop location",
    }
    (created,) = sent(server.store, "orders/create")
    assert created["shipping_address"] is None


def test_local_delivery_from_another_of_the_merchants_locations(server, app):
    shop_front = control(server, "/locations", {"name": "Shop front"})
    order = control(
        server,
        "/orders",
        {
            "line_items": [{"sku": "MUG-STN-SPK"}],
            "delivery": {"type": "LOCAL", "location_id": shop_front["id"]},
        },
    )
    data = order_of(server, app, order["id"])
    assert data["shippingAddress"]["city"] == "San Francisco"
    (fo,) = data["fulfillmentOrders"]["nodes"]
    assert fo["deliveryMethod"]["methodType"] == "LOCAL"
    assert fo["assignedLocation"]["location"]["id"] == commerce.gid("Location", shop_front["id"])
    refused = server.client.post(
        f"/_devstore/shops/{SHOP}/orders",
        json={
            "line_items": [{"sku": "MUG-STN-SPK"}],
            "delivery": {"type": "PICK_UP", "location_id": app["service_location"]},
        },
    )
    assert refused.status_code == 422 and "merchant's own locations" in refused.text


def test_the_cli_places_a_pickup_order(server, app, capsys):
    args = [
        "--url",
        server.url,
        *f"order place {SHOP} --sku MUG-STN-SPK --delivery PICK_UP".split(),
    ]
    assert cli.main(args) == 0
    (order,) = commerce.list_orders(server.store, SHOP)
    (fo,) = fos_of(server.store, order["id"])
    assert fo["delivery_method"]["method_type"] == "PICK_UP" and order["shipping_address"] is None
    capsys.readouterr()
