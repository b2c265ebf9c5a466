"""Issue 16, the conversation: the mail outbox, notification boards, messages and notes to
customers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from extensions import db


class OutboundMail(db.Model):
    """One row per (event, recipient): the row is written in the unit of work of the event, so
    a mail exists exactly when its event does, and its unique key is what keeps a retried job,
    a replayed webhook or a killed worker from sending it twice. Rendered when written (subject
    and both bodies in the recipient's language), sent later by a job that locks the row."""

    __tablename__ = "outbound_mails"
    __table_args__ = (
        UniqueConstraint("event_key", "recipient", name="uq_outbound_mails_event_recipient"),
        # The outbox pass looks for mails still to send: a small partial index, not a scan.
        Index(
            "ix_outbound_mails_unsent",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_outbound_mails_shop_created", "shop_id", "created_at"),
    )

    STATUSES = ("pending", "sent", "failed")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # What happened, once per event: "new-order:so:12", "message:7", "portal-link:3:<nonce>"...
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(255))
    # merchant / supplier / customer, and which supplier: the outbox page filters by them.
    audience: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    sender_name: Mapped[str] = mapped_column(String(255))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Fixed when written: a mail sent again after a worker died between the server's "250"
    # and our commit carries the same Message-ID, which mail clients fold into one.
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Notification(db.Model):
    """One entry of a notification board: the merchant's (recipient "merchant") or a
    supplier's ("supplier:<id>"). Stored as an English template and its values, translated
    when shown, like the timeline."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("shop_id", "recipient", "event_key", name="uq_notifications_event"),
        Index("ix_notifications_board", "shop_id", "recipient", "id"),
        # The bell's unread count, polled by every open page: only unread rows are indexed.
        Index(
            "ix_notifications_unread",
            "shop_id",
            "recipient",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    supplier_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderMessage(db.Model):
    """A message between the merchant and a supplier: about one supplier order, or (from the
    portal home, "message the store") about none."""

    __tablename__ = "order_messages"
    __table_args__ = (Index("ix_order_messages_thread", "supplier_id", "supplier_order_id", "id"),)

    MAX_LENGTH = 2000
    AUTHORS = ("merchant", "supplier")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    supplier_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="CASCADE")
    )
    author: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CustomerNote(db.Model):
    """A note to the customer about their order: emailed to them, and appended to the
    Shopify order's note (once: `store_note_status`)."""

    __tablename__ = "customer_notes"

    MAX_LENGTH = 1000
    STORE_NOTE_STATUSES = ("pending", "appended", "failed")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # Written by the merchant (None) or by this supplier from the portal.
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    store_note_status: Mapped[str] = mapped_column(String(16), default="pending")
    store_note_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
