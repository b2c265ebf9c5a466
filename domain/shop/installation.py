"""Install, token lifecycle and uninstall: the actions behind OAuth, token exchange and
app/uninstalled. Commit first, enqueue second."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain import crypto
from domain.clock import aware, utcnow
from domain.errors import NotInstalled
from domain.models.shop import Shop
from extensions import db
from integrations.shopify_admin import oauth
from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.errors import OAuthFailure, ShopifyAuthError
from integrations.shopify_admin.gateway import install as install_gateway
from jobs import outbox, queues

log = logging.getLogger("relay.installation")
REFRESH_MARGIN = timedelta(minutes=5)


def shop_by_domain(domain: str) -> Shop | None:
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def _store_tokens(shop: Shop, token: oauth.OfflineToken) -> None:
    shop.access_token_encrypted = crypto.encrypt(token.access_token)
    shop.access_token_expires_at = token.expires_at
    shop.refresh_token_encrypted = (
        crypto.encrypt(token.refresh_token) if token.refresh_token else None
    )
    shop.refresh_token_expires_at = token.refresh_expires_at
    shop.scopes = token.scope


def _claim_shop(domain: str) -> Shop:
    """The shop's row, locked; made first if it is new. A new shop's first requests (the admin
    loads the app and its htmx requests at once) may all install it: INSERT ... ON CONFLICT DO
    NOTHING makes that one row, never a UNIQUE violation."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Shop.__table__)
        .values(domain=domain, settings={}, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["domain"])
    )
    return lock_shop(domain)


def _install(domain: str, token: oauth.OfflineToken) -> Shop:
    shop = _claim_shop(domain)
    _store_tokens(shop, token)
    shop.installed_at = utcnow()
    shop.uninstalled_at = None
    db.session.add(shop)
    db.session.commit()
    # Redis down: the shop is installed all the same; the outbox pass enqueues post-install.
    outbox.try_enqueue(queues.enqueue_post_install, shop.id)
    return shop


def complete_oauth_install(domain: str, code: str) -> Shop:
    return _install(domain, oauth.exchange_code(domain, code))


def complete_token_exchange(domain: str, id_token: str) -> Shop:
    return _install(domain, oauth.exchange_id_token(domain, id_token))


def _needs_refresh(shop: Shop) -> bool:
    expires_at = aware(shop.access_token_expires_at)
    return expires_at is not None and expires_at - REFRESH_MARGIN <= utcnow()


def access_token_for(shop: Shop) -> str:
    """A usable offline token, refreshed first when it is about to expire.

    A Redis lock makes sure two workers never refresh the same shop at once: Shopify rotates
    the refresh token on use, so a second refresh with the old one would race the first."""
    if not shop.is_installed:
        raise NotInstalled(_("Relay is not installed on %(store)s.", store=shop.domain))
    if _needs_refresh(shop):
        lock = queues.redis_connection().lock(
            f"relay:token-refresh:{shop.domain}", timeout=30, blocking_timeout=30
        )
        with lock:
            db.session.refresh(shop)  # another worker may have refreshed while we waited
            if _needs_refresh(shop):
                _refresh(shop)
    return crypto.decrypt(shop.access_token_encrypted)


def _refresh(shop: Shop) -> None:
    if not shop.refresh_token_encrypted:
        raise NotInstalled(
            _("Relay has no refresh token for %(store)s; reinstall Relay.", store=shop.domain)
        )
    try:
        token = oauth.refresh(shop.domain, crypto.decrypt(shop.refresh_token_encrypted))
    except OAuthFailure as exc:
        log.warning("refresh failed for %s: %s", shop.domain, exc)
        raise NotInstalled(
            _("Shopify refused to refresh Relay's token for %(store)s.", store=shop.domain)
        ) from exc
    _store_tokens(shop, token)
    db.session.commit()
    log.info("refreshed offline token for %s", shop.domain)


