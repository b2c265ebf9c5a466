"""Backfill and reconciliation sweep: page through the store's orders, cost-aware (the
Admin client waits out throttling), resumable from the cursor saved after every page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from domain import installation, sync
from domain.models.orders import SyncRun
from domain.models.shop import Shop, utcnow
from domain.shop_settings import settings_of
from extensions import db
from integrations.shopify_admin.gateway import orders as orders_gateway

SWEEP_MARGIN = timedelta(minutes=5)  # overlap, so an order updated mid-sweep is not missed
SWEEP_INTERVAL = timedelta(minutes=5)


def _filter(shop: Shop, since: datetime | None = None) -> str | None:
    terms = []
    if settings_of(shop).paid_only:
        terms.append("financial_status:paid")
    if since is not None:
        terms.append(f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'")
    return " ".join(terms) or None


def _page_through(shop: Shop, run: SyncRun, query: str | None) -> None:
    client = installation.admin_client(shop)
    while True:
        page = orders_gateway.orders_page(client, after=run.cursor, query=query)
        for node in page.nodes:
            outcome = sync.upsert(shop, sync.snapshot_from_graphql(node), source=run.kind)
            run.orders_seen += 1
            run.orders_changed += outcome in ("created", "updated")
        run.cursor = page.next_cursor
        run.pages += 1
        db.session.commit()  # progress is visible (and resumable) after every page
        if page.next_cursor is None:
            return


def run_sync(run_id: int) -> str:
    run = db.session.get(SyncRun, run_id)
    if run is None or run.status == "done":
        return "skipped"
    shop = db.session.get(Shop, run.shop_id)
    if shop is None or not shop.is_installed:
        run.status, run.error = "failed", "Relay is not installed on this store"
        db.session.commit()
        return "not installed"
    run.status = "running"
    db.session.commit()
    since = None
    if run.kind == "sweep":
        since = _last_sweep_start(shop, run) or run.started_at
        since = _aware(since) - SWEEP_MARGIN
    try:
        _page_through(shop, run, _filter(shop, since))
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(SyncRun, run_id)
        run.error = f"{type(exc).__name__}: {exc}"[:500]
        db.session.commit()
        raise
    run.status, run.finished_at, run.error = "done", utcnow(), None
    db.session.commit()
    return "done"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


def start(shop: Shop, kind: str) -> SyncRun:
    """Record a run and enqueue it (commit first, enqueue second)."""
    from jobs import queues

    running = db.session.scalar(
        select(SyncRun).where(
            SyncRun.shop_id == shop.id,
            SyncRun.kind == kind,
            SyncRun.status.in_(("queued", "running")),
        )
    )
    if running is not None:
        return running
    run = sync.start_run(shop, kind)
    db.session.commit()
    queues.enqueue_sync_run(run.id, shop.id)
    return run


def latest_runs(shop: Shop, limit: int = 1) -> list[SyncRun]:
    return list(
        db.session.scalars(
            select(SyncRun)
            .where(SyncRun.shop_id == shop.id)
            .order_by(SyncRun.id.desc())
            .limit(limit)
        )
    )
