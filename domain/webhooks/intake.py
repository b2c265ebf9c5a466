"""Webhook intake: record once per X-Shopify-Webhook-Id, enqueue; later, process.

Receiving must be fast and must never lose a delivery: the unique receipt row is written and
committed before the job is enqueued, and a duplicate id is acknowledged without new work. The
delivery arrives verified (integrations/shopify_admin/webhooks.py read it from the request).
"""

from __future__ import annotations

import enum
import functools
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Text, bindparam, cast, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from background import PUSH, background, try_enqueue
from domain.clock import utcnow
from domain.errors import is_outage
from domain.models.shop import Shop, WebhookReceipt
from domain.shop import shops
from domain.transaction import atomic, unit_of_work
from domain.webhooks import parking as webhook_parking
from domain.webhooks.topics import ALWAYS_PROCESSED, SHOP_LIFECYCLE_TOPICS, handlers_for
from extensions import db, intake_engine
from integrations.shopify_admin.webhooks import WebhookDelivery

log = logging.getLogger("relay.webhooks")


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # this webhook id was recorded before: no new work


def receive(delivery: WebhookDelivery) -> Outcome:
    """Record one verified delivery, once, and enqueue its processing."""
    receipt_id = _record_once(
        webhook_id=delivery.webhook_id,
        shop_domain=delivery.shop_domain,
        topic=delivery.topic,
        event_id=delivery.event_id,
        triggered_at=delivery.triggered_at,
        payload_json=delivery.payload_json,  # the verified body is JSON text already: as sent
        received_at=utcnow(),
    )
    if receipt_id is None:
        return Outcome.DUPLICATE
    # Stored is accepted: with Redis down the receipt waits for the worker's outbox pass.
    try_enqueue(process.enqueue, receipt_id, shop_domain=delivery.shop_domain)
    return Outcome.ACCEPTED


def _record_once(**values) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING on the webhook id: the new row's id, or None for a
    repeat. This is the hot path of intake: one statement on an autocommit connection, so the
    row is committed when execute returns (before anything is enqueued) in one round trip, with
    no ORM unit of work and no separate BEGIN/COMMIT. On PostgreSQL it runs on intake's own
    pool (no pre-ping, autocommit from the start) straight through the driver: SQLAlchemy's
    execution machinery cost as much CPU as the statement."""
    engine = intake_engine()
    if engine is None:  # SQLite: the app's one engine
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.execute(_insert_once(db.engine.dialect.name), values).scalar()
    statement = _insert_sql(engine.dialect)
    for attempt in (1, 2):
        connection = engine.raw_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, values)
                row = cursor.fetchone()
            return None if row is None else row[0]
        except engine.dialect.loaded_dbapi.Error as exc:
            dropped = engine.dialect.is_disconnect(exc, connection.dbapi_connection, None)
            if dropped:
                _drop(engine, connection, exc)
            if attempt == 2 or not dropped:
                raise _wrapped(engine, statement, exc) from exc
        finally:
            connection.close()
    return None  # not reached: the second attempt returns or raises


def _wrapped(engine, statement: str, exc: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy's (OperationalError for an outage, as everywhere
    else), without the parameters: they hold the customer data of the payload."""
    base = engine.dialect.loaded_dbapi.Error
    return DBAPIError.instance(statement, None, exc, base, hide_parameters=True)


def _drop(engine, connection, exc) -> None:
    """The server dropped the connection (a restart drops them all): discard it and every
    pooled one; the statement runs once more on a new connection. Had the lost one
    committed, the repeat finds the row and says None: nothing is enqueued, and recovery (the
    worker's pass over unprocessed receipts) enqueues it, as it does when Redis is down."""
    connection.invalidate(exc)
    engine.dispose()


@functools.cache
def _insert_sql(dialect) -> str:
    """The PostgreSQL statement compiled once, with the driver's named placeholders."""
    columns = ["webhook_id", "shop_domain", "topic", "event_id", "triggered_at", "received_at"]
    return str(_insert_once(dialect.name).compile(dialect=dialect, column_keys=columns))


@functools.cache
def _insert_once(dialect: str):
    receipts = WebhookReceipt.__table__
    # The payload goes in as the body's own text, not re-serialised from the parsed dict.
    payload = bindparam("payload_json", type_=Text)
    if dialect == "postgresql":
        insert, payload = postgresql_insert, cast(payload, JSON)
    else:
        insert = sqlite_insert  # SQLite keeps JSON as text
    return (
        insert(receipts)
        .values(payload=payload)
        .on_conflict_do_nothing(index_elements=["webhook_id"])
        .returning(receipts.c.id)
    )


# Enqueued only for a receipt row just inserted (a repeated Webhook-Id never gets here), so no
# job can exist for it yet: no dedupe on intake's hot path.
@background(queue=PUSH, job_id="webhook-{0}", label=_l("Process a webhook from Shopify"))
def process(receipt_id: int) -> str:
    """Run the topic's handlers once, in one unit of work with the receipt's lock and its
    `processed_at`. Safe to call again: a processed receipt is skipped."""
    try:
        with atomic():
            return _handle_once(receipt_id)
    except Exception as exc:
        if is_outage(exc):
            raise  # resumes by itself: the job's retries, then the sweep's recovery
        # Fails the same way every time: set aside (recovery leaves it alone), and the job
        # fails at once into the failed registry the Jobs page shows, with its Retry.
        log.warning("webhook %s set aside: %r", receipt_id, exc)
        webhook_parking.park(receipt_id, exc)
        raise


def _handle_once(receipt_id: int) -> str:
    peek = db.session.get(WebhookReceipt, receipt_id)
    if peek is not None and peek.topic in SHOP_LIFECYCLE_TOPICS:
        # Uninstall and erasure lock the shop, and erasure deletes the shop's other receipts:
        # taking the shop's row before any receipt's keeps the two in one order (no deadlock).
        shops.lock_shop(peek.shop_domain)
    receipt = db.session.get(
        WebhookReceipt, receipt_id, with_for_update=True, populate_existing=True
    )
    if receipt is None or receipt.processed_at is not None:
        return "skipped"
    shop = shops.shop_by_domain(receipt.shop_domain)
    if receipt.topic not in ALWAYS_PROCESSED and (shop is None or not shop.is_installed):
        # Shopify retries anything but 2xx, so an unknown shop is acknowledged and noted.
        receipt.error = "ignored: Relay is not installed on this shop"
    else:
        if receipt.parked_at is not None:  # tried again on the merchant's word
            receipt.parked_at = receipt.park_reason = receipt.error = None
        for handler in handlers_for(receipt.topic):
            handler(receipt.shop_domain, receipt.payload, receipt)
    receipt.processed_at = utcnow()
    return "processed"


@unit_of_work
def try_again_set_aside(shop: Shop, receipt_id: int) -> bool:
    """Un-park one of this shop's receipts and run it again (after commit). False when there
    is no such parked receipt for this shop: repeating it changes nothing."""
    receipt = db.session.scalar(
        select(WebhookReceipt)
        .where(
            WebhookReceipt.id == receipt_id,
            WebhookReceipt.shop_domain == shop.domain,
            WebhookReceipt.parked_at.is_not(None),
            WebhookReceipt.processed_at.is_(None),
        )
        .with_for_update()
    )
    if receipt is None:
        return False
    receipt.parked_at = receipt.park_reason = receipt.error = None
    process.once_after_commit(receipt.id, shop_domain=shop.domain)
    return True
