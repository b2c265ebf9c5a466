"""A shop's row: found by domain, locked, and uninstalled (app/uninstalled).

Low in the domain on purpose: webhook handlers everywhere look shops up here, while installing
(domain/shop/installation.py) sits above the order sync and the sweep it starts."""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select

from background import defer
from background.queues import cancel_shop_jobs
from domain.clock import utcnow
from domain.errors import NotInstalled
from domain.models.shop import Shop
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyAuthError
from integrations.shopify_admin.gateway import install as install_gateway

log = logging.getLogger("relay.installation")


def shop_by_domain(domain: str) -> Shop | None:
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def lock_shop(domain: str) -> Shop | None:
    """The shop's row, locked and read afresh: app/uninstalled and shop/redact for one shop
    run one after the other, each seeing what the other left (never a stale row)."""
    return db.session.scalar(
        select(Shop)
        .where(Shop.domain == domain)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def token_still_accepted(shop: Shop) -> bool:
    """Ask Shopify whether Relay is still installed: its token works only while it is.
    Shopify revokes the tokens before it sends app/uninstalled (and shop/redact comes 48 h
    later), so a webhook claiming an uninstall of a shop whose token still works is a replay.
    Transport errors propagate: the job retries, nothing is decided on a blip."""
    try:
        install_gateway.shop_info(tokens.admin_client(shop))
    except (ShopifyAuthError, NotInstalled):
        return False
    return True


def drop_tokens(shop: Shop) -> None:
    shop.access_token_encrypted = None
    shop.refresh_token_encrypted = None
    shop.access_token_expires_at = shop.refresh_token_expires_at = None
    shop.uninstalled_at = utcnow()


@unit_of_work
def mark_uninstalled(domain: str, named_domain: str | None) -> str | None:
    """app/uninstalled: drop our tokens and stop the shop's jobs, once it is shown true (the
    body names this shop and Shopify no longer accepts Relay's token). Otherwise, why not."""
    shop = lock_shop(domain)
    if shop is None or not shop.is_installed:
        return "ignored: Relay was not installed on this shop"
    if named_domain != domain:
        return "ignored: the body names another shop than X-Shopify-Shop-Domain"
    if token_still_accepted(shop):
        log.warning("app/uninstalled for %s while Shopify accepts our token: ignored", domain)
        return "ignored: Shopify still accepts Relay's token for this shop"
    drop_tokens(shop)
    defer(cancel_shop_jobs, shop.id)  # once the uninstall is committed
    return None


def verify_connection(shop: Shop) -> install_gateway.ShopInfo:
    """Ask Shopify who we are talking to: the settings page's connection check."""
    try:
        return install_gateway.shop_info(tokens.admin_client(shop))
    except ShopifyAuthError as exc:
        raise NotInstalled(_("Shopify refused Relay's token; reinstall Relay.")) from exc
