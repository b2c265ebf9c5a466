"""Webhook subscriptions an app makes through webhookSubscriptionCreate/Delete."""

from __future__ import annotations

from devstore.commerce.common import NotFound, UserError, gid, now_iso
from devstore.store import Store


def create_webhook_subscription(
    store: Store, shop: str, *, client_id: str, topic: str, uri: str, format: str = "JSON"
) -> dict:
    with store.transaction():
        if not uri.startswith(("https://", "http://", "pubsub://", "arn:")):
            raise UserError("Address is invalid", field=["webhookSubscription", "callbackUrl"])
        duplicate = store.find(
            "webhook_subscription",
            shop=shop,
            where=lambda s: s["client_id"] == client_id and s["topic"] == topic and s["uri"] == uri,
        )
        if duplicate:
            raise UserError(
                "Address for this topic has already been taken",
                field=["webhookSubscription", "callbackUrl"],
            )
        sub_id = store.next_id("webhook_subscription", start=12_000_001)
        doc = {
            "id": sub_id,
            "shop": shop,
            "client_id": client_id,
            "topic": topic,
            "uri": uri,
            "format": format,
            "created_at": now_iso(),
            "updated_at": now_iso(),
        }
        return store.put("webhook_subscription", sub_id, doc, shop=shop)


def delete_webhook_subscription(store: Store, shop: str, *, client_id: str, sub_id: int) -> None:
    with store.transaction():
        sub = store.get("webhook_subscription", sub_id)
        if sub is None or sub["shop"] != shop or sub["client_id"] != client_id:
            raise NotFound(gid("WebhookSubscription", sub_id))
        store.delete("webhook_subscription", sub_id)
