"""Setting up what a supplier payment needs, as a merchant and a supplier would: a portal
supplier that connected its Stripe account (onboarded at the stand-in) and gave its PayPal
payee account, its shipping prices and costs; orders placed in devstore and requested."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from domain.fulfillment import requesting
from domain.models.orders import Supplier, SupplierOrder, VariantMapping
from domain.models.payments import ShippingRate, SupplierPayment
from extensions import db
from integrations import stripe_api
from tests.integration import stripe_flows
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    place_order,
    refreshed,
    shop_row,
    supplier_order_of,
)
from tests.payment_services import PAYPAL_SUPPLIER


def paying_supplier(
    domain, stripe_standin, *, card=True, paypal=True, pay="manual", takes_back=False, vat=None
) -> Supplier:
    """A portal supplier paid through Relay: Stripe connected (charges enabled) and/or PayPal,
    shipping "Standard" 4.00 per order + 1.00 per extra item everywhere, SKU cost 7.50 EUR."""
    supplier = add_supplier(domain, channel="portal", pay=pay)
    supplier.contact_email = "portal@supplier.test"
    if card:
        account = stripe_flows.onboarded_account(stripe_standin)
        supplier.stripe_account_id = account.id
        supplier.stripe_charges_enabled = account.charges_enabled
        supplier.accepts_card = True
    if paypal:
        supplier.paypal_email = PAYPAL_SUPPLIER
        supplier.accepts_paypal = True
    supplier.refunds_taken_back = takes_back
    if vat is not None:
        supplier.vat_rate, supplier.vat_applies = Decimal(vat), True
    db.session.add(
        ShippingRate(
            shop_id=supplier.shop_id,
            supplier_id=supplier.id,
            zone="Everywhere",
            countries=[],
            method="Standard",
            per_order=Decimal("4.00"),
            per_extra_item=Decimal("1.00"),
        )
    )
    db.session.commit()
    return supplier


def requested_order(devstore, domain, drain, *, quantity=2) -> SupplierOrder:
    """An order placed in devstore, synced, and requested: waiting for its payment."""
    placed = place_order(devstore, domain, quantity=quantity)
    supplier_order = supplier_order_of(domain, placed, drain)
    requesting.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    return refreshed(supplier_order)


def payment_of(supplier_order_id: int) -> SupplierPayment | None:
    from domain.models.payments import SupplierPaymentItem

    db.session.expire_all()
    return db.session.scalars(
        select(SupplierPayment)
        .join(SupplierPaymentItem)
        .where(SupplierPaymentItem.supplier_order_id == supplier_order_id)
        .order_by(SupplierPayment.id.desc())
    ).first()


def intent_of(payment: SupplierPayment):
    return stripe_api.retrieve_intent(payment.provider_account, payment.provider_reference)


def confirm_card(stripe_standin, payment: SupplierPayment, number: str) -> dict:
    """What Stripe.js's confirmCardPayment sends from the payment page for this card."""
    intent = intent_of(payment)
    answer = stripe_flows.shim_confirm(stripe_standin, intent, payment.provider_account, number)
    return answer.json()


def authenticate(stripe_standin, payment: SupplierPayment, success: bool = True) -> None:
    """The 3-D Secure dialog of Stripe.js: "Complete authentication" (or "Fail")."""
    intent = intent_of(payment)
    stripe_flows.shim_authenticate(stripe_standin, intent, payment.provider_account, success)


def approve_at_paypal(url: str, buyer: str = "buyer@buyer.example", action: str = "pay") -> str:
    """A person at PayPal's approval page: log in, click Pay (or Cancel). Where PayPal sends
    them back (Relay's return or cancel URL)."""
    page = httpx.get(url)
    assert page.status_code == 200
    answer = httpx.post(url, data={"email": buyer, "password": "x", "action": action})
    assert answer.status_code == 302
    return answer.headers["location"]


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def mapping_cost(domain, cost: str, currency: str = "EUR") -> None:
    shop = shop_row(domain)
    mapping = db.session.scalar(
        select(VariantMapping).where(VariantMapping.shop_id == shop.id, VariantMapping.sku == SKU)
    )
    mapping.cost, mapping.cost_currency = Decimal(cost), currency
    db.session.commit()
