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
    quantity: int  # as ordered (LineItem.quantity): removed and refunded units included
    unit_price: Decimal
    # Money beyond the unit price (None when the payload did not carry it): the unit price in
    # the customer's currency; the line after every discount allocated to it, and its tax, in
    # shop and presentment money.
    presentment_unit_price: Decimal | None = None
    discounted_total: Decimal | None = None
    presentment_discounted_total: Decimal | None = None
    tax: Decimal | None = None
    presentment_tax: Decimal | None = None
    # What the order holds now (currentQuantity; REST current_quantity): removed (order edits)
    # and refunded units left out. None when the shape did not carry it.
    current_quantity: int | None = None

    @property
    def holds(self) -> int:
        """Units the order holds now: what a supplier may be asked to ship."""
        return self.quantity if self.current_quantity is None else self.current_quantity


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
    presentment_currency: str | None = None
    presentment_total: Decimal | None = None
    taxes_included: bool | None = None
    shipping_total: Decimal | None = None
    presentment_shipping_total: Decimal | None = None
    customer_gid: str | None = None  # who placed it: how a customers/redact request finds it
    test: bool = False  # placed through Shopify's test (Bogus) gateway


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


def _currency_code(value) -> str | None:
    """An ISO 4217 code, or None for anything else (a payload's bad value is not stored)."""
    if isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper():
        return value
    return None


def _flag(value) -> bool | None:
    return value if isinstance(value, bool) else None


def _side(bag: dict | None, side: str) -> Decimal | None:
    """One side of a GraphQL MoneyBag ("shopMoney" / "presentmentMoney"), or None."""
    amount = ((bag or {}).get(side) or {}).get("amount")
    return None if amount is None else Decimal(str(amount))


def line_money_from_graphql(li: dict) -> dict:
    """A line's discounted total (original x quantity less its discount allocations, line
    and order level: Shopify's own split) and tax, on both sides."""
    money: dict = {
        "presentment_unit_price": _side(li.get("originalUnitPriceSet"), "presentmentMoney")
    }
    if "discountAllocations" not in li and "taxLines" not in li:
        return money
    for side, prefix in (("shopMoney", ""), ("presentmentMoney", "presentment_")):
        unit = _side(li.get("originalUnitPriceSet"), side)
        if unit is None:
            continue
        discounts = sum(
            (
                _side(a.get("allocatedAmountSet"), side) or 0
                for a in li.get("discountAllocations") or []
            ),
            Decimal(0),
        )
        money[prefix + "discounted_total"] = unit * li["quantity"] - discounts
        money[prefix + "tax"] = sum(
            (_side(t.get("priceSet"), side) or 0 for t in li.get("taxLines") or []), Decimal(0)
        )
    return money


def _rest_side(value: dict | None, side: str) -> Decimal | None:
    amount = ((value or {}).get(side) or {}).get("amount")
    return None if amount is None else _amount(amount)


def _rest_line_money(li: dict) -> dict:
    """The REST twin of line_money_from_graphql (`price_set`, `discount_allocations`,
    `tax_lines`)."""
    money: dict = {"presentment_unit_price": _rest_side(li.get("price_set"), "presentment_money")}
    for side, prefix in (("shop_money", ""), ("presentment_money", "presentment_")):
        # The shop side's unit price is `price`, as Relay always read it.
        unit = _rest_side(li.get("price_set"), side) if prefix else _amount(li.get("price"))
        if unit is None:
            continue
        discounts = sum(
            (
                _rest_side(a.get("amount_set"), side)
                or (_amount(a.get("amount")) if not prefix else Decimal(0))
                for a in li.get("discount_allocations") or []
            ),
            Decimal(0),
        )
        money[prefix + "discounted_total"] = unit * int(li["quantity"]) - discounts
        money[prefix + "tax"] = sum(
            (
                _rest_side(t.get("price_set"), side)
                or (_amount(t.get("price")) if not prefix else Decimal(0))
                for t in li.get("tax_lines") or []
            ),
            Decimal(0),
        )
    return money


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
        customer_gid=customer.get("id"),
        lines=tuple(
            ShopifyLineItem(
                gid=li["id"],
                sku=li.get("sku"),
                title=li["title"],
                variant_title=li.get("variantTitle"),
                quantity=li["quantity"],
                unit_price=Decimal(li["originalUnitPriceSet"]["shopMoney"]["amount"]),
                **line_money_from_graphql(li),
                current_quantity=li.get("currentQuantity"),
            )
            for li in (node.get("lineItems") or {}).get("nodes", [])
        ),
        test=bool(node.get("test")),
        presentment_currency=_currency_code(node.get("presentmentCurrencyCode")),
        presentment_total=_side(node.get("totalPriceSet"), "presentmentMoney"),
        taxes_included=_flag(node.get("taxesIncluded")),
        shipping_total=_side(node.get("totalShippingPriceSet"), "shopMoney"),
        presentment_shipping_total=_side(node.get("totalShippingPriceSet"), "presentmentMoney"),
    )


def _amount(value) -> Decimal:
    """A REST money string; NaN or Infinity (which Python's JSON reader lets through) is bad
    data, refused here rather than stored."""
    amount = Decimal(str(value or "0"))
    if not amount.is_finite():
        raise ValueError(f"amount {value!r} is not a finite number")
    return amount


def _rest_customer_gid(customer: dict) -> str | None:
    if customer.get("admin_graphql_api_id"):
        return str(customer["admin_graphql_api_id"])
    return f"gid://shopify/Customer/{customer['id']}" if customer.get("id") else None


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
        customer_gid=_rest_customer_gid(customer),
        lines=tuple(
            ShopifyLineItem(
                gid=li["admin_graphql_api_id"],
                sku=li.get("sku") or None,
                title=li.get("title") or li.get("name") or "Item",
                variant_title=li.get("variant_title"),
                quantity=int(li["quantity"]),
                unit_price=_amount(li.get("price")),
                **_rest_line_money(li),
                current_quantity=_current_quantity(li),
            )
            for li in payload.get("line_items") or []
        ),
        test=payload.get("test") is True,
        presentment_currency=_currency_code(payload.get("presentment_currency")),
        presentment_total=_rest_side(payload.get("total_price_set"), "presentment_money"),
        taxes_included=_flag(payload.get("taxes_included")),
        shipping_total=_rest_side(payload.get("total_shipping_price_set"), "shop_money"),
        presentment_shipping_total=_rest_side(
            payload.get("total_shipping_price_set"), "presentment_money"
        ),
    )


def _current_quantity(line: dict) -> int | None:
    """REST's current_quantity (Shopify: "the line item's quantity, minus the removed
    quantity"; refunded units are removed too); None on a payload without it."""
    value = line.get("current_quantity")
    return None if value is None else int(value)
