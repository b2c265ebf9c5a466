"""The store's webhook subscriptions kept to what this release listens to.

post-install registers them once; a release that adds topics (orders/edited, ...) must reach
shops installed before it too, which never run post-install again. So the topics registered
are recorded on the shop as a fingerprint (`Shop.webhook_topics`), and every sweep compares it
with this release's: a shop behind gets `refresh` (registering only what is missing, since
`ensure_webhooks` looks first), within one sweep interval of the deploy.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from background import PUSH, background
from domain.models.shop import Shop
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.gateway import install as install_gateway


def register(shop: Shop, client) -> list[str]:
    """Create the subscriptions the store is missing and record that it has them all."""
    created = install_gateway.ensure_webhooks(client, f"{current_app.config['APP_URL']}/webhooks")
    shop.webhook_topics = install_gateway.topics_fingerprint()
    return created


def behind(shop: Shop) -> bool:
    """Was this shop set up with fewer (or other) topics than this release listens to?"""
    return shop.webhook_topics != install_gateway.topics_fingerprint()


@background(
    queue=PUSH,
    job_id="webhook-topics-{0}",
    label=_l("Subscribe to the store's new webhook topics"),
)
@unit_of_work
def refresh(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return "skipped: not installed"
    if not behind(shop):
        return "up to date"
    created = register(shop, tokens.admin_client(shop))
    return f"subscribed to {len(created)} new topics: {', '.join(created) or 'none'}"
