"""Expiring offline tokens are refreshed once, under a lock; throttling waits, not fails."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from devstore import cost as devstore_cost
from domain.models.orders import Supplier
from domain.models.shop import Shop
from domain.shop import shops, tokens
from extensions import db
from integrations.shopify_admin import transport
from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.errors import ShopifyThrottled
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
    info = shops.verify_connection(shop)
    assert info.name
    assert refresh_tokens_issued(devstore, installed_shop) == before + 1
    assert shop.access_token_encrypted != old_ciphertext
    assert shop.access_token_expires_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(
        minutes=50
    )


def test_a_refresh_is_stored_at_once_and_leaves_the_callers_transaction_alone(
    ctx, devstore, installed_shop
):
    """Shopify rotates the refresh token on use: the new pair must be durable even when the
    action that needed it rolls back, and the refresh must not commit that action's work."""
    shop = expire_token(installed_shop)
    # The caller's half-done work, written (flushed) but not committed: a new supplier.
    db.session.add(Supplier(shop_id=shop.id, name="Half-done work of the caller"))
    db.session.flush()
    tokens.access_token_for(shop)
    db.session.rollback()  # the caller's action fails after the refresh

    with db.engine.connect() as other:
        expires_at = other.scalar(
            select(Shop.access_token_expires_at).where(Shop.domain == installed_shop)
        )
        half_done = other.scalar(
            select(Supplier.id).where(Supplier.name == "Half-done work of the caller")
        )
    assert half_done is None, "the refresh committed the caller's work"
    assert expires_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(minutes=50), (
        "the refreshed pair was lost with the caller's rollback"
    )


def test_two_workers_refreshing_at_once_refresh_only_once(app, devstore, installed_shop):
    with app.app_context():
        expire_token(installed_shop)
    before = refresh_tokens_issued(devstore, installed_shop)
    issued, errors = [], []

    def worker():
        with app.app_context():
            try:
                shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
                issued.append(tokens.access_token_for(shop))
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
    assert len(set(issued)) == 1, "every worker ended up with the same fresh token"


def test_a_revoked_token_reads_as_not_installed(ctx, devstore, installed_shop):
    devstore.control.post(f"/_devstore/shops/{installed_shop}/apps/{API_KEY}/uninstall")
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    try:
        shops.verify_connection(shop)
    except shops.NotInstalled as exc:
        assert "reinstall" in str(exc)
    else:
        raise AssertionError("a revoked token must not work")


class ManualClock:
    """Monotonic seconds that move only when the client sleeps (devstore's bucket reads it)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def recording_client(shop: Shop, clock: ManualClock | None = None):
    """Relay's Admin client whose waits are recorded (and pass on `clock`) instead of slept."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if clock is not None:
            clock.now += seconds

    return AdminClient(shop.domain, tokens.access_token_for(shop), sleep=sleep), slept


def test_throttled_requests_wait_for_the_bucket_then_succeed(ctx, installed_shop):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    clock = ManualClock()
    client, slept = recording_client(shop, clock)
    client.execute("OrdersPage", {"first": 10})
    requested = client.last_cost["requestedQueryCost"]
    restore_rate = client.last_cost["throttleStatus"]["restoreRate"]
    bucket = devstore_cost.bucket_for(API_KEY, installed_shop, "standard")
    # Someone else spent it: 50 points short, 0.5 s at 100/s; the bucket refills only while
    # Relay's client sleeps.
    bucket.set_clock(clock, available=requested - 50)
    data = client.execute("OrdersPage", {"first": 10})
    assert "orders" in data, "THROTTLED was waited out, not raised"
    assert restore_rate == 100.0
    assert slept == [pytest.approx(50 / restore_rate)], "one wait, for exactly what was missing"


def test_a_429_is_retried_after_the_retry_after_seconds(ctx, installed_shop, devstore):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    client, slept = recording_client(shop)
    devstore.settings.retry_after_seconds = 0.4
    devstore.settings.too_many_requests = 2
    try:
        data = client.execute("ShopInfo")
        assert devstore.settings.too_many_requests == 0, "both 429s were answered"
    finally:
        devstore.settings.too_many_requests = 0
    assert data["shop"]["myshopifyDomain"] == installed_shop
    assert slept == [0.4, 0.4], "two 429s of Retry-After 0.4 s, each waited out"


def test_a_retry_after_longer_than_a_job_should_wait_is_handed_to_the_job_retry(
    ctx, installed_shop, devstore
):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    client, slept = recording_client(shop)
    devstore.settings.retry_after_seconds = transport.MAX_THROTTLE_WAIT + 30
    devstore.settings.too_many_requests = 1
    try:
        with pytest.raises(ShopifyThrottled) as raised:
            client.execute("ShopInfo")
    finally:
        devstore.settings.too_many_requests = 0
    assert raised.value.retryable and raised.value.retry_after == transport.MAX_THROTTLE_WAIT + 30
    assert slept == [], "it did not sit out the wait in the worker"
