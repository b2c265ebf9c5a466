"""Install and uninstall: the actions behind OAuth, token exchange and app/uninstalled, and
what a new install sets up in the store. Commit first, enqueue second. Access tokens
themselves: domain/shop/tokens.py."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from background import PUSH, background
from domain import sweep
from domain.clock import utcnow
from domain.models.shop import Shop
from domain.orders import sync_runs
from domain.shop import shops, subscriptions, tokens
from domain.transaction import unit_of_work
from extensions import db, redis_connection
from integrations.shopify_admin import oauth
from integrations.shopify_admin.gateway import install as install_gateway

log = logging.getLogger("relay.installation")


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
    return shops.lock_shop(domain)


@unit_of_work
def _install(domain: str, token: oauth.OfflineToken) -> Shop:
    shop = _claim_shop(domain)
    tokens.store_tokens(shop, token)
    shop.installed_at = utcnow()
    shop.uninstalled_at = None
    db.session.add(shop)
    # After the commit; Redis down: the shop is installed all the same, and the worker's outbox
    # pass enqueues post-install.
    post_install.once_after_commit(shop.id, shop_id=shop.id)
    return shop


def complete_oauth_install(domain: str, code: str) -> Shop:
    return _install(domain, oauth.exchange_code(domain, code))


def complete_token_exchange(domain: str, id_token: str) -> Shop:
    return _install(domain, oauth.exchange_id_token(domain, id_token))


@background(
    queue=PUSH,
    job_id="post-install-{0}",
    label=_l("Finish installing (webhooks, fulfillment service)"),
)
def post_install(shop_id: int) -> None:
    """Register webhooks and Relay's fulfillment service, start the first backfill and the
    shop's sweep; safe to run again."""
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed:
        return
    client = tokens.admin_client(shop)
    app_url = current_app.config["APP_URL"]
    info = install_gateway.shop_info(client)
    subscriptions.register(shop, client)
    service_gid, location_gid = install_gateway.ensure_fulfillment_service(
        client, f"{app_url}/fulfillment_service"
    )
    shop.name, shop.currency = info.name, info.currency
    # The merchant may have set another address in Settings: only fill an empty one.
    shop.contact_email = shop.contact_email or info.contact_email
    shop.locale = info.locale or shop.locale
    shop.fulfillment_service_gid, shop.fulfillment_location_gid = service_gid, location_gid
    db.session.commit()
    if not sync_runs.latest_runs(shop):
        sync_runs.start(shop, "backfill")  # first install: pull the existing orders
    sweep.schedule(shop.id)


def refresh_every_shop() -> int:
    """Queue post_install again for every installed shop (a deploy's new webhook topics, the
    fulfillment service's settings); returns how many."""
    shop_ids = db.session.scalars(
        select(Shop.id).where(
            Shop.access_token_encrypted.is_not(None), Shop.uninstalled_at.is_(None)
        )
    ).all()
    for shop_id in shop_ids:
        post_install.enqueue(shop_id, shop_id=shop_id)
    return len(shop_ids)


# -- OAuth state (authorization-code install) ------------------------------------------------
STATE_TTL_SECONDS = 600


def begin_oauth(domain: str) -> tuple[str, str]:
    """(authorize URL, state nonce). The nonce is single-use and bound to the shop."""
    import secrets

    nonce = secrets.token_hex(32)
    redis_connection().set(f"relay:oauth-state:{nonce}", domain, ex=STATE_TTL_SECONDS)
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
    stored = redis_connection().getdel(f"relay:oauth-state:{nonce}")
    return stored is not None and stored.decode() == domain
