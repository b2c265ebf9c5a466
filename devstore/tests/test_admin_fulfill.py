"""The store admin's order page and its "Fulfill items" page: the note, tags and PO number an
app's order carries, addresses with no "None" in them, and fulfilling by form, some lines now
and the rest in a second parcel, through the same path as the control API's `fulfill` (so
fulfillments/create carries the tracking)."""

from __future__ import annotations

import json
import re

from devstore import commerce

from .conftest import SHOP

ADDRESS = {
    "first_name": "Anna",
    "last_name": "Kovács",
    "address1": "12 King St W",
    "city": "Toronto",
    "country_code": "CA",
}


def _subscribe(store, client_id: str, uri: str, topics: list[str]) -> None:
    with store.transaction():
        for topic in topics:
            store.put(
                "webhook_subscription",
                f"sub-{topic}",
                {"id": f"sub-{topic}", "client_id": client_id, "topic": topic, "uri": uri},
                shop=SHOP,
            )


def _order(store, **extra) -> dict:
    return commerce.create_order(
        store,
        SHOP,
        line_items=[
            {"sku": "MUG-STN-SPK", "quantity": 2},
            {"sku": "TEE-ORG-M-SND", "quantity": 1},
        ],
        customer={"first_name": "Anna", "last_name": "Kovács"},
        shipping_address=ADDRESS,
        **extra,
    )


def _fulfill_url(order: dict, fo: dict) -> str:
    return f"/store/{SHOP}/admin/orders/{order['id']}/fulfillment_orders/{fo['id']}/fulfill"


def _delivered(store, topic: str) -> list[dict]:
    return [
        json.loads(d["body"])
        for d in store.find("webhook_delivery", shop=SHOP)
        if d["topic"] == topic
    ]


def test_order_page_shows_note_tags_po_number_and_no_none(server):
    order = _order(
        server.store,
        note="Dropship order Demo Retailer #1042, placed by Relay.",
        tags=["relay", "relay-r1-so7"],
        po_number="Demo Retailer #1042",
    )
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}").text
    assert "Dropship order Demo Retailer #1042, placed by Relay." in page
    assert '<span class="badge">relay-r1-so7</span>' in page
    assert re.search(r'id="order-po">.*Demo Retailer #1042', page)
    assert "None" not in page
    # No email, no postal code, no country name: those parts are left out, the code shown.
    address = re.search(r'<address class="address">(.*?)</address>', page).group(1)
    assert address.split("<br>") == ["Anna Kovács", "12 King St W", "Toronto", "CA"]
    listed = server.client.get(f"/store/{SHOP}/admin").text
    assert "<td>Anna Kovács</td>" in listed and "None" not in listed


def test_fulfilling_in_two_parcels_sends_each_with_its_tracking(server, installed, receiver):
    _subscribe(server.store, installed, receiver.url, ["FULFILLMENTS_CREATE"])
    order = _order(server.store)
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    mug, tee = fo["line_items"]
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}").text
    assert f'href="{_fulfill_url(order, fo)}"' in page  # the order page's Fulfill items

    form = server.client.get(_fulfill_url(order, fo)).text
    assert f'name="quantity-{mug["id"]}"' in form and 'max="2"' in form
    first = server.client.post(
        _fulfill_url(order, fo),
        data={
            f"quantity-{mug['id']}": "1",
            f"quantity-{tee['id']}": "0",
            "tracking_number": "1Z999AA10123456784",
            "company": "UPS",
            "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            "notify_customer": "1",
        },
    )
    assert first.status_code == 302
    assert "Fulfilled+1+item" in first.headers["Location"]
    fo = commerce.get_fulfillment_order(server.store, SHOP, fo["id"])
    assert fo["status"] == "IN_PROGRESS"
    assert [line["remaining_quantity"] for line in fo["line_items"]] == [1, 1]

    second = server.client.post(
        _fulfill_url(order, fo),
        data={
            f"quantity-{mug['id']}": "1",
            f"quantity-{tee['id']}": "1",
            "tracking_number": "CP123456789CA",
            "company": "Canada Post",
        },
    )
    assert "Fulfilled+2+items" in second.headers["Location"]
    assert commerce.get_fulfillment_order(server.store, SHOP, fo["id"])["status"] == "CLOSED"

    parcels = _delivered(server.store, "fulfillments/create")
    assert [(p["name"], p["tracking_company"], p["tracking_number"]) for p in parcels] == [
        (f"{order['name']}.1", "UPS", "1Z999AA10123456784"),
        (f"{order['name']}.2", "Canada Post", "CP123456789CA"),
    ]
    assert parcels[0]["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert [[li["quantity"] for li in p["line_items"]] for p in parcels] == [[1], [1, 1]]
    stored = commerce.fulfillments_of(server.store, SHOP, order["id"])
    assert [f["notify_customer"] for f in stored] == [True, False]
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}").text
    assert "data-fulfill=" not in page  # nothing left to fulfill
    assert "Canada Post CP123456789CA" in page


def test_the_form_refuses_bad_quantities_and_urls_and_fulfills_nothing(server):
    order = _order(server.store)
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    mug, tee = fo["line_items"]
    bad = [
        ({f"quantity-{mug['id']}": "3"}, "from 0 to 2"),
        ({f"quantity-{mug['id']}": "-1"}, "from 0 to 2"),
        ({f"quantity-{mug['id']}": "one"}, "from 0 to 2"),
        ({f"quantity-{mug['id']}": "0", f"quantity-{tee['id']}": "0"}, "at least one item"),
        ({f"quantity-{mug['id']}": "1", "tracking_url": "ups.com/x"}, "https://"),
    ]
    for data, says in bad:
        response = server.client.post(_fulfill_url(order, fo), data=data)
        assert response.status_code == 422, data
        assert says in response.text, data
        assert 'id="fulfill-form"' in response.text  # the form again, with what was typed
    assert commerce.fulfillments_of(server.store, SHOP, order["id"]) == []
    other = _order(server.store)
    assert server.client.get(_fulfill_url(other, fo)).status_code == 404  # not that order's
    missing = f"/store/{SHOP}/admin/orders/{order['id']}/fulfillment_orders/999/fulfill"
    assert server.client.post(missing, data={}).status_code == 404


def test_a_fulfillment_service_location_is_not_the_shops_to_fulfill(server, installed):
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=installed, name="Supplier", callback_url=None
    )
    with server.store.transaction():
        commerce.stock_skus_at(server.store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = commerce.create_order(
        server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 1}]
    )
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}").text
    assert "data-fulfill=" not in page
    refused = server.client.post(_fulfill_url(order, fo), data={"quantity-1": "1"})
    assert refused.status_code == 409
    assert commerce.fulfillments_of(server.store, SHOP, order["id"]) == []


def test_control_fulfill_takes_some_lines_too(server):
    order = _order(server.store)
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    mug = fo["line_items"][0]
    url = f"/_devstore/shops/{SHOP}/fulfillment_orders/{fo['id']}/fulfill"
    done = server.client.post(
        url, json={"line_items": [{"id": mug["id"], "quantity": 2}], "number": "T-1"}
    )
    assert done.status_code == 200
    assert [li["quantity"] for li in done.json()["line_items"]] == [2]
    assert server.client.post(url, json={"line_items": [{"id": "x"}]}).status_code == 422
    rest = server.client.post(url, json={})  # no line_items: all that remains
    assert [li["quantity"] for li in rest.json()["line_items"]] == [1]
