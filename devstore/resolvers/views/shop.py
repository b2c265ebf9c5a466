"""Views of the shop, and of what an app keeps on it: its webhook subscriptions."""

from __future__ import annotations

from devstore import commerce
from devstore.commerce import gid
from devstore.resolvers import order_search
from devstore.resolvers.common import Context
from devstore.resolvers.views.fulfillment import fulfillment_service_view


def shop_view(ctx: Context) -> dict:
    doc = ctx.store.get("shop", ctx.shop)
    plan = commerce.PLANS[doc["plan"]]
    return {
        "__typename": "Shop",
        "id": gid("Shop", doc["id"]),
        "name": doc["name"],
        "email": doc["email"],
        "contactEmail": doc["email"],
        "myshopifyDomain": ctx.shop,
        "currencyCode": doc["currency"],
        "ianaTimezone": "UTC",
        "createdAt": doc["created_at"],
        "plan": {
            "displayName": plan["display"],
            "publicDisplayName": plan["display"],
            "partnerDevelopment": True,
            "shopifyPlus": doc["plan"] == "plus",
        },
        "primaryDomain": {"host": ctx.shop, "url": f"https://{ctx.shop}", "id": gid("Domain", 1)},
        "orders": lambda info, **args: order_search.orders(ctx, **args),
        "fulfillmentServices": lambda info, **args: [
            fulfillment_service_view(ctx, fs)
            for fs in ctx.store.find("fulfillment_service", shop=ctx.shop)
        ],
    }


def shop_locales(ctx: Context, published: bool | None = None) -> list[dict]:
    """The store's languages: devstore shops have one, their primary (`locale`, default en)."""
    doc = ctx.store.get("shop", ctx.shop)
    locale = doc.get("locale") or "en"
    return [
        {
            "__typename": "ShopLocale",
            "locale": locale,
            "name": locale,
            "primary": True,
            "published": True,
            "marketWebPresences": [],
        }
    ]


def webhook_subscription_view(sub: dict) -> dict:
    return {
        "__typename": "WebhookSubscription",
        "id": gid("WebhookSubscription", sub["id"]),
        "legacyResourceId": str(sub["id"]),
        "topic": sub["topic"],
        "uri": sub["uri"],
        "callbackUrl": sub["uri"] if sub["uri"].startswith("http") else None,
        "format": sub["format"],
        "createdAt": sub["created_at"],
        "updatedAt": sub["updated_at"],
        "includeFields": [],
        "filter": None,
        "apiVersion": {"handle": "2026-07", "displayName": "2026-07", "supported": True},
    }
