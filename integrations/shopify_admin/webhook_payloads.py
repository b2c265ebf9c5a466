"""Webhook payloads (REST JSON) made the typed values their handlers receive, one reader per
payload shape; domain/webhooks/topics.py says which reader serves which handler.

A reader fails the way the handlers always did on bad data (KeyError, ValueError, TypeError,
AttributeError, InvalidOperation): the webhook is then set aside as bad data, never re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from integrations.shopify_admin.ids import gid
from integrations.shopify_admin.order_shapes import ShopifyOrder, order_from_rest

ZERO = Decimal("0")


def order(payload: dict) -> ShopifyOrder:
    """orders/create, updated, paid, cancelled, fulfilled, partially_fulfilled."""
    return order_from_rest(payload)


@dataclass(frozen=True)
class OrderReference:
    """Which order a fulfillment-order, fulfillment or refund payload is about: its order's id,
    or else the fulfillment order it names."""

    order_gid: str | None
    fulfillment_order_gid: str | None


def order_reference(payload: dict) -> OrderReference:
    if payload.get("order_id"):
        return OrderReference(gid("Order", payload["order_id"]), None)
    named = (
        payload.get("fulfillment_order")
        or payload.get("submitted_fulfillment_order")
        or payload.get("original_fulfillment_order")
        or (payload.get("fulfillment_order_merges") or {}).get("fulfillment_order")  # merged
        or {}
    )
    return OrderReference(None, named.get("id") or None)


def order_edit_reference(payload: dict) -> OrderReference:
    """orders/edited: only the edit (line item ids and deltas) and its order's id."""
    order_id = payload["order_edit"]["order_id"]
    if isinstance(order_id, bool) or not isinstance(order_id, int | str) or not str(order_id):
        raise ValueError(f"order_edit.order_id {order_id!r} is not an id")
    return OrderReference(gid("Order", order_id), None)


@dataclass(frozen=True)
class CancelledOrder:
    """orders/cancelled, as the store's own order or one Relay placed in a supplier's store."""

    order_gid: str
    cancel_reason: str | None


def cancelled_order(payload: dict) -> CancelledOrder:
    return CancelledOrder(
        order_gid=payload.get("admin_graphql_api_id") or gid("Order", payload.get("id")),
        cancel_reason=payload.get("cancel_reason"),
    )


@dataclass(frozen=True)
class DeletedOrder:
    """orders/delete: only the order's id is sent."""

    order_gid: str


def deleted_order(payload: dict) -> DeletedOrder:
    order_id = payload["id"]
    if isinstance(order_id, bool) or not isinstance(order_id, int | str) or not str(order_id):
        raise ValueError(f"order id {order_id!r} is not an id")
    return DeletedOrder(gid("Order", order_id))


@dataclass(frozen=True)
class ShippedLine:
    sku: str | None
    quantity: int


@dataclass(frozen=True)
class StoreFulfillment:
    """fulfillments/create and fulfillments/update: a parcel a store shipped."""

    legacy_id: object  # Shopify's REST id, as sent
    reference: str  # the fulfillment's gid (its REST id when there is none)
    order_gid: str
    tracking_number: str | None
    tracking_company: str | None
    tracking_url: str | None
    lines: tuple[ShippedLine, ...]


def store_fulfillment(payload: dict) -> StoreFulfillment:
    return StoreFulfillment(
        legacy_id=payload.get("id"),
        reference=payload.get("admin_graphql_api_id") or str(payload.get("id")),
        order_gid=gid("Order", payload.get("order_id")),
        tracking_number=payload.get("tracking_number")
        or next(iter(payload.get("tracking_numbers") or []), None),
        tracking_company=payload.get("tracking_company"),
        tracking_url=payload.get("tracking_url")
        or next(iter(payload.get("tracking_urls") or []), None),
        lines=tuple(
            ShippedLine(line.get("sku"), int(line.get("quantity") or 0))
            for line in payload.get("line_items") or []
        ),
    )


def _money(value) -> Decimal:
    if isinstance(value, dict):  # a *_set: {"shop_money": {"amount": ...}}
        value = (value.get("shop_money") or {}).get("amount")
    return Decimal(str(value or "0"))


