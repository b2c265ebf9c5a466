"""Issue 17's words in the drawer: a "Sending soon" supplier card says when the order will go
to the supplier, never "Sent to the supplier at …" before anything is sent; the address form
asks for a country from a list named in the admin's language, its value the ISO code."""

import httpx

from tests.integration.test_fulfillment import (
    add_supplier,
    place_order,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_fulfillment_ui import post


def drawer_get(relay_server, path, token, locale):
    return httpx.get(
        f"{relay_server.url}{path}",
        params={"locale": locale},
        headers={"Authorization": f"Bearer {token}", "HX-Request": "true"},
        timeout=30,
    )


def test_a_scheduled_card_says_not_sent_yet(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    token = id_token(installed_shop)
    post(relay_server, f"/orders/supplier-orders/{so.id}/request_fulfillment", token)
    shown = {}
    for locale in ("en", "fr", "hu"):
        shown[locale] = httpx.get(
            f"{relay_server.url}/orders/{so.order_id}",
            params={"locale": locale},
            headers={"Authorization": f"Bearer {token}", "HX-Request": "true"},
            timeout=30,
        ).text
    assert 'data-status="scheduled"' in shown["en"]
    assert "Not sent yet: goes to the supplier at" in shown["en"]
    assert "Sent to the supplier at" not in shown["en"]
    assert "Pas encore envoyée\u00a0: part chez le fournisseur à" in shown["fr"]
    assert "Még nincs elküldve: a csalásszűrési idő után" in shown["hu"]
    drain()


def test_the_address_form_asks_for_a_country_from_a_list(
    ctx, relay_server, installed_shop, devstore, id_token, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    so = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    token = id_token(installed_shop)
    path = f"/orders/{so.order_id}/address"
    english = drawer_get(relay_server, path, token, "en").text
    assert '<select name="country_code" required>' in english
    assert "Country code" not in english and "2 letters" not in english
    assert '<option value="HU">Hungary</option>' in english or 'value="HU" selected' in english
    assert ">Hongrie</option>" in drawer_get(relay_server, path, token, "fr").text
    assert ">Magyarország</option>" in drawer_get(relay_server, path, token, "hu").text
    form = {"name": "Anna", "address1": "Váci utca 12", "city": "Budapest", "country_code": "QQ"}
    refused = post(relay_server, path, token, form)
    assert "Choose a country from the list." in refused.text
    assert "Shipping address updated" not in refused.text
    accepted = post(relay_server, path, token, {**form, "country_code": "HU"})
    assert accepted.status_code == 200 and "Shipping address updated" in accepted.text
    drain()
