"""Several locations with Shopify's order routing, and the merchant rearranging fulfillment
orders: fulfillmentOrderMove, fulfillmentOrderSplit, fulfillmentOrderMerge, their webhooks."""

import pytest

from devstore import cli, commerce

from .conftest import SHOP
from .fo_helpers import app_with_service, control, fos_of, gql, sent

TOPICS = ["fulfillment_orders/moved", "fulfillment_orders/split", "fulfillment_orders/merged"]
FO_FIELDS = """id status requestStatus assignedLocation { location { id } }
    lineItems(first: 10) { nodes { id sku totalQuantity remainingQuantity } }"""
MOVE = f"""mutation($id: ID!, $to: ID!, $lines: [FulfillmentOrderLineItemInput!]) {{
  fulfillmentOrderMove(id: $id, newLocationId: $to, fulfillmentOrderLineItems: $lines) {{
    originalFulfillmentOrder {{ {FO_FIELDS} }}
    movedFulfillmentOrder {{ {FO_FIELDS} }}
    remainingFulfillmentOrder {{ id }}
    userErrors {{ field message }}
  }} }}"""


@pytest.fixture
def app(server):
    return app_with_service(server, TOPICS)


def location_gid(location_id):
    return commerce.gid("Location", location_id)


def move(server, app, fo_id: int, location_id: int, lines=None) -> dict:
    """fulfillmentOrderMove's payload over HTTP."""
    fo_gid = commerce.gid("FulfillmentOrder", fo_id)
    to = location_gid(location_id)
    return gql(server, app["token"], MOVE, id=fo_gid, to=to, lines=lines)["fulfillmentOrderMove"]


def place(server, *lines):
    order = control(
        server, "/orders", {"line_items": [{"sku": s, "quantity": q} for s, q in lines]}
    )
    return order["id"]


def test_routing_keeps_an_order_whole_where_one_location_stocks_everything(server, app):
    control(server, "/stock", {"client_id": "app-one", "skus": ["MUG-STN-SPK"]})
    split_order = place(server, ("MUG-STN-SPK", 2), ("TEE-ORG-M-SND", 1))
    assert sorted(f["location_id"] for f in fos_of(server.store, split_order)) == sorted(
        [app["merchant_location"], app["service_location"]]
    )
    # Stocked at the merchant's location too: one location can take the whole order.
    control(server, "/stock", {"merchant": True, "skus": ["MUG-STN-SPK"]})
    whole = place(server, ("MUG-STN-SPK", 2), ("TEE-ORG-M-SND", 1))
    assert [f["location_id"] for f in fos_of(server.store, whole)] == [app["merchant_location"]]
    # A line only the service stocks still goes there; the rest stays together.
    control(server, "/stock", {"client_id": "app-one", "skus": ["BRS-LAMP"]})
    mixed = place(server, ("BRS-LAMP", 1), ("MUG-STN-SPK", 1))
    assert [f["location_id"] for f in fos_of(server.store, mixed)] == [app["service_location"]]


def test_moving_a_whole_fulfillment_order_reassigns_it(server, app):
    control(server, "/stock", {"client_id": "app-one", "skus": ["MUG-STN-SPK"], "add": True})
    order_id = place(server, ("MUG-STN-SPK", 2))
    (fo,) = fos_of(server.store, order_id)
    assert fo["location_id"] == app["merchant_location"]
    data = move(server, app, fo["id"], app["service_location"])
    assert data["userErrors"] == []
    moved, original = data["movedFulfillmentOrder"], data["originalFulfillmentOrder"]
    assert moved["id"] == original["id"] == commerce.gid("FulfillmentOrder", fo["id"])
    assert moved["assignedLocation"]["location"]["id"] == location_gid(app["service_location"])
    assert data["remainingFulfillmentOrder"] is None
    (payload,) = sent(server.store, "fulfillment_orders/moved")
    assert payload["source_location"]["id"] == location_gid(app["merchant_location"])
    assert payload["destination_location_id"] == location_gid(app["service_location"])
    assert payload["moved_fulfillment_order"]["status"] == "open"


