"""Receipts: what a payment paid for (orders, items at cost, shipping and its method, VAT), in
the supplier's currency and, when it differs, the shop's at the rate locked for the payment,
with how it was paid and the reference at Stripe or PayPal. And the payments list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from domain.models.payments import SupplierPayment
from domain.models.shop import Shop
from domain.orders.timeline import N_
from extensions import db
from integrations.shopify_admin.urls import shop_base_url

PAGE_SIZE = 50
STATUS_LABELS = {
    "open": N_("Waiting for payment"),
    "requires_action": N_("Waiting for the payer"),
    "processing": N_("Processing"),
    "succeeded": N_("Paid"),
    "failed": N_("Payment failed"),
    "cancelled": N_("Cancelled"),
}


@dataclass(frozen=True)
class ReceiptLine:
    sku: str | None
    title: str
    quantity: int
    unit_cost: Decimal
    total: Decimal


@dataclass(frozen=True)
class ReceiptOrder:
    name: str
    lines: list[ReceiptLine]
    goods: Decimal
    shipping: Decimal
    shipping_method: str | None
    vat: Decimal
    total: Decimal


@dataclass(frozen=True)
class Receipt:
    number: str
    orders: list[ReceiptOrder]
    status_label: str
    method_label: str


def receipt(payment: SupplierPayment) -> Receipt:
    orders = [
        ReceiptOrder(
            name=item.order_name,
            lines=[
                ReceiptLine(
                    sku=line.get("sku"),
                    title=line.get("title") or "",
                    quantity=int(line.get("quantity") or 0),
                    unit_cost=Decimal(line.get("unit_cost") or "0"),
                    total=Decimal(line.get("total") or "0"),
                )
                for line in item.lines or []
            ],
            goods=item.goods,
            shipping=item.shipping,
            shipping_method=item.shipping_method,
            vat=item.vat,
            total=item.total,
        )
        for item in payment.items
    ]
    # N_: the template translates "Card" at render; a card's own label ("Visa •••• 4242") and
    # the brand PayPal pass through _() unchanged.
    method = (payment.card_label or N_("Card")) if payment.method == "card" else "PayPal"
    return Receipt(
        number=payment.receipt_number,
        orders=orders,
        status_label=STATUS_LABELS.get(payment.status, payment.status),
        method_label=method,
    )


def recent(shop: Shop, args) -> list[SupplierPayment]:
    query = select(SupplierPayment).where(SupplierPayment.shop_id == shop.id)
    supplier = args.get("supplier", "")
    if supplier.isdigit() and len(supplier) < 12:
        query = query.where(SupplierPayment.supplier_id == int(supplier))
    return list(db.session.scalars(query.order_by(SupplierPayment.id.desc()).limit(PAGE_SIZE)))


def admin_url(payment: SupplierPayment, *, cancelled: bool = False) -> str:
    """The payment's page inside the shop's admin (after PayPal sent the payer back)."""
    shop = db.session.get(Shop, payment.shop_id)
    key = current_app.config["SHOPIFY_API_KEY"]
    suffix = "?cancelled=1" if cancelled else ""
    return f"{shop_base_url(shop.domain)}/admin/apps/{key}/payments/{payment.id}{suffix}"
