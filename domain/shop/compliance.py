"""GDPR/CCPA compliance webhooks: customers/data_request, customers/redact, shop/redact.

Models holding customer data register a collector and a redactor here, so a new table cannot
be forgotten silently: tests run every registered pair.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select

from domain.models.shop import ComplianceRecord, Shop, WebhookReceipt
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.webhook_payloads import ComplianceRequest, Customer

# Each gets the whole request: the customer, and the orders Shopify names for it.
Collector = Callable[[Shop, ComplianceRequest], dict]
Redactor = Callable[[Shop, ComplianceRequest], int]
_COLLECTORS: dict[str, Collector] = {}
_REDACTORS: dict[str, Redactor] = {}
_SHOP_ERASERS: list[Callable[[Shop], None]] = []


def customer_data(name: str):
    """Register (collector, redactor) for one kind of data under `name`."""

    def register(pair: tuple[Collector, Redactor]):
        _COLLECTORS[name], _REDACTORS[name] = pair
        return pair

    return register


def shop_eraser(func: Callable[[Shop], None]):
    _SHOP_ERASERS.append(func)
    return func


def _mentions(payload: dict, customer: Customer, order_ids=()) -> bool:
    """Does a stored webhook payload carry this customer's data: theirs by id or email, or
    about one of the orders the request names (an order's body, or a fulfillment's or
    refund's of that order)?"""
    if not isinstance(payload, dict):
        return False
    ids = {customer.id} - {None}
    emails = {customer.email} - {None}
    orders = {str(i) for i in order_ids or () if isinstance(i, int | str)}
    stored = payload.get("customer") or {}
    if not isinstance(stored, dict):
        stored = {}
    own_id = str(payload.get("admin_graphql_api_id") or "")
    return bool(
        (stored.get("id") in ids)
        or (stored.get("email") in emails)
        or (payload.get("email") in emails)
        or (own_id.startswith("gid://shopify/Order/") and own_id.rsplit("/", 1)[1] in orders)
        or (payload.get("order_id") is not None and str(payload.get("order_id")) in orders)
    )


def _receipts_collect(shop: Shop, request: ComplianceRequest) -> dict:
    rows = db.session.scalars(
        select(WebhookReceipt).where(WebhookReceipt.shop_domain == shop.domain)
    ).all()
    return {
        "webhook_payloads": [
            r.payload
            for r in rows
            if _mentions(r.payload, request.customer, request.orders_requested)
        ]
    }


def _receipts_redact(shop: Shop, request: ComplianceRequest) -> int:
    count = 0
    for receipt in db.session.scalars(
        select(WebhookReceipt).where(WebhookReceipt.shop_domain == shop.domain)
    ):
        if _mentions(receipt.payload, request.customer, request.orders_to_redact):
            receipt.payload = {"redacted": True, "id": receipt.payload.get("id")}
            count += 1
    return count


customer_data("webhook_receipts")((_receipts_collect, _receipts_redact))


@unit_of_work
def data_request(shop: Shop, request: ComplianceRequest) -> ComplianceRecord:
    export = {name: collect(shop, request) for name, collect in _COLLECTORS.items()}
    record = ComplianceRecord(
        shop_domain=shop.domain,
        topic="customers/data_request",
        request=request.as_sent,
        result=export,
    )
    db.session.add(record)
    return record


@unit_of_work
def redact_customer(shop: Shop, request: ComplianceRequest) -> ComplianceRecord:
    counts = {name: redact(shop, request) for name, redact in _REDACTORS.items()}
    record = ComplianceRecord(
        shop_domain=shop.domain,
        topic="customers/redact",
        request={
            "customer_id": request.customer.id,
            "orders_to_redact": request.orders_to_redact,
        },
        result=counts,
    )
    db.session.add(record)
    return record


@unit_of_work
def redact_shop(domain: str, keep_receipt_id: int | None = None) -> None:
    """Erase everything Relay holds for the shop (sent 48 h after uninstall); the receipt of
    the shop/redact request itself is kept as the record that we did."""
    shop = db.session.scalar(select(Shop).where(Shop.domain == domain))
    if shop is not None:
        for erase in _SHOP_ERASERS:
            erase(shop)
        db.session.delete(shop)
    db.session.execute(
        delete(WebhookReceipt).where(
            WebhookReceipt.shop_domain == domain, WebhookReceipt.id != (keep_receipt_id or 0)
        )
    )
    db.session.add(
        ComplianceRecord(
            shop_domain=domain, topic="shop/redact", request={}, result={"erased": True}
        )
    )


def record_refused_redact(domain: str) -> None:
    """shop/redact for a shop where Relay is still installed: nothing erased, and the record
    says why (a replayed or misdirected request)."""
    db.session.add(
        ComplianceRecord(
            shop_domain=domain,
            topic="shop/redact",
            request={},
            result={"erased": False, "reason": "Relay is installed on this shop"},
        )
    )
