"""The notification boards: the merchant's (recipient "merchant") and each supplier's
("supplier:<id>", see recipients.board_key). An entry is posted in the unit of work of its
event, once per (board, event); its message is an English template and values, translated
when shown (like the timeline). The bell polls `unread_count`, served by a partial index of
unread rows."""

from __future__ import annotations

from sqlalchemy import func, select, update

from domain.clock import utcnow
from domain.models.notices import Notification
from domain.notices.rows import insert_once
from extensions import db

PAGE_SIZE = 30


def post(
    shop_id: int,
    *,
    recipient: str,
    event_key: str,
    kind: str,
    message: str,
    params: dict | None = None,
    order_id: int | None = None,
    supplier_order_id: int | None = None,
) -> Notification | None:
    """Post once: None when this board already has this event."""
    key = event_key[:200]
    exists = select(Notification.id).where(
        Notification.shop_id == shop_id,
        Notification.recipient == recipient,
        Notification.event_key == key,
    )
    if db.session.execute(exists).first() is not None:
        return None
    values = dict(
        shop_id=shop_id,
        recipient=recipient,
        event_key=key,
        kind=kind,
        message=message,
        params=params or {},
        order_id=order_id,
        supplier_order_id=supplier_order_id,
        created_at=utcnow(),
    )
    entry = insert_once(Notification, values, ["shop_id", "recipient", "event_key"])
    return entry


def unread_count(shop_id: int, recipient: str) -> int:
    query = select(func.count()).where(
        Notification.shop_id == shop_id,
        Notification.recipient == recipient,
        Notification.read_at.is_(None),
    )
    return db.session.execute(query).scalar_one()


def entries(
    shop_id: int, recipient: str, *, before_id: int | None = None, unread_only: bool = False
) -> list[Notification]:
    """Newest first, PAGE_SIZE at a time (`before_id`: the page after the one shown)."""
    query = select(Notification).where(
        Notification.shop_id == shop_id, Notification.recipient == recipient
    )
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(PAGE_SIZE)))


def mark_read(shop_id: int, recipient: str, notification_id: int | None = None) -> int:
    """One entry of this board, or all of them (None); entries of other boards are never
    touched, whatever id is sent. Returns how many were unread."""
    statement = (
        update(Notification)
        .where(
            Notification.shop_id == shop_id,
            Notification.recipient == recipient,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement).rowcount
