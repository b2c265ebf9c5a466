"""Expiring offline tokens are refreshed once, under a lock; throttling waits, not fails."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from devstore import cost as devstore_cost
from domain import installation
from domain.models.shop import Shop
from extensions import db
from tests.conftest import API_KEY


def expire_token(domain):
    shop = db.session.scalar(select(Shop).where(Shop.domain == domain))
    shop.access_token_expires_at = datetime.now(UTC) + timedelta(seconds=30)
    db.session.commit()
    return shop


def refresh_tokens_issued(devstore, domain):
    return len(devstore.store.find("refresh_token", shop=domain))


def test_a_token_near_expiry_is_refreshed_before_use(ctx, devstore, installed_shop):
    shop = expire_token(installed_shop)
    old_ciphertext = shop.access_token_encrypted
    before = refresh_tokens_issued(devstore, installed_shop)
    info = installation.verify_connection(shop)
    assert info.name
    assert refresh_tokens_issued(devstore, installed_shop) == before + 1
    assert shop.access_token_encrypted != old_ciphertext
    assert shop.access_token_expires_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(
        minutes=50
    )


def test_two_workers_refreshing_at_once_refresh_only_once(app, devstore, installed_shop):
    with app.app_context():
        expire_token(installed_shop)
    before = refresh_tokens_issued(devstore, installed_shop)
    tokens, errors = [], []

    def worker():
        with app.app_context():
            try:
                shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
                tokens.append(installation.access_token_for(shop))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert refresh_tokens_issued(devstore, installed_shop) == before + 1
    assert len(set(tokens)) == 1, "every worker ended up with the same fresh token"


def test_a_revoked_token_reads_as_not_installed(ctx, devstore, installed_shop):
    devstore.control.post(f"/_devstore/shops/{installed_shop}/apps/{API_KEY}/uninstall")
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    try:
        installation.verify_connection(shop)
    except installation.NotInstalled as exc:
        assert "reinstall" in str(exc)
    else:
        raise AssertionError("a revoked token must not work")


def test_throttled_requests_wait_for_the_bucket_then_succeed(ctx, installed_shop):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    client = installation.admin_client(shop)
    bucket = devstore_cost.bucket_for(API_KEY, installed_shop, "standard")
    bucket.available = 0  # someone else just spent it all
    data = client.execute("ShopInfo")
    assert data["shop"]["myshopifyDomain"] == installed_shop
    assert client.last_cost["throttleStatus"]["restoreRate"] == 100.0
