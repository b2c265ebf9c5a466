"""A store that installed Relay, and the webhook deliveries it has sent us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from extensions import db


class Shop(db.Model):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str | None] = mapped_column(String(3))
    # Offline token (expiring) and its refresh token, Fernet-encrypted at rest.
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[str | None] = mapped_column(Text)
    installed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uninstalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Relay registers itself as a fulfillment service on install.
    fulfillment_service_gid: Mapped[str | None] = mapped_column(String(255))
    fulfillment_location_gid: Mapped[str | None] = mapped_column(String(255))
    # Fingerprint of the webhook topics last registered in the store: a release that subscribes
    # to more topics registers them for shops installed before it (domain/shop/subscriptions.py).
    webhook_topics: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Issue 16: where the merchant's mail goes (the shop's contact email, read at install and
    # editable in Settings) and the store's primary language (mail to customers and merchant).
    contact_email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_installed(self) -> bool:
        return self.access_token_encrypted is not None and self.uninstalled_at is None


class WebhookReceipt(db.Model):
    """One row per X-Shopify-Webhook-Id: the unique key is what makes intake idempotent."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (
        UniqueConstraint("webhook_id", name="uq_webhook_receipts_webhook_id"),
        # Recovery looks for receipts never processed: a small partial index, not a scan.
        Index(
            "ix_webhook_receipts_unprocessed",
            "shop_domain",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(255))
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str | None] = mapped_column(String(255))
    triggered_at: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    # Set aside: its handlers failed in a way retrying cannot fix (bad data, Shopify's refusal,
    # a bug). Never re-run by itself; the Jobs page shows it and its "Try again".
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    park_reason: Mapped[str | None] = mapped_column(String(32))


class ComplianceRecord(db.Model):
    """What Relay did for each compliance request: the answer to "prove you handled it"."""

    __tablename__ = "compliance_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
