"""What suppliers ship: the deliveries of a scheduled order sent one at a time, and the parcels
(tracking and the lines in each) Relay pushes to the store as fulfillments."""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.models.orders import LineItem, SupplierOrder
from extensions import db


class SupplierDelivery(db.Model):
    """What was sent to a supplier for one of Shopify's fulfillment orders: the whole order
    usually, one delivery of a subscription or pre-order when Shopify schedules them. A later
    delivery is sent when Shopify opens it, and is its own order in a supplier's store."""

    __tablename__ = "supplier_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "supplier_order_id", "fulfillment_order_gid", name="uq_supplier_deliveries_fo"
        ),
        Index("ix_supplier_deliveries_reference", "supplier_reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_order_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    fulfillment_order_gid: Mapped[str] = mapped_column(String(255))
    # line item id (Relay's) -> quantity asked of the supplier for this delivery
    quantities: Mapped[dict] = mapped_column(JSON)
    # The order in the supplier's store for this delivery (channel store).
    supplier_reference: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # None while Shopify has opened it and Relay has yet to send it (the row is the job's
    # outbox: recovery sends it again if its job was lost).
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    supplier_order: Mapped[SupplierOrder] = relationship()


class Parcel(db.Model):
    """One shipment of a supplier order: tracking, the lines in it, and its push to the store."""

    __tablename__ = "parcels"
    __table_args__ = (
        # A supplier's own shipment id (e.g. its store's fulfillment) maps to one parcel only.
        UniqueConstraint("supplier_order_id", "source_ref", name="uq_parcels_source_ref"),
        Index("ix_parcels_shop_push", "shop_id", "push_status"),
    )
    KINDS = ("tracked", "untracked", "local_pickup")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_order_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_orders.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="tracked")
    tracking_number: Mapped[str | None] = mapped_column(String(255))
    carrier: Mapped[str | None] = mapped_column(String(255))
    tracking_url: Mapped[str | None] = mapped_column(String(1000))
    source_ref: Mapped[str | None] = mapped_column(String(255))
    # pending -> pushed (fulfillment created in the store) | rejected (Shopify said no)
    push_status: Mapped[str] = mapped_column(String(16), default="pending")
    push_error: Mapped[str | None] = mapped_column(Text)
    shopify_fulfillment_gid: Mapped[str | None] = mapped_column(String(255))
    # Tracking as last sent to Shopify: a difference means an update is due.
    pushed_tracking: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pushed_latency_ms: Mapped[int | None] = mapped_column(Integer)

    supplier_order: Mapped[SupplierOrder] = relationship(back_populates="parcels")
    lines: Mapped[list[ParcelLine]] = relationship(
        back_populates="parcel", cascade="all, delete-orphan", order_by="ParcelLine.id"
    )

    @property
    def tracking(self) -> dict:
        return {"number": self.tracking_number, "company": self.carrier, "url": self.tracking_url}


class ParcelLine(db.Model):
    __tablename__ = "parcel_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id", ondelete="CASCADE"), index=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("line_items.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)

    parcel: Mapped[Parcel] = relationship(back_populates="lines")
    line_item: Mapped[LineItem] = relationship()
