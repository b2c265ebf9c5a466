"""The dashboard strip's supplier orders per status, and those whose supplier is not paid
(issue 15), cached until the shop's split changes.

Counting a big shop's supplier orders by status reads every one of them (~35 ms for 180,000
on PostgreSQL) and the strip shows on every page load, while the counts change only when a
supplier order does. So they are cached in Redis under the shop's data version:

- a commit that inserted, changed or deleted a SupplierOrder bumps its shop's version (after
  the commit, so a reader never caches what is about to change); an ORM bulk UPDATE/DELETE
  on orders or supplier orders bumps a global epoch instead (it does not say which shops);
- a reader takes the versions before counting, so a count racing a commit is stored under
  the old version and never served;
- Redis unreachable: count straight from the database. A TTL bounds anything missed.
"""

from __future__ import annotations

import hashlib
import json
import logging

import redis
from flask import current_app, has_app_context
from sqlalchemy import event, func, literal, select, union_all
from sqlalchemy.orm import Session

from domain.models.orders import Order, SupplierOrder
from domain.orders.payment_badges import supplier_not_paid_conditions
from extensions import db, redis_connection

log = logging.getLogger("relay.grid")
TTL_SECONDS = 600
_PENDING = "relay_grid_counts_changed"
# Deleting orders deletes their supplier orders (ON DELETE CASCADE).
_BULK_TABLES = {Order.__table__, SupplierOrder.__table__}
_NOT_PAID = "*supplier_not_paid"  # never a status key
_FAILED = "*payment_failed"


def count_all(shop_id: int) -> dict:
    """{"statuses": {status: n}, "supplier_not_paid": n, "payment_failed": n}, in one
    statement (the strip costs no more queries than before); each part on an index of its own
    (the unpaid partial index for the last two)."""
    statuses = (
        select(SupplierOrder.status.label("key"), func.count().label("n"))
        .where(SupplierOrder.shop_id == shop_id)
        .group_by(SupplierOrder.status)
    )
    not_paid = select(literal(_NOT_PAID).label("key"), func.count().label("n")).where(
        SupplierOrder.shop_id == shop_id, *supplier_not_paid_conditions(shop_id)
    )
    # Automatic payments that failed: the merchant is told on the strip (Pay now fixes them).
    failed = select(literal(_FAILED).label("key"), func.count().label("n")).where(
        SupplierOrder.shop_id == shop_id,
        SupplierOrder.supplier_paid_at.is_(None),
        SupplierOrder.payment_failure.is_not(None),
    )
    rows = dict(db.session.execute(union_all(statuses, not_paid, failed)).all())
    return {
        "supplier_not_paid": rows.pop(_NOT_PAID, 0),
        "payment_failed": rows.pop(_FAILED, 0),
        "statuses": rows,
    }


def _namespace() -> str:
    # Several databases (test sessions, benches) may share one Redis: keys name theirs.
    uri = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return "relay:grid:" + hashlib.sha1(uri.encode(), usedforsecurity=False).hexdigest()[:10]


def status_counts(shop_id: int) -> dict[str, int]:
    """Supplier orders per Relay status for the shop: cached, exact."""
    return counts(shop_id)["statuses"]


def counts(shop_id: int) -> dict:
    """count_all's figures for the shop: cached, exact."""
    try:
        connection = redis_connection()
        space = _namespace()
        epoch, version = connection.mget(f"{space}:epoch", f"{space}:v:{shop_id}")
        # "c3": the figures' shape (statuses, not paid, failed), not read by an older release.
        key = f"{space}:counts:c3:{shop_id}:{int(epoch or 0)}:{int(version or 0)}"
        cached = connection.get(key)
    except redis.RedisError as exc:
        log.warning("dashboard counts not cached: %s", exc)
        return count_all(shop_id)
    if cached is not None:
        return json.loads(cached)
    figures = count_all(shop_id)
    try:
        connection.set(key, json.dumps(figures), ex=TTL_SECONDS)
    except redis.RedisError as exc:
        log.warning("dashboard counts not cached: %s", exc)
    return figures


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context) -> None:
    shops = session.info.setdefault(_PENDING, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, SupplierOrder) and instance.shop_id is not None:
            shops.add(instance.shop_id)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and mapper.local_table in _BULK_TABLES:
        state.session.info.setdefault(_PENDING, set()).add("*")


@event.listens_for(Session, "after_commit")
def _bump_versions(session: Session) -> None:
    shops = session.info.pop(_PENDING, None)
    if not shops or not has_app_context():
        return
    try:
        space = _namespace()
        with redis_connection().pipeline(transaction=False) as pipe:
            for shop_id in shops:
                pipe.incr(f"{space}:epoch" if shop_id == "*" else f"{space}:v:{shop_id}")
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("dashboard counts may be stale for up to %d s: %s", TTL_SECONDS, exc)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)
