"""A supplier paid automatically, set up as in life: it connected its own Stripe account (the
stand-in's onboarding), takes cards, and the merchant saved a card for automatic payment.
Test helpers that made `pay_mode="auto"` suppliers call this: since issue 15 automatic payment
moves money for real, so a supplier with no way to be paid is never sent an order unpaid."""

from __future__ import annotations

from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select

from domain.models.orders import Supplier
from domain.models.payments import SavedPaymentMethod
from extensions import db
from tests.integration import stripe_flows


def _standin() -> SimpleNamespace:
    config = current_app.config
    return SimpleNamespace(
        url=config["STRIPE_API_BASE"], publishable_key=config["STRIPE_PUBLISHABLE_KEY"]
    )


def make_automatic(supplier: Supplier, card: str = stripe_flows.VISA) -> Supplier:
    standin = _standin()
    account = stripe_flows.onboarded_account(standin)
    supplier.stripe_account_id = account.id
    supplier.stripe_charges_enabled = account.charges_enabled
    supplier.accepts_card = True
    saved = db.session.scalar(
        select(SavedPaymentMethod).where(
            SavedPaymentMethod.shop_id == supplier.shop_id,
            SavedPaymentMethod.kind == "card",
            SavedPaymentMethod.status == "active",
        )
    )
    if saved is None:
        customer, setup = stripe_flows.save_card(standin, card)
        db.session.add(
            SavedPaymentMethod(
                shop_id=supplier.shop_id,
                kind="card",
                status="active",
                label=setup.card_label,
                stripe_customer_id=customer,
                stripe_payment_method_id=setup.payment_method_id,
            )
        )
    db.session.commit()
    return supplier
