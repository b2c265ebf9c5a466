"""An order as Shopify sends it, in either of its two shapes, made one typed value.

GraphQL order nodes come from the Admin API (backfill pages and bulk exports, sweeps, the
refresh after a fulfillment-order webhook); REST payloads come with the orders/* webhooks. Both
become a `ShopifyOrder`: times aware, amounts Decimal in the order's currency, statuses in the
GraphQL enum's words. An address has one mapping in (`PostalAddress`) and one out
(`mailing_address_input`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal

# REST's fulfillment_status in the words of GraphQL's displayFulfillmentStatus.
REST_FULFILLMENT = {
    None: "UNFULFILLED",
    "partial": "PARTIALLY_FULFILLED",
    "fulfilled": "FULFILLED",
    "restocked": "RESTOCKED",
}


@dataclass(frozen=True)
class PostalAddress:
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None  # what MailingAddressInput takes (province is deprecated)
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None

    @classmethod
    def from_fields(cls, values: Mapping) -> PostalAddress:
        """From a mapping keyed by these field names (Relay's stored copy, a form); a missing
        key is None."""
        return cls(**{field.name: values.get(field.name) for field in fields(cls)})

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ShopifyLineItem:
    gid: str
    sku: str | None
    title: str
    variant_title: str | None
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ShopifyOrder:
    gid: str
    name: str
    created_at: datetime
    updated_at: datetime
    financial_status: str  # Shopify's displayFinancialStatus, upper case
    store_status: str  # Shopify's displayFulfillmentStatus
    cancelled_at: datetime | None
    currency: str
    total: Decimal
    customer_name: str | None
    customer_email: str | None
    shipping_address: PostalAddress | None
    lines: tuple[ShopifyLineItem, ...] = ()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _name(first: str | None, last: str | None) -> str | None:
    joined = " ".join(p for p in (first, last) if p)
    return joined or None


def _email(customer: dict, order: dict) -> str | None:
    """The customer's email (GraphQL's defaultEmailAddress, since Customer.email is deprecated;
    REST payloads still name it `email`), else the order's own."""
    default = (customer.get("defaultEmailAddress") or {}).get("emailAddress")
    return (default or customer.get("email") or order.get("email") or "").lower() or None


def _address(shape: dict | None, country_code_key: str) -> PostalAddress | None:
    """Both shapes name an address's fields alike but for the country and province codes."""
    if not shape:
        return None
    return replace(
        PostalAddress.from_fields(shape),
        country_code=shape.get(country_code_key),
        province_code=shape.get("provinceCode") or shape.get("province_code"),
    )


def mailing_address_input(address: PostalAddress) -> dict:
    """The address as GraphQL's MailingAddressInput (orderCreate, orderUpdate)."""
    first, _, last = (address.name or "").partition(" ")
    return {
        "firstName": first or None,
        "lastName": last or None,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "provinceCode": address.province_code,
        "zip": address.zip,
        "countryCode": address.country_code,
        "phone": address.phone,
    }


def order_from_graphql(node: dict) -> ShopifyOrder:
    customer = node.get("customer") or {}
    return ShopifyOrder(
        gid=node["id"],
        name=node["name"],
        created_at=_parse_time(node["createdAt"]),
        updated_at=_parse_time(node["updatedAt"]),
        financial_status=node.get("displayFinancialStatus") or "PENDING",
        store_status=node.get("displayFulfillmentStatus") or "UNFULFILLED",
        cancelled_at=_parse_time(node.get("cancelledAt")),
        currency=node["currencyCode"],
        total=Decimal(node["totalPriceSet"]["shopMoney"]["amount"]),
        customer_name=customer.get("displayName")
        or _name(customer.get("firstName"), customer.get("lastName")),
        customer_email=_email(customer, node),
        shipping_address=_address(node.get("shippingAddress"), "countryCodeV2"),
        lines=tuple(
            ShopifyLineItem(
                gid=li["id"],
                sku=li.get("sku"),
                title=li["title"],
                variant_title=li.get("variantTitle"),
                quantity=li["quantity"],
                unit_price=Decimal(li["originalUnitPriceSet"]["shopMoney"]["amount"]),
            )
            for li in (node.get("lineItems") or {}).get("nodes", [])
        ),
    )


def _amount(value) -> Decimal:
    """A REST money string; NaN or Infinity (which Python's JSON reader lets through) is bad
    data, refused here rather than stored."""
    amount = Decimal(str(value or "0"))
    if not amount.is_finite():
        raise ValueError(f"amount {value!r} is not a finite number")
    return amount


def order_from_rest(payload: dict) -> ShopifyOrder:
    customer = payload.get("customer") or {}
    return ShopifyOrder(
        gid=payload["admin_graphql_api_id"],
        name=payload["name"],
        created_at=_parse_time(payload["created_at"]),
        updated_at=_parse_time(payload["updated_at"]),
        financial_status=(payload.get("financial_status") or "pending").upper(),
        store_status=REST_FULFILLMENT.get(payload.get("fulfillment_status"), "UNFULFILLED"),
        cancelled_at=_parse_time(payload.get("cancelled_at")),
        currency=payload.get("currency") or "USD",
        total=_amount(payload.get("total_price")),
        customer_name=_name(customer.get("first_name"), customer.get("last_name")),
        customer_email=_email(customer, payload),
        shipping_address=_address(payload.get("shipping_address"), "country_code"),
        lines=tuple(
            ShopifyLineItem(
                gid=li["admin_graphql_api_id"],
                sku=li.get("sku") or None,
                title=li.get("title") or li.get("name") or "Item",
                variant_title=li.get("variant_title"),
                quantity=int(li["quantity"]),
                unit_price=_amount(li.get("price")),
            )
            for li in payload.get("line_items") or []
        ),
    )