def test_moving_some_units_makes_a_new_fulfillment_order_at_the_destination(server, app):
    control(
        server,
        "/stock",
        {"client_id": "app-one", "skus": ["MUG-STN-SPK", "TEE-ORG-M-SND"], "add": True},
    )
    order_id = place(server, ("MUG-STN-SPK", 3), ("TEE-ORG-M-SND", 1))
    (fo,) = fos_of(server.store, order_id)
    mug = next(li for li in fo["line_items"] if li["total_quantity"] == 3)
    line_input = [{"id": commerce.gid("FulfillmentOrderLineItem", mug["id"]), "quantity": 2}]
    data = move(server, app, fo["id"], app["service_location"], lines=line_input)
    moved, original = data["movedFulfillmentOrder"], data["originalFulfillmentOrder"]
    assert (
        moved["id"] != original["id"] and data["remainingFulfillmentOrder"]["id"] == original["id"]
    )
    assert [(n["sku"], n["totalQuantity"]) for n in moved["lineItems"]["nodes"]] == [
        ("MUG-STN-SPK", 2)
    ]
    assert sorted((n["sku"], n["totalQuantity"]) for n in original["lineItems"]["nodes"]) == [
        ("MUG-STN-SPK", 1),
        ("TEE-ORG-M-SND", 1),
    ]
    assert original["status"] == moved["status"] == "OPEN"
    (payload,) = sent(server.store, "fulfillment_orders/moved")
    assert payload["fulfillment_order_line_items_requested"] == [
        {"id": line_input[0]["id"], "quantity": 2}
    ]


def test_moves_shopify_refuses(server, app):
    order_id = place(server, ("MUG-STN-SPK", 1))
    (fo,) = fos_of(server.store, order_id)
    # The service location does not stock the mug.
    errors = move(server, app, fo["id"], app["service_location"])
    assert "doesn't stock" in errors["userErrors"][0]["message"]
    control(server, "/stock", {"client_id": "app-one", "skus": ["MUG-STN-SPK"]})
    service_order = place(server, ("MUG-STN-SPK", 1))
    (service_fo,) = fos_of(server.store, service_order)
    control(server, f"/fulfillment_orders/{service_fo['id']}/request_fulfillment")
    # A fulfillment service is acting on it: it stays until a cancellation is accepted.
    refused = move(server, app, service_fo["id"], app["merchant_location"])
    assert (
        refused["movedFulfillmentOrder"] is None
        and "SUBMITTED" in refused["userErrors"][0]["message"]
    )
    assert sent(server.store, "fulfillment_orders/moved") == []


SPLIT = """mutation($splits: [FulfillmentOrderSplitInput!]!) {
  fulfillmentOrderSplit(fulfillmentOrderSplits: $splits) {
    fulfillmentOrderSplits {
      fulfillmentOrder { id lineItems(first: 5) { nodes { id totalQuantity } } }
      remainingFulfillmentOrder { id lineItems(first: 5) { nodes { id totalQuantity } } }
      replacementFulfillmentOrder { id } }
    userErrors { field message code } } }"""
MERGE = """mutation($inputs: [FulfillmentOrderMergeInput!]!) {
  fulfillmentOrderMerge(fulfillmentOrderMergeInputs: $inputs) {
    fulfillmentOrderMerges {
      fulfillmentOrder { id status lineItems(first: 5) { nodes { totalQuantity } } } }
    userErrors { field message code } } }"""


def split_off(server, app, fo: dict, quantity: int) -> dict:
    """fulfillmentOrderSplit of `quantity` units of the fulfillment order's first line."""
    line_gid = commerce.gid("FulfillmentOrderLineItem", fo["line_items"][0]["id"])
    split = {
        "fulfillmentOrderId": commerce.gid("FulfillmentOrder", fo["id"]),
        "fulfillmentOrderLineItems": [{"id": line_gid, "quantity": quantity}],
    }
    return gql(server, app["token"], SPLIT, splits=[split])["fulfillmentOrderSplit"]


