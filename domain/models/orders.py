"""Suppliers, the SKU mapping that routes items to them, and the orders Relay mirrors from the
store, split into one supplier order per supplier (like Shopify's fulfillment orders)."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from domain.clock import utcnow
from extensions import db

# Every money column, in every model. Three decimals: some currencies have them (KWD, BHD, OMR,
# JOD, TND; Babel says how many each one uses); 12 digits before the point, as Numeric(14, 2)
# had. Wider is not needed: only units of account (CLF, UYW) have four, and no store sells in
# them.
MONEY = Numeric(15, 3)


class Supplier(db.Model):
    __tablename__ = "suppliers"
    __table_args__ = (UniqueConstraint("shop_id", "name", name="uq_suppliers_shop_name"),)

    CHANNELS = ("store", "portal", "manual")
    MODES = ("manual", "auto")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # store: another shop running Relay; portal: Relay's supplier pages; manual: non-auto-order
    # (the merchant orders on the supplier's website and types the tracking in).
    channel: Mapped[str] = mapped_column(String(16), default="manual")
    # Syncee's four combinations: place the order manually or automatically (after the hold
    # window, paid orders only) x pay the supplier manually or automatically.
    place_mode: Mapped[str] = mapped_column(String(8), default="manual")
    pay_mode: Mapped[str] = mapped_column(String(8), default="manual")
    website_url: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    store_domain: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    # Part of every portal magic link; rotating it revokes the links already sent.
    portal_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Issue 15, how the supplier takes payment through Relay: card on its own Stripe account
    # (Connect; charges_enabled once onboarding is done) and/or PayPal with it as payee.
    accepts_card: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    accepts_paypal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    stripe_charges_enabled: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    paypal_email: Mapped[str | None] = mapped_column(String(255))
    # VAT the supplier adds to what it charges (percent), and whether it applies to this shop.
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    vat_applies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Whether Relay may take a refunded customer's share back from the supplier's payment.
    refunds_taken_back: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Issue 16: the language of the mail Relay sends it (None: English), and whether new
    # orders come as one daily digest instead of a mail each (sent_digest_on: the last day done).
    language: Mapped[str | None] = mapped_column(String(8))
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    digest_sent_on: Mapped[str | None] = mapped_column(String(10))

    @property
    def auto_order(self) -> bool:
        """Syncee's "auto-order" supplier: orders reach it through Relay, not its website."""
        return self.channel != "manual"

    @property
    def places_automatically(self) -> bool:
        return self.auto_order and self.place_mode == "auto"

    @property
    def pays_automatically(self) -> bool:
        return self.pay_mode == "auto"


