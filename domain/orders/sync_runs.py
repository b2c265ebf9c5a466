"""Backfill and reconciliation sweep: pull the store's orders into Relay.

A run first asks Shopify how many orders it covers (ordersCount: 1 point), which gives the
progress bar its total and decides how to fetch them:

- pages: cost-aware pagination (gateway/orders.py), ~13 points per order, so the Standard plan's
  100 points/s moves ~7.7 orders/s once the 2,000-point bucket is spent;
- bulk: Shopify's bulk export (gateway/bulk.py), ~15 points whatever the size, but a fixed
  overhead (Shopify queues the export, Relay polls, downloads) of tens of seconds.

`choose_method` picks the faster one from the count and the shop's own throttle (bucket size
and restore rate from the same response): on Standard, bulk from 319 orders; on Plus (1,000
points/s, 20,000 bucket) from 4,462. Sweeps cover minutes of changes and always page.

Every step is resumable: a page run keeps the next cursor, a bulk run the operation's id and how
many exported orders it has imported; upserts are keyed by Shopify ids, so a retried or re-run
job changes nothing it already did. A bulk run that waits for Shopify's export gives the worker
back and checks again later instead of sleeping in it.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis.exceptions import LockError
from sqlalchemy import select

from background import SYNC, background
from background.declare import is_final_attempt
from domain.clock import aware, utcnow
from domain.errors import NotInstalled
from domain.models.orders import SyncRun
from domain.models.shop import Shop
from domain.orders import sync
from domain.shop import tokens
from domain.shop.settings import settings_of
from domain.transaction import unit_of_work
from extensions import db, redis_connection
from integrations.shopify_admin.errors import (
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyThrottled,
    ShopifyTransportError,
    ShopifyUserError,
)
from integrations.shopify_admin.gateway import bulk as bulk_gateway
from integrations.shopify_admin.gateway import orders as orders_gateway
from integrations.shopify_admin.order_shapes import ShopifyOrder

log = logging.getLogger("relay.sync")

SWEEP_MARGIN = timedelta(minutes=5)  # overlap, so an order updated mid-sweep is not missed
# Fixed cost of a bulk export, in seconds: Shopify queues it, Relay polls, then downloads.
BULK_OVERHEAD_SECONDS = 30.0
# Shopify's export speed is not published; ~1,500 objects/s was observed, ~3 objects an order.
BULK_SECONDS_PER_ORDER = 0.002
IMPORT_BATCH = 100  # orders upserted per commit (progress is visible, and resumable, per batch)
# The statuses sync.upsert counts as paid, in Shopify's search syntax (paid-only backfills).
PAID_QUERY = " OR ".join(
    f"financial_status:{status}"
    for status in ("paid", "partially_paid", "partially_refunded", "refunded")
)

# What went wrong, as codes templates/orders/_sync_status.html turns into words.
ACCESS_LOST = "access_lost"  # token refused or Relay uninstalled: reinstall
MISSING_SCOPE = "missing_scope"  # Shopify says Relay may not read orders
SHOPIFY_UNREACHABLE = "shopify_unreachable"  # network or 5xx: retried
SHOPIFY_BUSY = "shopify_busy"  # throttled for too long: retried
UNEXPECTED = "unexpected"  # a bug on Relay's side


def choose_method(count: int, throttle: dict) -> str:
    """'bulk' when Shopify's bulk export would finish before cost-aware pages would."""
    rate = float(throttle.get("restoreRate") or 0) or 100.0
    # A full bucket pays for pages until less than a page's requested cost is left in it.
    free = max(
        0.0, float(throttle.get("maximumAvailable") or 0) - orders_gateway.PAGE_REQUESTED_COST
    )
    pages_seconds = max(0.0, count * orders_gateway.ORDER_COST - free) / rate
    bulk_seconds = BULK_OVERHEAD_SECONDS + count * BULK_SECONDS_PER_ORDER
    return "bulk" if bulk_seconds < pages_seconds else "pages"


def _query(shop: Shop, run: SyncRun) -> str | None:
    """The orders a run covers. A backfill of a paid-only shop asks only for paid orders; a
    sweep asks for what changed since the last run (upsert skips unpaid ones itself)."""
    if run.kind == "sweep":
        since = aware(_last_sweep_start(shop, run) or run.started_at) - SWEEP_MARGIN
        return f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    return PAID_QUERY if settings_of(shop).paid_only else None


# A bulk import of a large store is one long step (it resumes where it stopped if cut short).
SYNC_RUN_TIMEOUT = 2 * 3600