def test_split_then_merge_back(server, app):
    order_id = place(server, ("MUG-STN-SPK", 4))
    (fo,) = fos_of(server.store, order_id)
    line_gid = commerce.gid("FulfillmentOrderLineItem", fo["line_items"][0]["id"])
    fo_gid = commerce.gid("FulfillmentOrder", fo["id"])
    result = split_off(server, app, fo, 1)
    (split,) = result["fulfillmentOrderSplits"]
    assert split["fulfillmentOrder"]["id"] == fo_gid
    assert split["fulfillmentOrder"]["lineItems"]["nodes"][0]["totalQuantity"] == 3
    assert split["remainingFulfillmentOrder"]["lineItems"]["nodes"][0]["totalQuantity"] == 1
    assert split["replacementFulfillmentOrder"] is None
    (split_payload,) = sent(server.store, "fulfillment_orders/split")
    assert split_payload["split_line_items"] == [{"id": line_gid, "quantity": 1}]
    assert (
        split_payload["remaining_fulfillment_order"]["id"]
        == split["remainingFulfillmentOrder"]["id"]
    )

    intents = [
        {"fulfillmentOrderId": fo_gid},
        {"fulfillmentOrderId": split["remainingFulfillmentOrder"]["id"]},
    ]
    merged = gql(server, app["token"], MERGE, inputs=[{"mergeIntents": intents}])[
        "fulfillmentOrderMerge"
    ]
    (result,) = merged["fulfillmentOrderMerges"]
    assert result["fulfillmentOrder"]["id"] == fo_gid
    assert result["fulfillmentOrder"]["lineItems"]["nodes"] == [{"totalQuantity": 4}]
    statuses = {f["id"]: f["status"] for f in fos_of(server.store, order_id)}
    assert statuses[fo["id"]] == "OPEN" and sorted(statuses.values()) == ["CLOSED", "OPEN"]
    (merge_payload,) = sent(server.store, "fulfillment_orders/merged")
    assert [i["fulfillment_order_id"] for i in merge_payload["merge_intents"]] == sorted(statuses)


def test_split_and_merge_guards(server, app):
    order_id = place(server, ("MUG-STN-SPK", 2))
    (fo,) = fos_of(server.store, order_id)
    fo_gid = commerce.gid("FulfillmentOrder", fo["id"])
    too_many = split_off(server, app, fo, 5)
    assert too_many["userErrors"][0]["code"] == "INVALID_LINE_ITEM_QUANTITY"
    other = place(server, ("MUG-STN-SPK", 1))
    (other_fo,) = fos_of(server.store, other)
    intents = [
        {"fulfillmentOrderId": fo_gid},
        {"fulfillmentOrderId": commerce.gid("FulfillmentOrder", other_fo["id"])},
    ]
    refused = gql(server, app["token"], MERGE, inputs=[{"mergeIntents": intents}])[
        "fulfillmentOrderMerge"
    ]
    assert "same order" in refused["userErrors"][0]["message"]


def test_the_merchant_moves_splits_and_merges_through_control_routes(server, app):
    warehouse = control(server, "/locations", {"name": "Warehouse"})
    locations = server.client.get(f"/_devstore/shops/{SHOP}/locations").json()
    assert [loc["id"] for loc in locations][-1] == warehouse["id"]
    control(
        server, "/stock", {"location_id": warehouse["id"], "skus": ["MUG-STN-SPK"], "add": True}
    )
    order_id = place(server, ("MUG-STN-SPK", 3))
    (fo,) = fos_of(server.store, order_id)
    line_id = fo["line_items"][0]["id"]
    split = control(
        server,
        f"/fulfillment_orders/{fo['id']}/split",
        {"line_items": [{"id": line_id, "quantity": 1}]},
    )
    moved = control(
        server,
        f"/fulfillment_orders/{split['remaining']['id']}/move",
        {"location_id": warehouse["id"]},
    )
    assert moved["moved"]["location_id"] == warehouse["id"]
    back = control(server, f"/fulfillment_orders/{moved['moved']['id']}/move", {"merchant": True})
    assert back["moved"]["location_id"] == app["merchant_location"]
    merged = control(
        server, f"/fulfillment_orders/{fo['id']}/merge", {"with": [back["moved"]["id"]]}
    )
    assert merged["fulfillment_order"]["line_items"][0]["total_quantity"] == 3
    assert len(sent(server.store, "fulfillment_orders/moved")) == 2


def test_the_order_page_moves_and_splits_with_the_merchants_buttons(server, app):
    control(server, "/stock", {"client_id": "app-one", "skus": ["MUG-STN-SPK"], "add": True})
    order_id = place(server, ("MUG-STN-SPK", 2))
    (fo,) = fos_of(server.store, order_id)
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order_id}").text
    assert "<button>Move</button>" in page and "<button>Split</button>" in page
    base = f"/store/{SHOP}/admin/fulfillment_orders/{fo['id']}"
    line_id = fo["line_items"][0]["id"]
    server.client.post(f"{base}/split", data={"line_item_id": line_id, "quantity": 1})
    first, second = fos_of(server.store, order_id)
    server.client.post(
        f"/store/{SHOP}/admin/fulfillment_orders/{second['id']}/move",
        data={"location_id": app["service_location"]},
    )
    locations = [f["location_id"] for f in fos_of(server.store, order_id)]
    assert locations == [app["merchant_location"], app["service_location"]]
    assert (
        "<button>Merge</button>"
        not in server.client.get(f"/store/{SHOP}/admin/orders/{order_id}").text
    )


