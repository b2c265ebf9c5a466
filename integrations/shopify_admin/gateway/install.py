"""What Relay sets up in a store on install: webhook subscriptions and its fulfillment service.
Both are looked up first, so a reinstall (or a retried job) creates nothing twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from integrations.shopify_admin.client import AdminClient

# Topics Relay subscribes to per shop. Compliance topics and app/uninstalled are configured in
# the app's toml (devstore: the app's webhooks_uri), not through the API.
WEBHOOK_TOPICS = [
    "ORDERS_CREATE",
    "ORDERS_PAID",
    "ORDERS_UPDATED",
    "ORDERS_CANCELLED",
    "ORDERS_DELETE",
    "ORDERS_FULFILLED",
    "ORDERS_PARTIALLY_FULFILLED",
    "ORDERS_EDITED",
    "FULFILLMENTS_CREATE",
    "FULFILLMENTS_UPDATE",
    "FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE",
    "FULFILLMENT_ORDERS_FULFILLMENT_REQUEST_SUBMITTED",
    "FULFILLMENT_ORDERS_FULFILLMENT_REQUEST_ACCEPTED",
    "FULFILLMENT_ORDERS_FULFILLMENT_REQUEST_REJECTED",
    "FULFILLMENT_ORDERS_CANCELLATION_REQUEST_SUBMITTED",
    "FULFILLMENT_ORDERS_CANCELLATION_REQUEST_ACCEPTED",
    "FULFILLMENT_ORDERS_CANCELLATION_REQUEST_REJECTED",
    "FULFILLMENT_ORDERS_PLACED_ON_HOLD",
    "FULFILLMENT_ORDERS_HOLD_RELEASED",
    "FULFILLMENT_ORDERS_CANCELLED",
    "FULFILLMENT_ORDERS_MOVED",
    "FULFILLMENT_ORDERS_SPLIT",
    "FULFILLMENT_ORDERS_MERGED",
    # Issue 14: holds with their reasons, and scheduled deliveries (subscriptions, pre-orders)
    "FULFILLMENT_HOLDS_ADDED",
    "FULFILLMENT_HOLDS_RELEASED",
    "FULFILLMENT_ORDERS_SCHEDULED_FULFILLMENT_ORDER_READY",
    "FULFILLMENT_ORDERS_RESCHEDULED",
    "REFUNDS_CREATE",
]
FULFILLMENT_SERVICE_NAME = "Relay"


def topics_fingerprint() -> str:
    """Names the set of topics this release subscribes to: a shop whose recorded fingerprint
    differs was set up by an older release and is missing some (order does not matter)."""
    return hashlib.sha256("\n".join(sorted(WEBHOOK_TOPICS)).encode()).hexdigest()


@dataclass(frozen=True)
class ShopInfo:
    name: str
    currency: str
    plan: str
    contact_email: str | None = None  # where customers and Shopify write to the store
    locale: str | None = None  # the store's primary language ("fr", "pt-BR")


def shop_info(client: AdminClient) -> ShopInfo:
    data = client.execute("ShopInfo")
    shop = data["shop"]
    primary = [entry["locale"] for entry in data.get("shopLocales") or [] if entry.get("primary")]
    return ShopInfo(
        name=shop["name"],
        currency=shop["currencyCode"],
        plan=shop["plan"]["publicDisplayName"],
        contact_email=shop.get("contactEmail") or shop.get("email"),
        locale=primary[0] if primary else None,
    )


def ensure_webhooks(client: AdminClient, uri: str) -> list[str]:
    """Create the missing subscriptions; returns the topics created now."""
    existing: set[tuple[str, str]] = set()
    after = None
    while True:
        page = client.execute("WebhookSubscriptions", {"first": 100, "after": after})
        connection = page["webhookSubscriptions"]
        existing |= {(n["topic"], n["uri"]) for n in connection["nodes"]}
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    created = []
    for topic in WEBHOOK_TOPICS:
        if (topic, uri) in existing:
            continue
        client.mutate(
            "WebhookSubscriptionCreate",
            {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}},
            "webhookSubscriptionCreate",
        )
        created.append(topic)
    return created


def ensure_fulfillment_service(client: AdminClient, callback_url: str) -> tuple[str, str]:
    """(service gid, location gid) of Relay's fulfillment service, created if missing."""
    for service in client.execute("FulfillmentServices")["shop"]["fulfillmentServices"]:
        if service["serviceName"] == FULFILLMENT_SERVICE_NAME:
            if service.get("trackingSupport"):
                _stop_tracking_callbacks(client, service["id"])
            return service["id"], service["location"]["id"]
    payload = client.mutate(
        "FulfillmentServiceCreate",
        {"name": FULFILLMENT_SERVICE_NAME, "callbackUrl": callback_url},
        "fulfillmentServiceCreate",
    )
    service = payload["fulfillmentService"]
    return service["id"], service["location"]["id"]


def _stop_tracking_callbacks(client: AdminClient, service_gid: str) -> None:
    """Installs made before Relay registered `trackingSupport: false` asked Shopify to poll
    `<callback>/fetch_tracking_numbers`, which Relay does not serve: Relay gives Shopify the
    tracking itself (fulfillmentCreate with trackingInfo, fulfillmentTrackingInfoUpdate), the
    way shopify.dev documents for services that call the API rather than host callbacks."""
    client.mutate(
        "FulfillmentServiceUpdate",
        {"id": service_gid, "trackingSupport": False},
        "fulfillmentServiceUpdate",
    )
