"""Who ships a line, from the fulfillment order holding it; and which order the rearranging
webhooks (moved, split, merged) name."""

import pytest

from devstore import fo_payloads
from domain.fulfillment import locations
from integrations.shopify_admin.gateway.fulfillment import FulfillmentOrder, FulfillmentOrderLine
from integrations.shopify_admin.webhook_payloads import order_reference

RELAY = "gid://shopify/Location/2"
STORE = "gid://shopify/Location/1"


def fo(location=RELAY, method="SHIPPING", status="OPEN", **line):
    fields = {"gid": "L1", "line_item_gid": "LI1", "total_quantity": 1, "remaining_quantity": 1}
    return FulfillmentOrder(
        gid="FO1",
        status=status,
        request_status="UNSUBMITTED",
        location_gid=location,
        lines=(FulfillmentOrderLine(**{**fields, **line}),),
        delivery_method=method,
    )


@pytest.mark.parametrize(
    ("order", "who"),
    [
        (fo(), "relay"),
        (fo(method="PICKUP_POINT"), "relay"),  # a pickup point has an address a parcel goes to
        (fo(location=STORE), "merchant"),
        (fo(method="PICK_UP"), "pickup"),  # even at Relay's location: nobody ships it
        (fo(method="LOCAL"), "local"),
        (fo(method="RETAIL"), "merchant"),
        (fo(method="NONE"), "digital"),
        (fo(requires_shipping=False), "digital"),
        (fo(is_gift_card=True), "gift_card"),
    ],
)
def test_only_shipped_lines_at_relays_location_go_to_a_supplier(order, who):
    assert locations.handled_by(order, order.lines[0], RELAY) == who


def test_units_still_at_relays_location_win_and_settled_ones_never_move_a_line():
    class Shop:
        fulfillment_location_gid = RELAY

    split = [fo(location=STORE), fo(location=RELAY)]
    assert locations.placements(Shop, split)["LI1"].handled_by == "relay"
    done = [fo(location=RELAY, status="CLOSED", remaining_quantity=0), fo(location=STORE)]
    assert locations.placements(Shop, done)["LI1"].handled_by == "merchant"
    (only_done,) = locations.placements(Shop, done[:1]).values()
    assert only_done.settled


def test_moved_split_and_merged_payloads_name_a_fulfillment_order():
    a = {"id": 11, "status": "OPEN", "location_id": 1}
    b = {"id": 12, "status": "OPEN", "location_id": 2}
    for payload in (
        fo_payloads.fo_moved(a, b, 1, None),
        fo_payloads.fo_split(a, b, []),
        fo_payloads.fo_merged(a, [(b, {})]),
    ):
        assert order_reference(payload).fulfillment_order_gid == "gid://shopify/FulfillmentOrder/11"