class VariantMapping(db.Model):
    """Which supplier ships a SKU, under which supplier SKU, at what cost."""

    __tablename__ = "variant_mappings"
    __table_args__ = (UniqueConstraint("shop_id", "sku", name="uq_variant_mappings_shop_sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(255))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    supplier_sku: Mapped[str | None] = mapped_column(String(255))
    cost: Mapped[Decimal | None] = mapped_column(MONEY)
    cost_currency: Mapped[str | None] = mapped_column(String(3))

    supplier: Mapped[Supplier] = relationship()


# The columns the grid's order filters read (domain/orders/grid.py), carried by its sort indexes.
_GRID_FILTER_COLUMNS = ("created_at", "store_status", "search_text")


def _covering_sort_indexes() -> list[Index]:
    """(shop_id, sort column, id) + the filter columns: INCLUDE on PostgreSQL, trailing key
    columns on SQLite (which has no INCLUDE; trailing columns do not change the order)."""
    indexes = []
    for sort in ("created_at", "name", "total"):
        name = f"ix_orders_shop_{sort.removesuffix('_at')}_q"
        carried = [c for c in _GRID_FILTER_COLUMNS if c != sort]
        indexes.append(
            Index(name, "shop_id", sort, "id", postgresql_include=carried).ddl_if(
                dialect="postgresql"
            )
        )
        indexes.append(Index(name, "shop_id", sort, "id", *carried).ddl_if(dialect="sqlite"))
    return indexes


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_gid", name="uq_orders_shop_gid"),
        # The grid's sorts, each led by the shop and ending in the id tie-break, and covering
        # the order's own filters (search text, store status, dates): a search or filter walks
        # the sort's index alone, never the table, and stops once it has what the page needs.
        *_covering_sort_indexes(),
        Index("ix_orders_shop_store_status", "shop_id", "store_status", "created_at", "id"),
        # The grid's free-text search on PostgreSQL: trigrams, led by the shop (its extensions
        # and SQLite's counterpart: domain/models/order_search.py).
        Index(
            "ix_orders_search_trgm",
            "shop_id",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_gid: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    shopify_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    financial_status: Mapped[str] = mapped_column(String(32))
    store_status: Mapped[str] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When Relay first saw the order paid: the fraud-hold window counts from here.
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(MONEY)
    # Shopify Markets: the customer's currency and what they paid in it (None: not read yet,
    # orders synced before 0004; then the shop's currency and total stand for it).
    presentment_currency: Mapped[str | None] = mapped_column(String(3))
    presentment_total: Mapped[Decimal | None] = mapped_column(MONEY)
    # Line prices include their tax (the tax is part of the price, not added to the total).
    taxes_included: Mapped[bool | None] = mapped_column(Boolean)
    # Shipping charged, both sides (order-level: shared between parts by domain.money.line_money).
    shipping_total: Mapped[Decimal | None] = mapped_column(MONEY)
    presentment_shipping_total: Mapped[Decimal | None] = mapped_column(MONEY)
    customer_name: Mapped[str | None] = mapped_column(String(255))
    customer_email: Mapped[str | None] = mapped_column(String(255))
    customer_gid: Mapped[str | None] = mapped_column(String(255))  # a redaction request's key
    shipping_address: Mapped[dict | None] = mapped_column(JSON)
    # Placed through Shopify's test gateway (Order.test): never placed in a supplier's store.
    test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Lower-cased name, customer and SKUs: what the grid's free-text search looks in.
    search_text: Mapped[str] = mapped_column(Text, default="")
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Deleted in Shopify (orders/delete): kept, with its money history, and never forwarded.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The customer's data was erased (customers/redact): never forwarded, and no later sync
    # brings the name, email or address back.
    customer_redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    line_items: Mapped[list[LineItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="LineItem.id"
    )
    supplier_orders: Mapped[list[SupplierOrder]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SupplierOrder.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )


class LineItem(db.Model):
    __tablename__ = "line_items"
    __table_args__ = (UniqueConstraint("order_id", "shopify_gid", name="uq_line_items_gid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shopify_gid: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500))
    variant_title: Mapped[str | None] = mapped_column(String(255))
    # What the order holds now (Shopify's currentQuantity: removed and refunded units left out):
    # what a supplier is asked to ship. 0 once the line is removed or refunded in full.
    quantity: Mapped[int] = mapped_column(Integer)
    # As ordered (Shopify's LineItem.quantity): what refunds count against. None on rows
    # mirrored before it was kept, where it was `quantity`.
    ordered_quantity: Mapped[int | None] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    # Shopify's own money for the line (domain.money.line_money reads them; None on lines synced
    # before 0004): the unit price in the customer's currency, the line after every discount
    # allocated to it (line and order level), and its tax, in shop and presentment money.
    presentment_unit_price: Mapped[Decimal | None] = mapped_column(MONEY)
    discounted_total: Mapped[Decimal | None] = mapped_column(MONEY)
    presentment_discounted_total: Mapped[Decimal | None] = mapped_column(MONEY)
    tax: Mapped[Decimal | None] = mapped_column(MONEY)
    presentment_tax: Mapped[Decimal | None] = mapped_column(MONEY)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    # Which of its supplier's parts of the order holds the line (SupplierOrder.part): 1, or a
    # follow-up part for a line added after the first part was sent.
    part: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Where the store's fulfillment orders hold this line (refreshed on every sync).
    fulfillment_order_gid: Mapped[str | None] = mapped_column(String(255))
    fulfillment_order_line_gid: Mapped[str | None] = mapped_column(String(255))
    # Who ships it, from the fulfillment order holding it (domain/fulfillment/locations.py):
    # "relay" (Relay's location: a supplier), or the store: "merchant" (another location),
    # "pickup", "local", "digital" (no shipping), "gift_card". None: not read yet (by SKU).
    handled_by: Mapped[str | None] = mapped_column(String(16))

    order: Mapped[Order] = relationship(back_populates="line_items")
    supplier: Mapped[Supplier | None] = relationship()

    @property
    def goes_to_a_supplier(self) -> bool:
        """At Relay's location and shipped (or not known yet): routed by SKU. Lines the store
        ships itself never go to a supplier, nor to the "No supplier" part."""
        return self.handled_by in (None, "relay")

    @property
    def bought_quantity(self) -> int:
        """Units ordered, removed and refunded ones included."""
        return self.ordered_quantity if self.ordered_quantity is not None else self.quantity


class SupplierOrder(db.Model):
    """The part of an order one supplier ships. supplier_id None = not mapped to a supplier."""

    __tablename__ = "supplier_orders"
    __table_args__ = (
        # One part per supplier, plus a follow-up part for lines added after it was sent.
        UniqueConstraint(
            "order_id", "supplier_id", "part", name="uq_supplier_orders_order_supplier_part"
        ),
        # Index-only: the dashboard's counts per status, the late count, the status filter.
        Index(
            "ix_supplier_orders_shop_status",
            "shop_id",
            "status",
            "tracking_count",
            "status_changed_at",
            "order_id",
        ),
        # Index-only: the grid's supplier filter (count); its status filter (an order's splits).
        Index("ix_supplier_orders_shop_supplier", "shop_id", "supplier_id", "status", "order_id"),
        Index("ix_supplier_orders_status_order", "status", "order_id"),
        # Every webhook of a supplier's store finds the order Relay placed there by its gid.
        Index("ix_supplier_orders_supplier_reference", "supplier_reference"),
        # Index-only: the "Supplier: not paid" filter, its count and the strip (issue 15).
        Index(
            "ix_supplier_orders_shop_unpaid",
            "shop_id",
            "supplier_id",
            "status",
            "order_id",
            postgresql_where=text("supplier_paid_at IS NULL"),
            sqlite_where=text("supplier_paid_at IS NULL"),
        ),
        Index("ix_supplier_orders_supplier", "supplier_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    # 1 for the supplier's part; 2, 3... for follow-up parts (lines added after it was sent).
    part: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    status: Mapped[str] = mapped_column(String(32))
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    tracking_count: Mapped[int] = mapped_column(Integer, default=0)
    # Fraud hold: a requested supplier order is forwarded at this time (paid + hold window).
    forward_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The store's fulfillment order this supplier order was submitted on.
    fulfillment_order_gid: Mapped[str | None] = mapped_column(String(255))
    # The supplier's own reference: the order in the supplier's store, or its website order no.
    supplier_reference: Mapped[str | None] = mapped_column(String(255))
    supplier_paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the supplier's money for this order was released to it for good (a payout): from
    # then on a refund of its items is settled with the supplier outside Relay.
    supplier_paid_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # Shopify's FulfillmentOrderRejectionReason the supplier chose (sent with the rejection).
    decline_reason_code: Mapped[str | None] = mapped_column(String(48))
    # Last problem a merchant can act on (a rejected push, a refused forward), shown in the grid.
    problem: Mapped[str | None] = mapped_column(Text)
    # What the merchant changed in Shopify after it was sent, for the supplier to see (portal):
    # "fulfilled_by_merchant" | "cancelled_in_store"; and the units per line item gid the
    # merchant fulfilled itself that the supplier was told of (told once).
    store_change: Mapped[str | None] = mapped_column(String(32))
    merchant_fulfilled: Mapped[dict | None] = mapped_column(JSON)
    # Issue 14. A scheduled delivery (subscription, pre-order) waits for Shopify to open its
    # fulfillment order: the earliest fulfillAt of what is still to send, shown to the merchant.
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Holds placed in Shopify on its fulfillment orders, as Shopify last listed them:
    # [{"id", "reason", "notes"}] (a fraud app's HIGH_RISK_OF_FRAUD, the merchant's own).
    store_holds: Mapped[list | None] = mapped_column(JSON)
    # Issue 15: why the last payment to the supplier failed (a decline, 3-D Secure asked of an
    # automatic payment); cleared when a payment succeeds. Such a part is never forwarded.
    payment_failure: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="supplier_orders")
    supplier: Mapped[Supplier | None] = relationship()
    # Parcel lives in domain/models/shipments.py, which builds on this module: named by string.
    parcels = relationship(
        "Parcel",
        back_populates="supplier_order",
        cascade="all, delete-orphan",
        order_by="Parcel.id",
    )

    @property
    def line_items(self) -> list[LineItem]:
        """The order's lines this supplier ships (the unmapped ones, for supplier_id None;
        never the lines the store ships itself)."""
        return [
            line
            for line in self.order.line_items
            if line.supplier_id == self.supplier_id
            and line.part == self.part
            and (line.supplier_id is not None or line.goes_to_a_supplier)
        ]


class OrderEvent(db.Model):
    """The timeline: who did what, when."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(32))  # shopify | merchant | supplier | relay
    actor_name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class SyncRun(db.Model):
    """A backfill or reconciliation sweep, with the progress the sync-status bar shows."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # backfill | sweep
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # pages (cost-aware pagination) | bulk (Shopify's bulk export); chosen from ordersCount.
    method: Mapped[str | None] = mapped_column(String(8))
    # Where to resume: the next page's cursor, or the bulk operation's id for a bulk run.
    cursor: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    # Orders Shopify has exported so far (bulk runs, while the export is running).
    exported: Mapped[int] = mapped_column(Integer, default=0)
    orders_seen: Mapped[int] = mapped_column(Integer, default=0)
    orders_changed: Mapped[int] = mapped_column(Integer, default=0)
    estimated_total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)  # a code the sync-status partial explains
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def phase(self) -> str:
        """queued | counting | exporting (Shopify prepares a bulk export) | importing | ended."""
        if self.status == "queued":
            return "queued"
        if self.status != "running":
            return "ended"
        if self.method is None:
            return "counting"
        if self.method == "bulk" and not self.orders_seen:
            return "exporting"
        return "importing"

    @property
    def percent(self) -> int | None:
        """How far the current phase is, 0-100; None while the total is unknown."""
        if self.estimated_total is None or self.phase not in ("exporting", "importing"):
            return None
        done = (self.exported if self.phase == "exporting" else self.orders_seen) or 0
        if self.estimated_total <= 0:
            return 100
        return max(0, min(100, done * 100 // self.estimated_total))
