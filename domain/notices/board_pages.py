"""The boards as pages: the bell's count, a page of entries with their messages in the reader's
language, and marking read. A board is (shop, recipient): the merchant's ("merchant") or one
supplier's (recipients.board_key); nothing here reaches another board, whatever id is sent."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from domain.errors import NotFound
from domain.models.notices import Notification
from domain.notices import board
from domain.transaction import unit_of_work
from extensions import db

# Param values that are themselves English labels (a job's name): translated when shown.
LABEL_PARAMS = ("job", "store_reason")


@dataclass(frozen=True)
class BoardPage:
    entries: list[Notification]
    unread: int
    before: int | None  # the id to page on from, when there may be more
    first_page: bool


def render_message(entry: Notification) -> str:
    """The entry's message in the current language, its values filled in."""
    values = {k: v for k, v in (entry.params or {}).items() if isinstance(v, str | int | float)}
    for key in LABEL_PARAMS:
        if isinstance(values.get(key), str):
            values[key] = gettext(values[key])
    try:
        return gettext(entry.message, **values)
    except (KeyError, ValueError, TypeError):
        return entry.message


def unread_count(shop_id: int, recipient: str) -> int:
    """The bell: one COUNT over the partial index of unread entries."""
    return board.unread_count(shop_id, recipient)


def page(shop_id: int, recipient: str, before: str | None = None) -> BoardPage:
    before_id = int(before) if before and before.isdigit() and len(before) < 11 else None
    rows = board.entries(shop_id, recipient, before_id=before_id)
    more = len(rows) == board.PAGE_SIZE
    return BoardPage(
        entries=rows,
        unread=board.unread_count(shop_id, recipient),
        before=rows[-1].id if more else None,
        first_page=before_id is None,
    )


def latest_unread(shop_id: int, recipient: str, limit: int = 3) -> list[Notification]:
    return board.entries(shop_id, recipient, unread_only=True)[:limit]


def entry_of(shop_id: int, recipient: str, notification_id: int) -> Notification:
    """An entry of this board, or NotFound (another shop's or supplier's is not found)."""
    query = select(Notification).where(
        Notification.id == notification_id,
        Notification.shop_id == shop_id,
        Notification.recipient == recipient,
    )
    entry = db.session.scalar(query)
    if entry is None:
        raise NotFound(gettext("No such notification."))
    return entry


@unit_of_work
def open_entry(shop_id: int, recipient: str, notification_id: int) -> Notification:
    """Clicked: it is read, and the caller follows its link."""
    entry = entry_of(shop_id, recipient, notification_id)
    board.mark_read(shop_id, recipient, entry.id)
    return entry


@unit_of_work
def mark_read(shop_id: int, recipient: str, notification_id: int) -> None:
    entry = entry_of(shop_id, recipient, notification_id)
    board.mark_read(shop_id, recipient, entry.id)


@unit_of_work
def mark_all_read(shop_id: int, recipient: str) -> int:
    return board.mark_read(shop_id, recipient)
