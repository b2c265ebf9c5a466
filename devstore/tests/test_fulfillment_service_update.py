"""fulfillmentServiceUpdate: the app that registered a service changes its settings (Relay
turns off trackingSupport on installs made before it registered false); another app cannot."""

from devstore import commerce

from .conftest import SHOP
from .fo_helpers import app_with_service, gql

UPDATE = """mutation($id: ID!, $tracking: Boolean!) {
  fulfillmentServiceUpdate(id: $id, trackingSupport: $tracking) {
    fulfillmentService { id trackingSupport callbackUrl } userErrors { field message } } }"""
SERVICES = "{ shop { fulfillmentServices { id serviceName trackingSupport } } }"


def test_the_registering_app_turns_tracking_support_off(server):
    app = app_with_service(server, [])
    (service,) = gql(server, app["token"], SERVICES)["shop"]["fulfillmentServices"]
    assert service["trackingSupport"] is False
    turned_on = gql(server, app["token"], UPDATE, id=service["id"], tracking=True)
    assert turned_on["fulfillmentServiceUpdate"]["fulfillmentService"]["trackingSupport"] is True
    turned_off = gql(server, app["token"], UPDATE, id=service["id"], tracking=False)
    payload = turned_off["fulfillmentServiceUpdate"]
    assert payload["userErrors"] == [] and payload["fulfillmentService"]["trackingSupport"] is False
    (service,) = gql(server, app["token"], SERVICES)["shop"]["fulfillmentServices"]
    assert service["trackingSupport"] is False


def test_another_apps_service_is_not_found(server):
    app = app_with_service(server, [])
    other = commerce.create_fulfillment_service(
        server.store, SHOP, client_id="someone-else", name="Other", callback_url=None
    )
    answer = gql(
        server,
        app["token"],
        UPDATE,
        id=commerce.gid("FulfillmentService", other["id"]),
        tracking=True,
    )["fulfillmentServiceUpdate"]
    assert answer["fulfillmentService"] is None
    assert answer["userErrors"][0]["field"] == ["id"]