@background(
    queue=SYNC,
    job_id="sync-run-{0}",
    label=_l("Sync orders from the store"),
    timeout=SYNC_RUN_TIMEOUT,
)
def run_step(run_id: int) -> str:
    # On the last try a Shopify outage ends the run as failed (with a reason the merchant
    # sees) instead of leaving it "running" forever.
    return run_sync(run_id, final_attempt=is_final_attempt())


def run_sync(run_id: int, *, final_attempt: bool = True) -> str:
    """One step of a run: everything, unless a bulk export is still running at Shopify (then
    the job checks again later). Retryable Shopify errors are re-raised for the job's retry
    policy; on the final attempt, or for errors a retry cannot fix, the run is marked failed."""
    run = db.session.get(SyncRun, run_id)
    if run is None or run.status in ("done", "failed"):
        return "skipped"
    shop = db.session.get(Shop, run.shop_id)
    with _lease(run_id) as leased:
        if not leased:
            return "another worker is on this run"
        try:
            return _advance(shop, run)
        except (NotInstalled, ShopifyAuthError) as exc:
            return _fail(run_id, ACCESS_LOST, exc)
        except ShopifyGraphQLError as exc:
            codes = {(e.get("extensions") or {}).get("code") for e in exc.errors}
            return _fail(run_id, MISSING_SCOPE if "ACCESS_DENIED" in codes else UNEXPECTED, exc)
        except (ShopifyTransportError, ShopifyThrottled) as exc:
            code = SHOPIFY_BUSY if isinstance(exc, ShopifyThrottled) else SHOPIFY_UNREACHABLE
            if final_attempt:
                return _fail(run_id, code, exc)
            _record(run_id, code)
            raise
        except Exception as exc:
            _fail(run_id, UNEXPECTED, exc)
            raise


def _advance(shop: Shop | None, run: SyncRun) -> str:
    if shop is None or not shop.is_installed:
        raise NotInstalled("Relay is not installed on this store")
    run.status = "running"
    db.session.commit()
    client = tokens.admin_client(shop)
    query = _query(shop, run)
    if run.estimated_total is None or run.method is None:
        counted = orders_gateway.orders_count(client, query)
        run.estimated_total = counted.count
        if run.method is None:
            sweep = run.kind == "sweep"
            run.method = "pages" if sweep else choose_method(counted.count, counted.throttle)
        db.session.commit()
    if run.method == "bulk":
        try:
            operation = _bulk_export(shop, run, client, query)
        except ShopifyUserError as exc:  # e.g. five exports of this app already running
            return _page_instead(shop, run, client, query, f"export refused: {exc}")
        if operation is None:
            return "waiting for Shopify's export"
        if operation.status != "COMPLETED":
            if operation.error_code == "ACCESS_DENIED":
                raise ShopifyGraphQLError(
                    "bulk export denied", [{"extensions": {"code": "ACCESS_DENIED"}}]
                )
            why = f"export {operation.status.lower()} ({operation.error_code})"
            return _page_instead(shop, run, client, query, why)
        _import(shop, run, operation)
        return _done(run)
    _page_through(shop, run, client, query)
    return _done(run)


def _page_instead(shop: Shop, run: SyncRun, client, query: str | None, why: str) -> str:
    """A bulk export that cannot help (failed, timed out, canceled, refused): page instead,
    from the start. Orders the export already imported come back unchanged."""
    log.warning("sync run %s: %s; paging instead", run.id, why)
    run.method, run.cursor, run.exported = "pages", None, 0
    db.session.commit()
    _page_through(shop, run, client, query)
    return _done(run)


def _page_through(shop: Shop, run: SyncRun, client, query: str | None) -> None:
    for page in orders_gateway.pages(client, after=run.cursor, query=query):
        for snapshot in page.orders:
            _upsert(shop, run, snapshot)
        run.cursor = page.next_cursor
        run.pages += 1
        run.error = None
        db.session.commit()  # progress is visible (and resumable) after every page
        _renew_lease(run.id)


def _bulk_export(shop: Shop, run: SyncRun, client, query: str | None):
    """The run's export once Shopify has finished it; None while it is still running (a later
    job checks again). Starts the export on the first call."""
    if run.cursor is None:
        run.cursor = bulk_gateway.start_orders_export(client, query).gid
        db.session.commit()
    config = current_app.config
    waited, interval = 0.0, config.get("SYNC_BULK_POLL_SECONDS", 0.5)
    inline_wait = config.get("SYNC_BULK_INLINE_WAIT_SECONDS", 60.0)
    while True:
        operation = bulk_gateway.bulk_operation(client, run.cursor)
        if operation is None:  # unknown to Shopify (expired, another app's id): start over
            run.cursor, run.exported = None, 0
            db.session.commit()
            return _bulk_export(shop, run, client, query)
        run.exported, run.error = operation.root_object_count, None
        db.session.commit()
        _renew_lease(run.id)
        if operation.finished:
            return operation
        if waited >= inline_wait:
            # Each step its own job id; the run's lease keeps steps from overlapping.
            step_id = f"sync-run-{run.id}-at-{int(utcnow().timestamp() * 1000)}"
            run_step.enqueue(run.id, shop_id=shop.id, delay=interval, job_id=step_id)
            return None
        time.sleep(interval)
        waited += interval
        interval = min(interval * 1.5, 5.0)


