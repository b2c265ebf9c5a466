"""A shop's offline access token: stored encrypted, refreshed before it expires, and the Admin
API client built from it.

A refresh is committed on a session of its own: Shopify rotates the refresh token on use, so the
new pair must be durable at once, whatever the caller's transaction does next (a forward holding
row locks, a webhook's receipt lock). The caller's session is neither committed nor released."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from domain import crypto
from domain.clock import aware, utcnow
from domain.errors import NotInstalled
from domain.models.shop import Shop
from extensions import db, redis_connection
from integrations.shopify_admin import oauth
from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.errors import OAuthFailure

log = logging.getLogger("relay.tokens")
REFRESH_MARGIN = timedelta(minutes=5)
TOKEN_COLUMNS = (
    "access_token_encrypted",
    "access_token_expires_at",
    "refresh_token_encrypted",
    "refresh_token_expires_at",
    "scopes",
)


def admin_client(shop: Shop) -> AdminClient:
    return AdminClient(shop.domain, access_token_for(shop))


def access_token_for(shop: Shop) -> str:
    """A usable offline token, refreshed first when it is about to expire.

    A Redis lock makes sure two workers never refresh the same shop at once: Shopify rotates
    the refresh token on use, so a second refresh with the old one would race the first."""
    if not shop.is_installed:
        raise NotInstalled(_("Relay is not installed on %(store)s.", store=shop.domain))
    if _needs_refresh(shop):
        lock = redis_connection().lock(
            f"relay:token-refresh:{shop.domain}", timeout=30, blocking_timeout=30
        )
        with lock:
            _refresh(shop)
    return crypto.decrypt(shop.access_token_encrypted)


def store_tokens(shop: Shop, token: oauth.OfflineToken) -> None:
    shop.access_token_encrypted = crypto.encrypt(token.access_token)
    shop.access_token_expires_at = token.expires_at
    shop.refresh_token_encrypted = (
        crypto.encrypt(token.refresh_token) if token.refresh_token else None
    )
    shop.refresh_token_expires_at = token.refresh_expires_at
    shop.scopes = token.scope


def _needs_refresh(shop: Shop) -> bool:
    expires_at = aware(shop.access_token_expires_at)
    return expires_at is not None and expires_at - REFRESH_MARGIN <= utcnow()


def _refresh(shop: Shop) -> None:
    """Under the shop's refresh lock: read the stored pair afresh (another worker may have
    refreshed while we waited), refresh if still due and commit on our own session, then hand
    the caller's Shop the stored values without touching the caller's transaction."""
    with Session(db.engine) as own:
        if own.bind.dialect.name == "postgresql":  # never wait long on a row lock
            own.execute(text("SET LOCAL lock_timeout = '2s'"))
        stored = own.get(Shop, shop.id)
        if _needs_refresh(stored):
            token = _ask_shopify(stored)
            store_tokens(stored, token)
            try:
                own.commit()
            except OperationalError:
                # Our caller holds the shop's row (app/uninstalled locks it first): the new
                # pair is stored through the caller's session, committed now, as it must be.
                own.rollback()
                log.warning("token refresh for %s stored through the caller", shop.domain)
                store_tokens(shop, token)
                db.session.commit()
                return
        values = {name: getattr(stored, name) for name in TOKEN_COLUMNS}
    for name, value in values.items():
        set_committed_value(shop, name, value)


def _ask_shopify(shop: Shop) -> oauth.OfflineToken:
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
    log.info("refreshed offline token for %s", shop.domain)
    return token
