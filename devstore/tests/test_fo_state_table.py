"""Fulfillment-order status × request status moves exactly as Shopify's (reference §4.5)."""

import pytest

from devstore import commerce
from devstore.commerce import UserError

from .conftest import SHOP


@pytest.fixture
def service_fo(store, installed):
    """A paid order whose only line sits at a fulfillment service's location."""
    service = commerce.create_fulfillment_service(
        store, SHOP, client_id=installed, name="Supplier", callback_url=None
    )
    with store.transaction():
        commerce.stock_skus_at(store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = commerce.create_order(store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 2}])
    (fo,) = commerce.fulfillment_orders_of(store, SHOP, order["id"])
    return fo["id"]


def state(store, fo_id):
    fo = commerce.get_fulfillment_order(store, SHOP, fo_id)
    return fo["status"], fo["request_status"]


def test_new_fo_at_a_service_is_open_unsubmitted(store, service_fo):
    assert state(store, service_fo) == ("OPEN", "UNSUBMITTED")


def test_submit_then_accept(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo, message="Fragile")
    assert state(store, service_fo) == ("OPEN", "SUBMITTED")
    commerce.accept_fulfillment_request(store, SHOP, service_fo)
    assert state(store, service_fo) == ("IN_PROGRESS", "ACCEPTED")


def test_reject_keeps_it_open_and_it_can_be_submitted_again(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    commerce.reject_fulfillment_request(
        store, SHOP, service_fo, reason="INVENTORY_OUT_OF_STOCK", message="sold out"
    )
    assert state(store, service_fo) == ("OPEN", "REJECTED")
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    assert state(store, service_fo) == ("OPEN", "SUBMITTED")


def test_cancellation_request_accepted_closes_the_fo(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    commerce.accept_fulfillment_request(store, SHOP, service_fo)
    commerce.submit_cancellation_request(store, SHOP, service_fo, message="customer changed mind")
    assert state(store, service_fo) == ("IN_PROGRESS", "CANCELLATION_REQUESTED")
    commerce.accept_cancellation_request(store, SHOP, service_fo)
    assert state(store, service_fo) == ("CLOSED", "CANCELLATION_ACCEPTED")
    fo = commerce.get_fulfillment_order(store, SHOP, service_fo)
    assert all(li["remaining_quantity"] == 0 for li in fo["line_items"])


def test_cancellation_request_rejected_keeps_work_in_progress(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    commerce.accept_fulfillment_request(store, SHOP, service_fo)
    commerce.submit_cancellation_request(store, SHOP, service_fo)
    commerce.reject_cancellation_request(store, SHOP, service_fo, message="already packed")
    assert state(store, service_fo) == ("IN_PROGRESS", "CANCELLATION_REJECTED")


def test_merchant_cancel_of_a_submitted_request_opens_a_replacement(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    result = commerce.cancel_fulfillment_order(store, SHOP, service_fo)
    assert state(store, service_fo)[0] == "CLOSED"
    assert (result["replacement"]["status"], result["replacement"]["request_status"]) == (
        "OPEN",
        "UNSUBMITTED",
    )


def test_a_withdrawn_request_moves_its_items_to_the_replacement_not_to_fulfilled(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    result = commerce.cancel_fulfillment_order(store, SHOP, service_fo)
    original = commerce.get_fulfillment_order(store, SHOP, service_fo)
    assert [(li["total_quantity"], li["remaining_quantity"]) for li in original["line_items"]] == [
        (0, 0)
    ]
    assert [li["remaining_quantity"] for li in result["replacement"]["line_items"]] == [2]
    order = commerce.get_order(store, SHOP, original["order_id"])
    from devstore.routes.admin import fulfillment_status

    fos = commerce.fulfillment_orders_of(store, SHOP, order["id"])
    assert fulfillment_status(order, fos) == "Unfulfilled"


def test_full_fulfillment_closes_partial_keeps_in_progress(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    commerce.accept_fulfillment_request(store, SHOP, service_fo)
    fo = commerce.get_fulfillment_order(store, SHOP, service_fo)
    line = fo["line_items"][0]
    commerce.create_fulfillment(
        store,
        SHOP,
        by_fulfillment_order=[
            {
                "fulfillment_order_id": service_fo,
                "line_items": [
                    {"id": f"gid://shopify/FulfillmentOrderLineItem/{line['id']}", "quantity": 1}
                ],
            }
        ],
        tracking={"number": "1Z1"},
    )
    assert state(store, service_fo) == ("IN_PROGRESS", "ACCEPTED")
    commerce.create_fulfillment(
        store,
        SHOP,
        by_fulfillment_order=[{"fulfillment_order_id": service_fo}],
        tracking={"number": "1Z2"},
    )
    assert state(store, service_fo)[0] == "CLOSED"


def test_hold_and_release(store, service_fo):
    commerce.hold_fulfillment_order(store, SHOP, service_fo, reason="HIGH_RISK_OF_FRAUD")
    assert state(store, service_fo)[0] == "ON_HOLD"
    with pytest.raises(UserError):
        commerce.submit_fulfillment_request(store, SHOP, service_fo)
    commerce.release_hold(store, SHOP, service_fo)
    assert state(store, service_fo) == ("OPEN", "UNSUBMITTED")


@pytest.mark.parametrize(
    "move",
    [
        lambda s, i: commerce.accept_fulfillment_request(s, SHOP, i),
        lambda s, i: commerce.reject_fulfillment_request(s, SHOP, i),
        lambda s, i: commerce.submit_cancellation_request(s, SHOP, i),
        lambda s, i: commerce.accept_cancellation_request(s, SHOP, i),
        lambda s, i: commerce.release_hold(s, SHOP, i),
    ],
    ids=["accept", "reject", "request-cancel", "accept-cancel", "release"],
)
def test_illegal_moves_from_unsubmitted_are_user_errors_and_change_nothing(store, service_fo, move):
    with pytest.raises(UserError):
        move(store, service_fo)
    assert state(store, service_fo) == ("OPEN", "UNSUBMITTED")


def test_submitting_twice_is_refused(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    with pytest.raises(UserError):
        commerce.submit_fulfillment_request(store, SHOP, service_fo)


def test_order_cancel_is_refused_while_a_service_is_working_on_it(store, service_fo):
    commerce.submit_fulfillment_request(store, SHOP, service_fo)
    commerce.accept_fulfillment_request(store, SHOP, service_fo)
    order_id = commerce.get_fulfillment_order(store, SHOP, service_fo)["order_id"]
    with pytest.raises(UserError, match="outstanding fulfillments"):
        commerce.cancel_order(store, SHOP, order_id, reason="CUSTOMER", restock=True)