def _paid(value) -> Decimal:
    """The customer's side of a *_set (refund money is in the presentment currency); a plain
    amount or a set without it is the shop's, the same for a one-currency order."""
    if isinstance(value, dict) and (value.get("presentment_money") or {}).get("amount"):
        return Decimal(str(value["presentment_money"]["amount"]))
    return _money(value)


@dataclass(frozen=True)
class RefundedLine:
    line_item_gid: str
    quantity: int
    restocked: bool
    subtotal: Decimal  # after discounts, in the refund currency
    tax: Decimal = ZERO  # its tax (part of the money back unless prices include tax)


@dataclass(frozen=True)
class ShopifyRefund:
    """refunds/create: a refund made in the store (or Relay's own, echoing back)."""

    gid: str
    order_gid: str
    amount: Decimal  # what its successful refund transactions gave back
    lines: tuple[RefundedLine, ...]
    shipping: Decimal
    legacy_id: object  # Shopify's REST id, as sent
    note: str | None
    duties: Decimal = ZERO  # import duties given back
    shipping_tax: Decimal = ZERO  # the shipping's tax given back


def refund(payload: dict) -> ShopifyRefund:
    # Read in the order the handler always read it: the first bad field is the one named.
    refund_gid = payload.get("admin_graphql_api_id") or gid("Refund", payload["id"])
    order_gid = gid("Order", payload["order_id"])
    amount = sum(
        (
            _money(t.get("amount"))
            for t in payload.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") == "success"
        ),
        ZERO,
    )
    lines = tuple(
        RefundedLine(
            line_item_gid=gid("LineItem", rli["line_item_id"]),
            quantity=int(rli.get("quantity") or 0),
            restocked=(rli.get("restock_type") or "no_restock").lower() != "no_restock",
            subtotal=_paid(rli.get("subtotal_set") or rli.get("subtotal")),
            tax=_paid(rli.get("total_tax_set") or rli.get("total_tax")),
        )
        for rli in payload.get("refund_line_items") or []
    )
    shipping = sum(
        (
            _paid(s.get("subtotal_amount_set") or s.get("amount"))
            for s in payload.get("refund_shipping_lines") or []
        ),
        ZERO,
    )
    return ShopifyRefund(
        gid=refund_gid,
        order_gid=order_gid,
        amount=amount,
        lines=lines,
        shipping=shipping,
        legacy_id=payload["id"],
        note=(payload.get("note") or "").strip() or None,
        shipping_tax=sum(
            (_paid(s.get("tax_amount_set")) for s in payload.get("refund_shipping_lines") or []),
            ZERO,
        ),
        duties=sum(
            (_paid(d.get("amount_set")) for d in payload.get("duties") or []),
            ZERO,
        ),
    )


@dataclass(frozen=True)
class ServiceNotification:
    """The fulfillment-service callback: only its kind (it names no fulfillment order)."""

    kind: str | None


def service_notification(payload: dict) -> ServiceNotification:
    return ServiceNotification(payload.get("kind"))


@dataclass(frozen=True)
class SubmittedRequest:
    """fulfillment_orders/fulfillment_request_submitted: the fulfillment order submitted."""

    fulfillment_order_gid: str | None


def submitted_request(payload: dict) -> SubmittedRequest:
    return SubmittedRequest((payload.get("submitted_fulfillment_order") or {}).get("id"))


@dataclass(frozen=True)
class AppUninstalled:
    shop_domain: str | None  # the shop the body names (its myshopify_domain)


def app_uninstalled(payload: dict) -> AppUninstalled:
    return AppUninstalled(payload.get("myshopify_domain"))


@dataclass(frozen=True)
class Customer:
    id: object  # Shopify's REST id, as sent
    email: str | None


@dataclass(frozen=True)
class ComplianceRequest:
    """customers/data_request, customers/redact and shop/redact."""

    shop_domain: str | None  # the shop the body names
    customer: Customer
    orders_to_redact: list | None
    as_sent: dict  # the request itself: a data request is recorded as Shopify sent it
    orders_requested: list | None = None


def compliance_request(payload: dict) -> ComplianceRequest:
    customer = payload.get("customer") or {}
    return ComplianceRequest(
        shop_domain=payload.get("shop_domain"),
        customer=Customer(customer.get("id"), customer.get("email")),
        orders_to_redact=payload.get("orders_to_redact"),
        as_sent=payload,
        orders_requested=payload.get("orders_requested"),
    )
