"""A signed webhook proves it came from Shopify, not which shop it is about: the HMAC is the
app's secret over the body, the same for every shop. These tests replay captured bodies under
another shop's X-Shopify-Shop-Domain (with fresh webhook ids, as an attacker would) and prove
that nothing in that shop is created, changed or erased; and that bad data is set aside
instead of re-run forever, while one shop's uninstall and erasure never race."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from background import queues
from domain.fulfillment import recovery
from domain.models.orders import Order
from domain.models.shop import ComplianceRecord, Shop, WebhookReceipt
from domain.webhooks import intake as webhook_intake
from extensions import db
from jobs import outbox
from tests.conftest import API_KEY
from tests.integration.merchant_pages import place_orders
from tests.integration.test_webhooks import addressed_to, deliver, example, wait_for

pytestmark = pytest.mark.attack


def shop_row(domain: str) -> Shop | None:
    db.session.expire_all()
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def orders_of(domain: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(Order).join(Shop).where(Shop.domain == domain)
    )


def latest_receipt(topic: str) -> WebhookReceipt:
    db.session.expire_all()
    return db.session.scalar(
        select(WebhookReceipt)
        .where(WebhookReceipt.topic == topic)
        .order_by(WebhookReceipt.id.desc())
    )


def delivered_body(devstore, shop: str, topic: str) -> dict:
    """What devstore (as Shopify) sent this shop for the topic: the captured body."""
    deliveries = devstore.control.get("/_devstore/deliveries", params={"shop": shop}).json()
    return next(d["payload"] for d in reversed(deliveries) if d["topic"] == topic)


@pytest.fixture
def two_shops(installed_shop, make_shop, oauth_install):
    victim = make_shop("victim")
    oauth_install(victim)
    return installed_shop, victim


@pytest.mark.parametrize("topic", ["orders/create", "orders/updated", "orders/paid"])
def test_an_order_body_replayed_under_another_shop_creates_nothing_there(
    ctx, devstore, relay_server, two_shops, drain, topic
):
    source, victim = two_shops
    (order,) = place_orders(devstore, drain, source, [["MUG-1"]])
    captured = delivered_body(devstore, source, "orders/create")
    assert captured["admin_graphql_api_id"] == order.shopify_gid

    answer = deliver(relay_server, victim, topic, captured)
    assert answer.status_code == 200, "acknowledged, so Shopify would not retry it"
    drain()

    assert orders_of(victim) == 0, "the other shop's order was not created in this one"
    assert orders_of(source) == 1
    assert latest_receipt(topic).processed_at is not None


def test_the_same_body_under_its_own_shop_still_updates_the_order(
    ctx, devstore, relay_server, installed_shop, drain
):
    (order,) = place_orders(devstore, drain, installed_shop, [["MUG-1"]])
    captured = delivered_body(devstore, installed_shop, "orders/create")
    customer = {**captured["customer"], "email": "new@example.com"}
    later = {**captured, "updated_at": "2099-01-01T00:00:00Z", "customer": customer}
    assert deliver(relay_server, installed_shop, "orders/updated", later).status_code == 200
    drain()
    db.session.expire_all()
    assert db.session.get(Order, order.id).customer_email == "new@example.com"


def test_app_uninstalled_from_another_shop_or_while_the_token_works_uninstalls_nothing(
    ctx, relay_server, two_shops, drain
):
    source, victim = two_shops
    foreign = addressed_to(example("app/uninstalled"), source)
    assert deliver(relay_server, victim, "app/uninstalled", foreign).status_code == 200
    drain()
    assert shop_row(victim).is_installed
    assert "names another shop" in latest_receipt("app/uninstalled").error

    own = addressed_to(example("app/uninstalled"), victim)
    assert deliver(relay_server, victim, "app/uninstalled", own).status_code == 200
    drain()
    assert shop_row(victim).is_installed, "Shopify still accepts Relay's token: a replay"
    assert "still accepts" in latest_receipt("app/uninstalled").error


def test_shop_redact_for_an_installed_shop_erases_nothing_and_says_why(
    ctx, devstore, relay_server, installed_shop, drain
):
    place_orders(devstore, drain, installed_shop, [["MUG-1"]])
    body = addressed_to(example("shop/redact"), installed_shop)
    assert deliver(relay_server, installed_shop, "shop/redact", body).status_code == 200
    drain()
    assert shop_row(installed_shop).is_installed and orders_of(installed_shop) == 1
    record = db.session.scalar(
        select(ComplianceRecord).where(ComplianceRecord.topic == "shop/redact")
    )
    assert record.result == {"erased": False, "reason": "Relay is installed on this shop"}


def test_a_customer_redaction_naming_another_shop_redacts_nothing(
    ctx, devstore, relay_server, two_shops, drain
):
    source, victim = two_shops
    place_orders(devstore, drain, victim, [["MUG-1"]])
    kept = delivered_body(devstore, victim, "orders/create")
    customer = {"id": kept["customer"]["id"], "email": kept["customer"]["email"]}
    request = {**addressed_to(example("customers/redact"), source), "customer": customer}
    assert deliver(relay_server, victim, "customers/redact", request).status_code == 200
    drain()
    assert "names another shop" in latest_receipt("customers/redact").error
    mentions = db.session.scalars(
        select(WebhookReceipt.payload).where(
            WebhookReceipt.shop_domain == victim, WebhookReceipt.topic == "orders/create"
        )
    ).all()
    assert any((p.get("customer") or {}).get("email") == customer["email"] for p in mentions), (
        "the victim's stored webhooks still hold the customer's data"
    )


@pytest.mark.parametrize(
    "order",
    ["uninstall first", "redact first", pytest.param("together", marks=pytest.mark.postgresql)],
)
def test_uninstall_and_shop_redact_arriving_together_erase_the_shop_once(
    app, ctx, devstore, relay_server, installed_shop, drain, order
):
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/apps/{API_KEY}/uninstall"
    ).raise_for_status()
    wait_for(lambda: latest_receipt("app/uninstalled") is not None)
    body = addressed_to(example("shop/redact"), installed_shop)
    assert deliver(relay_server, installed_shop, "shop/redact", body).status_code == 200
    uninstall_id = latest_receipt("app/uninstalled").id
    redact_id = latest_receipt("shop/redact").id
    queues.queue(queues.PUSH).empty()  # run them here, in the order under test

    def run(receipt_id, errors):
        with app.app_context():
            try:
                webhook_intake.process(receipt_id)
            except Exception as exc:  # collected: the assertion below names it
                errors.append(exc)
            finally:
                db.session.remove()

    errors: list[Exception] = []
    if order == "together":
        threads = [
            threading.Thread(target=run, args=(rid, errors)) for rid in (uninstall_id, redact_id)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        first, second = (
            (uninstall_id, redact_id) if order == "uninstall first" else (redact_id, uninstall_id)
        )
        run(first, errors)
        run(second, errors)

    assert errors == []
    assert shop_row(installed_shop) is None, "erased"
    db.session.expire_all()
    assert db.session.get(WebhookReceipt, redact_id).processed_at is not None
    erased = db.session.scalars(
        select(ComplianceRecord.result).where(ComplianceRecord.topic == "shop/redact")
    ).all()
    assert erased == [{"erased": True}]


def test_a_body_with_missing_fields_is_set_aside_not_re_run_by_every_sweep(
    ctx, app, devstore, relay_server, installed_shop, drain, id_token
):
    (order,) = place_orders(devstore, drain, installed_shop, [["MUG-1"]])
    captured = delivered_body(devstore, installed_shop, "orders/create")
    broken = {k: v for k, v in captured.items() if k != "name"}  # Shopify always sends it
    broken["updated_at"] = "2099-01-01T00:00:00Z"
    assert deliver(relay_server, installed_shop, "orders/updated", broken).status_code == 200
    drain()

    receipt = latest_receipt("orders/updated")
    assert receipt.processed_at is None
    assert receipt.parked_at is not None and receipt.park_reason == "bad_data"
    assert receipt.error == "KeyError: 'name'"
    failed = queues.queue(queues.PUSH).failed_job_registry.get_job_ids()
    assert failed == [f"webhook-{receipt.id}"], "failed at once, shown on the Jobs page"

    # An hour later, past every grace period of the sweep and the outbox pass:
    receipt.received_at = receipt.received_at - timedelta(hours=1)
    db.session.commit()
    queues.queue(queues.PUSH).failed_job_registry.remove(f"webhook-{receipt.id}", delete_job=True)
    shop = shop_row(installed_shop)
    assert recovery.reconcile(shop).webhooks == 0, "the sweep leaves it alone"
    assert outbox.enqueue_orphans().webhooks == 0, "and so does the worker's outbox pass"
    assert queues.queue(queues.PUSH).get_job_ids() == []

    # The Jobs page says why, in the merchant's language.
    page = httpx.get(
        f"{relay_server.url}/jobs",
        headers={
            "Authorization": f"Bearer {id_token(installed_shop)}",
            "HX-Request": "true",
            "X-Relay-Locale": "fr",
        },
    )
    assert page.status_code == 200
    assert f'data-receipt-id="{receipt.id}"' in page.text, "listed though its job expired"
    assert "Shopify a envoyé ce webhook avec des données" in page.text
    assert "KeyError: &#39;name&#39;" in page.text


def test_nan_is_not_json_and_is_refused_before_anything_is_stored(
    ctx, devstore, relay_server, installed_shop, drain
):
    place_orders(devstore, drain, installed_shop, [["MUG-1"]])
    captured = delivered_body(devstore, installed_shop, "orders/create")
    rest = {k: v for k, v in captured.items() if k != "total_price"}
    raw = b'{"total_price": NaN, ' + json.dumps(rest)[1:].encode()  # signed, as Python reads it
    answer = deliver(relay_server, installed_shop, "orders/updated", None, body=raw)
    assert answer.status_code == 400
    assert latest_receipt("orders/updated") is None


def test_an_infinite_amount_is_set_aside_as_bad_data_never_stored(
    ctx, devstore, relay_server, installed_shop, drain
):
    (order,) = place_orders(devstore, drain, installed_shop, [["MUG-1"]])
    captured = delivered_body(devstore, installed_shop, "orders/create")
    rest = {k: v for k, v in captured.items() if k != "total_price"}
    rest["updated_at"] = "2099-01-01T00:00:00Z"
    raw = b'{"total_price": 1e999, ' + json.dumps(rest)[1:].encode()  # valid JSON: infinity
    answer = deliver(relay_server, installed_shop, "orders/updated", None, body=raw)
    assert answer.status_code == 200
    drain()
    db.session.expire_all()
    assert db.session.get(Order, order.id).total == order.total
    receipt = latest_receipt("orders/updated")
    assert receipt.park_reason == "bad_data" and receipt.processed_at is None
