"""Who a mail goes to, in which language, and where a reply should land."""

from __future__ import annotations

from dataclasses import dataclass

from domain.models.orders import Order, Supplier
from domain.models.shop import Shop
from domain.validation import EMAIL

LANGUAGES = ("en", "fr", "hu")
MERCHANT = "merchant"


@dataclass(frozen=True)
class Recipient:
    email: str | None
    name: str | None
    locale: str
    audience: str  # merchant / supplier / customer
    supplier_id: int | None = None

    @property
    def reachable(self) -> bool:
        return is_email(self.email)


def is_email(value: str | None) -> bool:
    return bool(value) and len(value) <= 320 and EMAIL.fullmatch(value) is not None


def language(value: str | None) -> str:
    """One of Relay's languages for a stored locale ("fr-CA" -> "fr"); English otherwise."""
    short = (value or "en").replace("_", "-").split("-")[0].lower()
    return short if short in LANGUAGES else "en"


def merchant(shop: Shop) -> Recipient:
    return Recipient(
        email=shop.contact_email,
        name=shop.name or shop.domain,
        locale=language(shop.locale),
        audience="merchant",
    )


def supplier(supplier_row: Supplier) -> Recipient:
    return Recipient(
        email=supplier_row.contact_email,
        name=supplier_row.name,
        locale=language(supplier_row.language),
        audience="supplier",
        supplier_id=supplier_row.id,
    )


def customer(order: Order, shop: Shop) -> Recipient:
    return Recipient(
        email=None if order.customer_redacted_at else order.customer_email,
        name=order.customer_name,
        locale=language(shop.locale),
        audience="customer",
    )


def board_key(supplier_row: Supplier | None) -> str:
    """The board a notification is posted on: the merchant's, or one supplier's."""
    return MERCHANT if supplier_row is None else f"supplier:{supplier_row.id}"