def _import(shop: Shop, run: SyncRun, operation) -> None:
    """Upsert the export's orders; the first run.orders_seen were imported by an earlier try."""
    if not operation.url:
        return  # Shopify gives no file when nothing matched
    already = run.orders_seen
    for index, snapshot in enumerate(bulk_gateway.exported_shopify_orders(operation.url)):
        if index < already:
            continue
        _upsert(shop, run, snapshot)
        if run.orders_seen % IMPORT_BATCH == 0:
            db.session.commit()
            _renew_lease(run.id)
    db.session.commit()


def _upsert(shop: Shop, run: SyncRun, snapshot: ShopifyOrder) -> None:
    outcome = sync.upsert(shop, snapshot, source=run.kind)
    run.orders_seen += 1
    run.orders_changed += outcome in ("created", "updated")


def _done(run: SyncRun) -> str:
    run.status, run.finished_at, run.error = "done", utcnow(), None
    db.session.commit()
    return "done"


def _record(run_id: int, code: str) -> None:
    db.session.rollback()
    run = db.session.get(SyncRun, run_id)
    run.error = code
    db.session.commit()


def _fail(run_id: int, code: str, exc: Exception) -> str:
    log.warning("sync run %s failed (%s): %s", run_id, code, exc)
    db.session.rollback()
    run = db.session.get(SyncRun, run_id)
    run.status, run.error, run.finished_at = "failed", code, utcnow()
    db.session.commit()
    return f"failed: {code}"


# -- one worker per run ---------------------------------------------------------------------

LEASE_SECONDS = 600  # renewed at every page, poll and import batch


@contextmanager
def _lease(run_id: int):
    """A Redis lock per run: a retry and a scheduled check never work on one run at once."""
    lock = redis_connection().lock(f"relay:sync-run:{run_id}", timeout=LEASE_SECONDS)
    acquired = lock.acquire(blocking=False)
    _leases[run_id] = lock if acquired else None
    try:
        yield acquired
    finally:
        _leases.pop(run_id, None)
        if acquired:
            with suppress(LockError):  # expired meanwhile: nothing left to release
                lock.release()


_leases: dict = {}


def _renew_lease(run_id: int) -> None:
    lock = _leases.get(run_id)
    if lock is not None:
        lock.reacquire()


# -- queries --------------------------------------------------------------------------------


def _last_sweep_start(shop: Shop, current: SyncRun) -> datetime | None:
    return db.session.scalar(
        select(SyncRun.started_at)
        .where(
            SyncRun.shop_id == shop.id,
            SyncRun.kind.in_(("sweep", "backfill")),
            SyncRun.status == "done",
            SyncRun.id != current.id,
        )
        .order_by(SyncRun.started_at.desc())
        .limit(1)
    )


@unit_of_work
def start(shop: Shop, kind: str) -> SyncRun:
    """Record a run and enqueue it (commit first, enqueue second). A run already under way
    that covers it (one of this kind; for a sweep, a backfill too) is returned instead, and
    enqueued again if its job is gone (a worker died): it resumes where it stopped."""
    covering = ("backfill",) if kind == "backfill" else ("backfill", kind)
    running = db.session.scalar(
        select(SyncRun)
        .where(
            SyncRun.shop_id == shop.id,
            SyncRun.kind.in_(covering),
            SyncRun.status.in_(("queued", "running")),
        )
        .order_by(SyncRun.id)
        .limit(1)
    )
    # After the commit; Redis down: the run is stored, and the worker's outbox pass enqueues it.
    if running is not None:
        run_step.once_after_commit(running.id, shop_id=shop.id)  # no-op while pending
        return running
    new_run = sync.start_run(shop, kind)
    run_step.once_after_commit(new_run.id, shop_id=shop.id)
    return new_run


def latest_runs(shop: Shop, limit: int = 1) -> list[SyncRun]:
    return list(
        db.session.scalars(
            select(SyncRun)
            .where(SyncRun.shop_id == shop.id)
            .order_by(SyncRun.id.desc())
            .limit(limit)
        )
    )
