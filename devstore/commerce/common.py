"""What every commerce module shares: plans, errors, ids and money."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from devstore.store import Store

PLANS = {
    "standard": {"display": "Basic", "restore_rate": 100.0, "bucket": 2000.0},
    "advanced": {"display": "Advanced", "restore_rate": 200.0, "bucket": 4000.0},
    "plus": {"display": "Shopify Plus", "restore_rate": 1000.0, "bucket": 20000.0},
}


class UserError(Exception):
    def __init__(self, message: str, field: list[str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class NotFound(Exception):
    """An id that does not exist in this shop: Shopify answers RESOURCE_NOT_FOUND."""

    def __init__(self, gid: str):
        super().__init__(f"Invalid id: {gid}")
        self.gid = gid


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def gid(kind: str, doc_id: int | str) -> str:
    return f"gid://shopify/{kind}/{doc_id}"


def app_id(client_id: str | None) -> int | None:
    """An app's numeric id (App gid), stable per client id; None for the merchant's own acts."""
    if not client_id:
        return None
    return int(hashlib.sha256(client_id.encode()).hexdigest()[:10], 16) % 10**10


def parse_gid(value: str | int, kind: str) -> int:
    if isinstance(value, int):
        return value
    prefix = f"gid://shopify/{kind}/"
    if not value.startswith(prefix) or not value[len(prefix) :].split("?")[0].isdigit():
        raise NotFound(str(value))
    return int(value[len(prefix) :].split("?")[0])


def money(value: Decimal | str | int) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def require_shop(store: Store, shop: str) -> dict:
    doc = store.get("shop", shop)
    if doc is None:
        raise UserError(f"Unknown shop {shop}")
    return doc
