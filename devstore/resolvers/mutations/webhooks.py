"""webhookSubscriptionCreate and webhookSubscriptionDelete."""

from __future__ import annotations

from functools import partial

from devstore import commerce
from devstore.commerce import UserError, parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.shop import webhook_subscription_view


def create(ctx, topic, webhookSubscription):
    uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
    if not uri:
        raise UserError("Address can't be blank", field=["webhookSubscription", "uri"])
    sub = commerce.create_webhook_subscription(
        ctx.store,
        ctx.shop,
        client_id=ctx.client_id,
        topic=topic,
        uri=str(uri),
        format=webhookSubscription.get("format") or "JSON",
    )
    return {"webhookSubscription": webhook_subscription_view(sub), "userErrors": []}


def delete(ctx, id):
    commerce.delete_webhook_subscription(
        ctx.store, ctx.shop, client_id=ctx.client_id, sub_id=parse_gid(id, "WebhookSubscription")
    )
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


def fields(ctx: Context) -> dict:
    return {
        "webhookSubscriptionCreate": partial(create, ctx),
        "webhookSubscriptionDelete": partial(delete, ctx),
    }