def test_the_cli_stocks_moves_splits_and_merges(server, app, capsys):
    def run(words: str) -> int:
        return cli.main(["--url", server.url, *words.split()])

    assert run(f"stock {SHOP} --sku MUG-STN-SPK --client-id app-one") == 0
    assert run(f"stock {SHOP} --sku MUG-STN-SPK --merchant") == 0
    assert run(f"location add {SHOP} --name Depot") == 0
    order_id = place(server, ("MUG-STN-SPK", 3))
    (fo,) = fos_of(server.store, order_id)
    assert fo["location_id"] == app["merchant_location"]
    line_id = fo["line_items"][0]["id"]
    assert run(f"fo split {SHOP} {fo['id']} --line {line_id}:1") == 0
    first, second = fos_of(server.store, order_id)
    assert run(f"fo move {SHOP} {second['id']} --to-client-id app-one") == 0
    assert fos_of(server.store, order_id)[1]["location_id"] == app["service_location"]
    assert run(f"fo move {SHOP} {second['id']} --to-merchant") == 0
    assert run(f"fo merge {SHOP} {first['id']} --with {second['id']}") == 0
    merged, emptied = fos_of(server.store, order_id)
    assert (merged["status"], merged["line_items"][0]["total_quantity"]) == ("OPEN", 3)
    assert (emptied["status"], emptied["line_items"]) == ("CLOSED", [])
    assert run(f"fo move {SHOP} {first['id']} --to-location-id 1") == 1  # no such location
    capsys.readouterr()


LOCATIONS = """query($fo: ID!) {
  locations(first: 10) { nodes { id name isPrimary isFulfillmentService } }
  location { id isPrimary }
  fulfillmentOrder(id: $fo) { locationsForMove(first: 10) { nodes {
    location { id } movable message availableLineItemsCount { count } } } } }"""


def test_an_app_finds_the_locations_a_fulfillment_order_can_move_to(server, app):
    depot = control(server, "/locations", {"name": "Depot"})
    control(server, "/stock", {"location_id": depot["id"], "skus": ["MUG-STN-SPK"], "add": True})
    order_id = place(server, ("MUG-STN-SPK", 1), ("BRS-LAMP", 1))
    (fo,) = fos_of(server.store, order_id)
    data = gql(server, app["token"], LOCATIONS, fo=commerce.gid("FulfillmentOrder", fo["id"]))
    assert [
        (n["name"], n["isPrimary"], n["isFulfillmentService"]) for n in data["locations"]["nodes"]
    ] == [
        ("Shop location", True, False),
        ("Supplier", False, True),
        ("Depot", False, False),
    ]
    assert data["location"]["id"] == location_gid(app["merchant_location"])
    moves = data["fulfillmentOrder"]["locationsForMove"]["nodes"]
    assert [
        (m["location"]["id"], m["movable"], m["availableLineItemsCount"]["count"]) for m in moves
    ] == [
        (location_gid(app["service_location"]), False, 0),
        (location_gid(depot["id"]), False, 1),
    ]
    control(server, "/stock", {"location_id": depot["id"], "skus": ["BRS-LAMP"], "add": True})
    again = gql(server, app["token"], LOCATIONS, fo=commerce.gid("FulfillmentOrder", fo["id"]))
    assert again["fulfillmentOrder"]["locationsForMove"]["nodes"][1]["movable"] is True


def test_stocking_with_create_adds_missing_skus_as_products_at_that_location(server, app):
    answer = control(
        server,
        "/stock",
        {"client_id": "app-one", "skus": ["DROP-1", "MUG-STN-SPK"], "create": True},
    )
    assert answer["created"] == ["DROP-1"] and answer["moved"] == 1
    order_id = place(server, ("DROP-1", 1), ("MUG-STN-SPK", 1))
    (fo,) = fos_of(server.store, order_id)
    assert fo["location_id"] == app["service_location"], "both now stocked only at the service"
    again = control(server, "/stock", {"client_id": "app-one", "skus": ["DROP-1"], "create": True})
    assert again["created"] == [], "created once"
