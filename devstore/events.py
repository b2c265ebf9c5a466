"""Outbound traffic devstore sends as Shopify would: webhooks and fulfillment-service callbacks.

Both functions only record deliveries (inside the caller's store transaction); the sender in
devstore.delivery does the HTTP once the transaction has committed.
"""

from __future__ import annotations

import uuid

from devstore import delivery

# Topics an app receives through its toml configuration (devstore: the app's webhooks_uri)
# rather than through webhookSubscriptionCreate.
TOML_TOPICS = {"customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"}


def topic_enum(topic: str) -> str:
    """ "orders/create" -> "ORDERS_CREATE", as WebhookSubscriptionTopic spells it."""
    return topic.replace("/", "_").upper()


def emit(store, shop: str, topic: str, payload: dict, client_id: str | None = None) -> None:
    """Record a delivery per subscribed installed app (only `client_id`'s, when given: e.g.
    bulk_operations/finish goes to the app that ran the operation)."""
    event_id = str(uuid.uuid4())
    installs = store.find(
        "install",
        shop=shop,
        where=lambda i: i.get("installed") and client_id in (None, i["client_id"]),
    )
    for install in installs:
        app = store.get("app", install["client_id"]) or {}
        uris = [
            sub["uri"]
            for sub in store.find(
                "webhook_subscription",
                shop=shop,
                where=lambda s, cid=install["client_id"]: (
                    s["client_id"] == cid and s["topic"] == topic_enum(topic)
                ),
            )
        ]
        if topic in TOML_TOPICS and app.get("webhooks_uri"):
            uris.append(app["webhooks_uri"])
        for uri in dict.fromkeys(uris):
            delivery.record(
                store,
                shop=shop,
                client_id=install["client_id"],
                topic=topic,
                uri=uri,
                payload=payload,
                event_id=event_id,
            )


def notify_fulfillment_service(store, shop: str, fulfillment_service_id: int, kind: str) -> None:
    service = store.get("fulfillment_service", fulfillment_service_id)
    if not service or not service.get("callback_url"):
        return
    install = store.get("install", f"{service['client_id']}|{shop}")
    if not install or not install.get("installed"):
        return
    uri = service["callback_url"].rstrip("/") + "/fulfillment_order_notification"
    delivery.record(
        store,
        shop=shop,
        client_id=service["client_id"],
        topic=None,
        uri=uri,
        payload={"kind": kind},
        event_id=str(uuid.uuid4()),
    )
