"""Webhook intake: verified, recorded once per Webhook-Id, processed by a real worker."""

import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from domain.models.shop import ComplianceRecord, Shop, WebhookReceipt
from extensions import db
from integrations.shopify_admin.webhooks import body_signature
from tests.conftest import API_SECRET

EXAMPLES = Path(__file__).resolve().parents[2] / "devstore/vendor/webhook-schemas/metadatas/2026-07"


def example(topic):
    return json.loads((EXAMPLES / f"{topic}.json").read_text())["response"]


def addressed_to(payload: dict, shop: str) -> dict:
    """Shopify's example as Shopify would send it to this shop: compliance bodies name their
    shop (`shop_domain`), app/uninstalled's shop object its `myshopify_domain`."""
    for key in ("shop_domain", "myshopify_domain"):
        if key in payload:
            payload = {**payload, key: shop}
    return payload


def deliver(
    relay_server,
    shop,
    topic,
    payload,
    *,
    webhook_id=None,
    secret=API_SECRET,
    body=None,
    path="/webhooks",
):
    raw = body if body is not None else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": body_signature(secret, raw),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-24T10:00:00.000000Z",
    }
    return httpx.post(f"{relay_server.url}{path}", content=raw, headers=headers)


def receipts():
    return db.session.scalar(select(func.count()).select_from(WebhookReceipt))


def test_a_verified_webhook_is_recorded_and_processed(
    ctx, relay_server, installed_shop, run_worker
):
    response = deliver(relay_server, installed_shop, "orders/create", example("orders/create"))
    assert response.status_code == 200
    assert receipts() == 1
    run_worker()
    db.session.expire_all()
    receipt = db.session.scalar(select(WebhookReceipt))
    assert receipt.processed_at is not None and receipt.error is None
    assert receipt.payload == example("orders/create"), "stored as Shopify sent it"


def queued_jobs(app):
    from background import queues

    with app.app_context():
        return queues.queue(queues.PUSH).count


