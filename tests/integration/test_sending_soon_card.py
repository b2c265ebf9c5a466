"""Issue 17: a "Sending soon" supplier card says when the order will go to the supplier, and
never "Sent to the supplier at …" before anything is sent; in French and Hungarian too."""

import httpx

from tests.integration.test_fulfillment import (
    add_supplier,
    place_order,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_fulfillment_ui import post


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
