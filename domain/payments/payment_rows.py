"""Making a payment row from a quote: the figures, the items as they are now, the rate locked
for this payment, and the idempotency key every provider call for it will carry."""

from __future__ import annotations

import secrets

from domain.errors import DomainError
from domain.models.orders import Supplier
from domain.models.payments import SupplierPayment, SupplierPaymentItem
from domain.models.shop import Shop
from domain.payments import providers, rates, terms
from extensions import db


def provider_account(supplier: Supplier, method: str) -> str | None:
    return supplier.stripe_account_id if method == "card" else supplier.paypal_email


def locked_rate(supplier_currency: str, shop_currency: str):
    """The rate for this payment, or None when rates are out of date or unknown: the payment is
    in the supplier's currency either way; only the shop-currency figure is left out (never
    guessed), and the page says why."""
    try:
        return rates.lock_rate(supplier_currency, shop_currency), None
    except DomainError as exc:
        return None, exc.message


def new_payment(
    shop: Shop, supplier: Supplier, quote, *, method: str, automatic: bool
) -> SupplierPayment:
    shop_currency = shop.currency or quote.currency
    rate, _problem = locked_rate(quote.currency, shop_currency)
    # What can be charged: Stripe takes three-decimal currencies (KWD) in steps of 0.010, so a
    # card payment is the quote rounded to that step (the receipt shows the rounding).
    amount = providers.chargeable(quote.total, quote.currency) if method == "card" else quote.total
    payment = SupplierPayment(
        shop_id=shop.id,
        supplier_id=supplier.id,
        supplier_name=supplier.name,
        status="processing" if automatic else "open",
        method=method,
        automatic=automatic,
        provider="stripe" if method == "card" else "paypal",
        provider_account=provider_account(supplier, method),
        currency=quote.currency,
        goods=quote.goods,
        shipping=quote.shipping,
        vat=quote.vat,
        amount=amount,
        shop_currency=shop_currency,
        shop_amount=rates.convert(amount, rate) if rate else None,
        rate=rate.rate if rate else None,
        rate_date=rate.rate_date if rate else None,
        rate_source=rate.source if rate else None,
        idempotency_key=f"relay-pay-{secrets.token_hex(12)}",
    )
    for part in quote.orders:
        payment.items.append(
            SupplierPaymentItem(
                supplier_order_id=part.supplier_order_id,
                order_name=part.order_name,
                goods=part.goods,
                shipping=part.shipping,
                shipping_method=part.shipping_method,
                vat=part.vat,
                total=part.total,
                lines=[_line(line) for line in part.lines],
            )
        )
    db.session.add(payment)
    db.session.flush()
    return payment


def _line(line) -> dict:
    return {
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "unit_cost": str(line.unit_cost),
        "total": str(line.line_total),
    }


def methods_ready(supplier: Supplier) -> list[str]:
    return terms.methods_available(supplier)