@pytest.mark.attack
def test_a_replayed_webhook_id_changes_nothing(ctx, app, relay_server, installed_shop, drain):
    # Shopify retries anything but 2xx, so a replay is acknowledged (200) and ignored.
    webhook_id = str(uuid.uuid4())
    answers = [
        deliver(
            relay_server,
            installed_shop,
            "orders/create",
            example("orders/create"),
            webhook_id=webhook_id,
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["result"] for a in answers[1:]] == ["duplicate delivery, already recorded"] * 2
    assert receipts() == 1
    assert queued_jobs(app) == 1, "one job for the first delivery, none for the replays"
    drain()
    assert receipts() == 1


@pytest.mark.attack
@pytest.mark.parametrize("case", ["forged", "altered", "no-signature"])
def test_unverified_bodies_get_401_and_store_nothing(ctx, app, relay_server, installed_shop, case):
    payload = example("orders/create")
    raw = json.dumps(payload).encode()
    if case == "forged":
        response = deliver(relay_server, installed_shop, "orders/create", payload, secret="y" * 40)
    else:
        headers = {
            "X-Shopify-Shop-Domain": installed_shop,
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        }
        if case == "altered":  # signed by Shopify, then changed on the way
            headers["X-Shopify-Hmac-Sha256"] = body_signature(API_SECRET, raw)
            raw = raw.replace(b'"total_price":', b'"total_price": 0, "was":')
        response = httpx.post(f"{relay_server.url}/webhooks", content=raw, headers=headers)
    assert response.status_code == 401
    assert response.json()["result"] == "HMAC verification failed"
    assert receipts() == 0 and queued_jobs(app) == 0


@pytest.mark.attack
def test_an_oversized_body_is_refused_before_it_is_read(ctx, app, relay_server, installed_shop):
    big = b"{" + b" " * (app.config["WEBHOOK_MAX_BYTES"] + 10) + b"}"
    response = deliver(relay_server, installed_shop, "orders/create", None, body=big)
    assert response.status_code == 413
    assert response.json()["result"] == "payload too large"
    assert receipts() == 0 and queued_jobs(app) == 0


@pytest.mark.attack
def test_an_oversized_chunked_body_without_a_length_is_cut_off_at_the_limit(
    ctx, app, relay_server, installed_shop
):
    big = b"{" + b" " * (app.config["WEBHOOK_MAX_BYTES"] + 10) + b"}"

    def chunks():  # no Content-Length: the limit is enforced while reading
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    response = httpx.post(
        f"{relay_server.url}/webhooks",
        content=chunks(),
        headers={
            "X-Shopify-Hmac-Sha256": body_signature(API_SECRET, big),
            "X-Shopify-Shop-Domain": installed_shop,
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 413
    assert receipts() == 0 and queued_jobs(app) == 0


@pytest.mark.attack
@pytest.mark.parametrize(
    "shop",
    [
        "evil.com",
        "acme.myshopify.com/admin",
        "acme.myshopify.com:8443",
        "acme.myshopify.com.evil.com",
    ],
)
def test_a_shop_header_that_is_not_a_plain_shop_domain_is_refused(ctx, app, relay_server, shop):
    response = deliver(relay_server, shop, "orders/create", {"id": 1})
    assert response.status_code == 400
    assert response.json()["result"] == "X-Shopify-Shop-Domain is not a shop domain"
    assert receipts() == 0 and queued_jobs(app) == 0


@pytest.mark.attack
@pytest.mark.parametrize(
    "case, message",
    [
        ("no webhook id", "missing X-Shopify headers"),
        ("not json", "body is not a JSON object"),
        ("json array", "body is not a JSON object"),
        ("not utf-8", "body is not a JSON object"),
    ],
)
def test_signed_but_malformed_deliveries_get_400_and_store_nothing(
    ctx, app, relay_server, installed_shop, case, message
):
    body = {"not json": b"<order/>", "json array": b"[1, 2]", "not utf-8": b'{"name": "\xff"}'}
    body = body.get(case, b'{"id": 1}')
    headers = {
        "X-Shopify-Hmac-Sha256": body_signature(API_SECRET, body),
        "X-Shopify-Shop-Domain": installed_shop,
        "X-Shopify-Topic": "orders/create",
    }
    if case != "no webhook id":
        headers["X-Shopify-Webhook-Id"] = str(uuid.uuid4())
    response = httpx.post(f"{relay_server.url}/webhooks", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["result"] == message
    assert receipts() == 0 and queued_jobs(app) == 0


@pytest.mark.attack
def test_webhooks_for_unknown_shops_are_acknowledged_and_ignored(ctx, relay_server, drain):
    response = deliver(
        relay_server, "nobody.myshopify.com", "orders/create", example("orders/create")
    )
    assert response.status_code == 200
    drain()
    receipt = db.session.scalar(select(WebhookReceipt))
    assert receipt.processed_at and "not installed" in receipt.error


@pytest.mark.parametrize(
    "topic", ["customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"]
)
def test_shopifys_own_example_payloads_are_accepted(
    ctx, relay_server, installed_shop, topic, drain
):
    payload = addressed_to(example(topic), installed_shop)
    assert deliver(relay_server, installed_shop, topic, payload).status_code == 200
    drain()
    receipt = db.session.scalar(select(WebhookReceipt).where(WebhookReceipt.topic == topic))
    # Relay is still installed (its token works): an uninstall or erasure is not carried out.
    refusal = {
        "shop/redact": "ignored: Relay is installed on this shop",
        "app/uninstalled": "ignored: Shopify still accepts Relay's token for this shop",
    }.get(topic)
    assert receipt.processed_at is not None and receipt.error == refusal


def test_uninstall_drops_tokens_and_compliance_requests_are_recorded(
    ctx, relay_server, installed_shop, devstore, drain
):
    # devstore sends app/uninstalled itself, signed, over HTTP.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/apps/relay-test-client-id/uninstall"
    ).raise_for_status()
    wait_for(lambda: receipts_for("app/uninstalled") == 1)
    drain()
    db.session.expire_all()
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    assert shop.access_token_encrypted is None and shop.uninstalled_at is not None
    assert not shop.is_installed

    # A customer's redaction after the uninstall is still carried out and recorded.
    payload = addressed_to(example("customers/redact"), installed_shop)
    assert deliver(relay_server, installed_shop, "customers/redact", payload).status_code == 200
    drain()
    db.session.expire_all()
    (redacted,) = db.session.scalars(
        select(ComplianceRecord).where(ComplianceRecord.topic == "customers/redact")
    )
    assert redacted.shop_domain == installed_shop
    assert redacted.request["customer_id"] == payload["customer"]["id"]
    receipt = db.session.scalar(
        select(WebhookReceipt).where(WebhookReceipt.topic == "customers/redact")
    )
    assert receipt.processed_at is not None and receipt.error is None
    assert receipt.payload == {"redacted": True, "customer_id": payload["customer"]["id"]}

    redact_shop = addressed_to(example("shop/redact"), installed_shop)
    shop_redact = deliver(relay_server, installed_shop, "shop/redact", redact_shop)
    assert shop_redact.status_code == 200
    drain()
    db.session.expire_all()
    topics = set(db.session.scalars(select(ComplianceRecord.topic)))
    assert {"customers/redact", "shop/redact"} <= topics
    assert db.session.scalar(select(Shop).where(Shop.domain == installed_shop)) is None


def receipts_for(topic):
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(WebhookReceipt).where(WebhookReceipt.topic == topic)
    )


def deliveries_settled(devstore, shop: str) -> bool:
    """devstore has sent every webhook it owes this shop (none pending a first try or retry)."""
    sent = devstore.control.get("/_devstore/deliveries", params={"shop": shop}).json()
    return all(d["status"] != "pending" for d in sent)


def wait_for(condition, timeout=10.0):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_devstore_retries_until_relay_answers_and_relay_dedupes_duplicates(
    ctx, relay_server, installed_shop, devstore, drain
):
    devstore.settings.duplicate_deliveries = True
    try:
        devstore.control.post(
            f"/_devstore/shops/{installed_shop}/orders",
            json={"line_items": [{"sku": "MUG-STN-SPK", "quantity": 2}]},
        ).raise_for_status()
        wait_for(lambda: receipts_for("orders/create") == 1)

        def order_deliveries():
            return [
                d
                for d in devstore.control.get(
                    "/_devstore/deliveries", params={"shop": installed_shop}
                ).json()
                if d["topic"] == "orders/create"
            ]

        # devstore marks a delivery "delivered" only once its duplicate was answered too.
        wait_for(lambda: [d["status"] for d in order_deliveries()] == ["delivered"], timeout=30)
        (delivery,) = order_deliveries()
        assert delivery["duplicate_sent"] and delivery["attempts"] == 2
        assert [r["status"] for r in delivery["responses"]] == [200, 200], "both acknowledged"
        assert receipts_for("orders/create") == 1, "the duplicate delivery was deduplicated"
    finally:
        devstore.settings.duplicate_deliveries = False