def admin_client(shop: Shop) -> AdminClient:
    return AdminClient(shop.domain, access_token_for(shop))


def post_install(shop_id: int) -> None:
    """Register webhooks and Relay's fulfillment service; safe to run again."""
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return
    client = admin_client(shop)
    app_url = current_app.config["APP_URL"]
    info = install_gateway.shop_info(client)
    install_gateway.ensure_webhooks(client, f"{app_url}/webhooks")
    service_gid, location_gid = install_gateway.ensure_fulfillment_service(
        client, f"{app_url}/fulfillment_service"
    )
    shop.name, shop.currency = info.name, info.currency
    shop.fulfillment_service_gid, shop.fulfillment_location_gid = service_gid, location_gid
    db.session.commit()
    from domain.orders import sync_runs as order_sync_jobs

    if not order_sync_jobs.latest_runs(shop):
        order_sync_jobs.start(shop, "backfill")  # first install: pull the existing orders
    queues.schedule_sweep(shop.id, order_sync_jobs.SWEEP_INTERVAL.total_seconds())


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
        install_gateway.shop_info(admin_client(shop))
    except (ShopifyAuthError, NotInstalled):
        return False
    return True


def drop_tokens(shop: Shop) -> None:
    shop.access_token_encrypted = None
    shop.refresh_token_encrypted = None
    shop.access_token_expires_at = shop.refresh_token_expires_at = None
    shop.uninstalled_at = utcnow()


def mark_uninstalled(domain: str, payload: dict) -> str | None:
    """app/uninstalled: drop our tokens and stop the shop's jobs, once it is shown true (the
    body names this shop and Shopify no longer accepts Relay's token). Otherwise, why not."""
    shop = lock_shop(domain)
    if shop is None or not shop.is_installed:
        return "ignored: Relay was not installed on this shop"
    if payload.get("myshopify_domain") != domain:
        return "ignored: the body names another shop than X-Shopify-Shop-Domain"
    if token_still_accepted(shop):
        log.warning("app/uninstalled for %s while Shopify accepts our token: ignored", domain)
        return "ignored: Shopify still accepts Relay's token for this shop"
    drop_tokens(shop)
    db.session.commit()
    queues.cancel_shop_jobs(shop.id)
    return None


def verify_connection(shop: Shop) -> install_gateway.ShopInfo:
    """Ask Shopify who we are talking to: the settings page's connection check."""
    try:
        return install_gateway.shop_info(admin_client(shop))
    except ShopifyAuthError as exc:
        raise NotInstalled(_("Shopify refused Relay's token; reinstall Relay.")) from exc


# -- OAuth state (authorization-code install) ------------------------------------------------
STATE_TTL_SECONDS = 600


def begin_oauth(domain: str) -> tuple[str, str]:
    """(authorize URL, state nonce). The nonce is single-use and bound to the shop."""
    import secrets

    nonce = secrets.token_hex(32)
    queues.redis_connection().set(f"relay:oauth-state:{nonce}", domain, ex=STATE_TTL_SECONDS)
    return oauth.authorization_url(domain, nonce), nonce


def accept_oauth_state(state: str, cookie: str, domain: str) -> bool:
    """The callback's `state` equals the browser's state cookie (constant time, compared as
    bytes so non-ASCII junk is simply unequal) and is consumed once for this shop."""
    import hmac

    def raw(text: str) -> bytes:
        return text.encode("utf-8", "surrogatepass")

    if not (cookie and hmac.compare_digest(raw(cookie), raw(state))):
        return False
    return consume_oauth_state(state, domain)


def consume_oauth_state(nonce: str, domain: str) -> bool:
    """True once per nonce issued for this shop; a replayed or foreign state is refused."""
    if not nonce:
        return False
    stored = queues.redis_connection().getdel(f"relay:oauth-state:{nonce}")
    return stored is not None and stored.decode() == domain
