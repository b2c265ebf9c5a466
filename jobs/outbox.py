"""The database is the outbox: a committed row whose job could not be enqueued still gets it.

Relay commits first and enqueues second (background/after_commit.py). When Redis is down at
the second step the row is already durable and already says what is left to do: a supplier order
`scheduled`, a parcel whose push is `pending`, a webhook receipt not processed. So a failed
enqueue after commit is logged and the request answers as it would have (`try_enqueue`), and
every worker runs a short periodic pass (`PeriodicPass`, a thread) that

- enqueues the job of each such row that has no job at all (also: an installed shop whose
  post-install never ran, a sync run recorded but never started) (never enqueued, or lost with
  Redis's data); one worker per interval does it (a Redis lock);
- notices a Redis that came back empty (its epoch key is gone: queues, scheduled forwards,
  sweeps and retries went with it) and asks every shop for a full reconciliation at once
  (domain.sweep, domain.fulfillment.recovery), re-arming the sweeps;
- restarts RQ's scheduler process when it died on a lost connection (RQ itself only looks at
  its next maintenance pass, up to 7 minutes later);
- takes back what dead workers left, on any host (jobs/reclaim.py: their jobs, their
  schedulers' locks, which this worker's scheduler then takes).

Every job enqueued here is idempotent, so a job enqueued twice (intake's own enqueue racing
this pass) is harmless; a row whose job exists (waiting, running, failed) is left alone: the
recovery sweep and the Jobs page decide about those.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from background import queues
from background.after_commit import ENQUEUE_ERRORS
from domain import sweep
from domain.clock import aware, utcnow
from domain.fulfillment import forwarding, tracking_push
from domain.models.orders import (
    SupplierOrder,
    SyncRun,
)
from domain.models.shipments import Parcel
from domain.models.shop import Shop, WebhookReceipt
from domain.notices import mail
from domain.orders import sync_runs
from domain.shop import installation
from domain.webhooks import intake
from extensions import db, redis_connection
from jobs import digests, rates, reclaim

log = logging.getLogger("relay.jobs.outbox")
# A row younger than this may still be on its way to the queue (its request commits, then
# enqueues within milliseconds); a job enqueued twice would be harmless anyway.
GRACE = timedelta(seconds=5)
BATCH = 500  # rows of each kind per pass; the next pass takes the rest
PASS_INTERVAL = 5.0  # seconds


@dataclass
class Enqueued:
    webhooks: int = 0
    forwards: int = 0
    pushes: int = 0
    installs: int = 0
    sync_runs: int = 0
    mails: int = 0

    @property
    def total(self) -> int:
        return (
            self.webhooks
            + self.forwards
            + self.pushes
            + self.installs
            + self.sync_runs
            + self.mails
        )


def enqueue_orphans() -> Enqueued:
    """One pass over the rows whose work is unfinished: those without any job get one."""
    now = utcnow()
    installed = select(Shop.id).where(
        Shop.access_token_encrypted.is_not(None), Shop.uninstalled_at.is_(None)
    )
    receipts = _unprocessed_receipts(now)
    forwards = _scheduled_forwards(now, installed)
    parcels = _pending_parcels(installed)
    installs = _unfinished_installs(now, installed)
    runs = _unstarted_runs(now, installed)
    mails = [(m.id, m.shop_id, m.attempts) for m in mail.overdue(BATCH)]
    db.session.rollback()  # read-only: no transaction held while talking to Redis
    done = Enqueued()
    for receipt_id, shop_domain in receipts:
        if intake.process.is_missing(receipt_id):
            intake.process.enqueue(receipt_id, shop_domain=shop_domain)
            done.webhooks += 1
    for supplier_order_id, shop_id, forward_at in forwards:
        if forwarding.forward.is_missing(supplier_order_id):
            forwarding.forward.enqueue(supplier_order_id, at=aware(forward_at), shop_id=shop_id)
            done.forwards += 1
    done.pushes = _enqueue_missing(tracking_push.push_parcel, parcels)
    done.installs = _enqueue_missing(installation.post_install, [(i, i) for i in installs])
    done.sync_runs = _enqueue_missing(sync_runs.run_step, runs)
    for mail_id, shop_id, attempts in mails:
        job_id = f"mail-{mail_id}-late-{attempts}"  # once per attempt, however many passes
        if queues.id_is_free(job_id):
            mail.send_mail.enqueue(mail_id, shop_id=shop_id, job_id=job_id)
            done.mails += 1
    return done


def _enqueue_missing(job, rows) -> int:
    """(row id, shop id) pairs: enqueue the job of each row that has no job at all."""
    enqueued = 0
    for row_id, shop_id in rows:
        if job.is_missing(row_id):
            enqueued += job.enqueue_once(row_id, shop_id=shop_id) is not None
    return enqueued


def _unprocessed_receipts(now):
    return db.session.execute(
        select(WebhookReceipt.id, WebhookReceipt.shop_domain)
        .where(
            WebhookReceipt.processed_at.is_(None),
            WebhookReceipt.parked_at.is_(None),  # set aside: only the merchant re-runs it
            WebhookReceipt.received_at <= now - GRACE,
        )
        .order_by(WebhookReceipt.id)
        .limit(BATCH)
    ).all()


def _scheduled_forwards(now, installed):
    return db.session.execute(
        select(SupplierOrder.id, SupplierOrder.shop_id, SupplierOrder.forward_at)
        .where(
            SupplierOrder.status == "scheduled",
            SupplierOrder.status_changed_at <= now - GRACE,  # its request may be enqueueing it
            SupplierOrder.shop_id.in_(installed),
        )
        .order_by(SupplierOrder.id)
        .limit(BATCH)
    ).all()


def _pending_parcels(installed):
    return db.session.execute(
        select(Parcel.id, Parcel.shop_id)
        .where(Parcel.push_status == "pending", Parcel.shop_id.in_(installed))
        .order_by(Parcel.id)
        .limit(BATCH)
    ).all()


def _unfinished_installs(now, installed):
    """Installed, but post-install (webhooks, fulfillment service) never ran."""
    return db.session.scalars(
        select(Shop.id).where(
            Shop.id.in_(installed),
            Shop.fulfillment_location_gid.is_(None),
            Shop.installed_at <= now - GRACE,
        )
    ).all()


def _unstarted_runs(now, installed):
    """A run recorded but never started (a run under way may be waiting on a scheduled step)."""
    return db.session.execute(
        select(SyncRun.id, SyncRun.shop_id).where(
            SyncRun.status == "queued",
            SyncRun.started_at <= now - GRACE,
            SyncRun.shop_id.in_(installed),
        )
    ).all()


def _key(name: str) -> str:
    from flask import current_app

    return f"relay:{current_app.config.get('RQ_QUEUE_PREFIX', '')}{name}"


def mark_epoch() -> bool:
    """True when this Redis had no epoch mark: it is new or came back without its data."""
    return bool(redis_connection().set(_key("epoch"), utcnow().isoformat(), nx=True))


class PeriodicPass:
    """The worker's periodic pass, in a daemon thread beside RQ's blocking dequeue."""

    def __init__(self, flask_app, worker=None, interval: float = PASS_INTERVAL):
        self.app = flask_app
        self.worker = worker
        self.interval = interval
        self.stopped = threading.Event()
        self.redis_down = False
        self.thread = threading.Thread(target=self._loop, name="relay-outbox", daemon=True)

    def start(self) -> PeriodicPass:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def _loop(self) -> None:
        # Ctrl-C / SIGTERM must reach the worker's main thread: delivered to this thread, they
        # would leave the main thread in its blocking dequeue (up to 405 s) before it stops.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        while not self.stopped.wait(self.interval):
            self.run_once()

    def run_once(self) -> Enqueued | None:
        with self.app.app_context():
            try:
                return self._run()
            except ENQUEUE_ERRORS as exc:
                if not self.redis_down:
                    log.warning("Redis unreachable (%s); the outbox pass will retry", exc)
                self.redis_down = True
            except SQLAlchemyError as exc:
                log.warning("database unreachable (%s); the outbox pass will retry", exc)
            except Exception:  # noqa: BLE001 - a bug here must not stop the next pass
                log.exception("outbox pass failed")
            finally:
                db.session.remove()
        return None

    def _run(self) -> Enqueued | None:
        connection = redis_connection()
        connection.ping()
        if self.redis_down:
            log.warning("Redis is reachable again")
            self.redis_down = False
        self._revive_scheduler()
        if mark_epoch():
            shops = sweep.reconcile_every_shop_soon()
            rates.arm()  # its chain went with Redis's data too
            digests.arm()  # and the suppliers' daily digest chain
            log.warning(
                "Redis came back without its data: reconciliation queued for %d shop(s)", shops
            )
        if not connection.set(_key("outbox-pass"), 1, nx=True, px=int(self.interval * 900)):
            return None  # another worker ran this interval's pass
        if self.worker is not None:  # what dead workers left, on any host
            reclaim.reclaim(connection, list(self.worker.queues))
            self._take_over_scheduler()
        done = enqueue_orphans()
        if done.total:
            log.warning("outbox: enqueued the missing jobs of %s", done)
        return done

    def _take_over_scheduler(self) -> None:
        """A dead worker's scheduler lock was just released: this worker's scheduler, if it
        has none running, takes it now (RQ would try at its next maintenance, up to 60 s)."""
        scheduler = getattr(self.worker, "scheduler", None)
        if scheduler is None or getattr(self.worker, "_stop_requested", False):
            return
        if scheduler._process is None or not scheduler._process.is_alive():
            scheduler.acquire_locks(auto_start=True)

    def _revive_scheduler(self) -> None:
        scheduler = getattr(self.worker, "scheduler", None)
        if scheduler is None or scheduler._process is None or scheduler._process.is_alive():
            return
        if getattr(self.worker, "_stop_requested", False) or scheduler._process.exitcode == 0:
            return  # stopped on purpose (the worker is shutting down)
        scheduler._process.join(timeout=0)  # reap it
        log.warning("RQ's scheduler process died (Redis was unreachable); starting it again")
        scheduler.acquire_locks(auto_start=True)
