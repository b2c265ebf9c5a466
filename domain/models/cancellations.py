"""A cancellation request: the merchant (in Relay's grid or with the Shopify admin's own button)
asks a supplier to cancel its part of an order; the supplier accepts or declines with a reason,
or Relay decides by Shopify Collective's rules (unpaid supplier: at once; paid: after N days
without a shipment)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from domain.clock import utcnow
from domain.models.orders import SupplierOrder
from extensions import db


class CancellationRequest(db.Model):
    __tablename__ = "cancellation_requests"
    __table_args__ = (
        # One open request per supplier order: the grid twice, or the grid and the Shopify
        # admin at the same time, end in one request.
        Index(
            "uq_cancellation_requests_open",
            "supplier_order_id",
            unique=True,
            postgresql_where=text("status = 'requested'"),
            sqlite_where=text("status = 'requested'"),
        ),
        # The sweep's fallback: open requests whose automatic-cancellation time has passed.
        Index("ix_cancellation_requests_shop_due", "shop_id", "status", "auto_cancel_at"),
    )

    STATUSES = ("requested", "accepted", "declined", "auto_cancelled")
    SCOPES = ("supplier", "order")  # only this supplier's items | the whole order in the store
    SOURCES = ("relay", "shopify_admin")
    # Who decided: the supplier (its store, the portal), the merchant on behalf of a manual
    # supplier, Relay (Collective's automatic rules), or the supplier's shipment.
    DECIDERS = ("supplier", "merchant", "relay", "shipment")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    supplier_order_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="requested")
    source: Mapped[str] = mapped_column(String(16), default="relay")
    requested_by: Mapped[str | None] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)  # to the supplier
    # The merchant's choices, carried out in the store once the cancellation is agreed.
    scope: Mapped[str] = mapped_column(String(16), default="supplier")
    restock: Mapped[bool] = mapped_column(Boolean, default=True)
    refund: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_customer: Mapped[bool] = mapped_column(Boolean, default=True)
    # Status of the supplier order when asked: where a declined request returns it.
    previous_status: Mapped[str] = mapped_column(String(32))
    supplier_was_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    # Paid supplier: cancelled automatically at this time unless it ships first.
    auto_cancel_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(16))
    decided_by_name: Mapped[str | None] = mapped_column(String(255))
    # The store's side, carried out by a job: the status whose steps are all in Shopify (the
    # sweep re-enqueues a request whose status is ahead of it), and what Shopify refused
    # (shown to the merchant, not retried).
    store_synced_status: Mapped[str | None] = mapped_column(String(16))
    store_error: Mapped[str | None] = mapped_column(Text)
    order_cancel_job: Mapped[str | None] = mapped_column(String(255))  # orderCancel's Job gid

    # Loaded with the supplier orders (one query per batch), so the grid and the drawer show a
    # declined request's reason without a query per row.
    supplier_order: Mapped[SupplierOrder] = relationship(
        backref=backref(
            "cancellation_requests",
            lazy="selectin",
            order_by="CancellationRequest.id",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )

    @property
    def is_open(self) -> bool:
        return self.status == "requested"

    @property
    def cancelled(self) -> bool:
        return self.status in ("accepted", "auto_cancelled")
