"""The merchant's saved payment methods for automatic payment: a card (saved on Relay's
platform account with a SetupIntent, confirmed in Stripe's own card field; cloned onto each
supplier's account when charged) or a PayPal account (a vault token, approved at PayPal).
One active method of each kind: saving a new card replaces the old one."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.clock import utcnow
from domain.errors import NotFound, WrongState
from domain.models.payments import SavedPaymentMethod
from domain.models.shop import Shop
from domain.payments import providers
from domain.transaction import atomic, unit_of_work
from extensions import db
from integrations import paypal_api, stripe_api


def active(shop: Shop) -> list[SavedPaymentMethod]:
    return list(
        db.session.scalars(
            select(SavedPaymentMethod)
            .where(SavedPaymentMethod.shop_id == shop.id, SavedPaymentMethod.status == "active")
            .order_by(SavedPaymentMethod.kind)
        )
    )


def _down(name: str) -> providers.ProviderDown:
    return providers.ProviderDown(
        _("%(provider)s could not be reached. Try again in a minute.", provider=name)
    )


def _customer_of(shop: Shop) -> str | None:
    return db.session.scalar(
        select(SavedPaymentMethod.stripe_customer_id)
        .where(
            SavedPaymentMethod.shop_id == shop.id,
            SavedPaymentMethod.stripe_customer_id.is_not(None),
        )
        .limit(1)
    )


def start_card(shop: Shop) -> tuple[int, str]:
    """A pending card and the SetupIntent's client secret for the page to confirm."""
    with atomic():
        row = SavedPaymentMethod(shop_id=shop.id, kind="card", status="pending")
        db.session.add(row)
        db.session.flush()
        row_id, key = row.id, f"relay-setup-{row.id}-{secrets.token_hex(8)}"
    try:
        customer = stripe_api.ensure_customer(
            shop_domain=shop.domain,
            email=None,
            existing_id=_customer_of(shop),
            idempotency_key=f"{key}:customer",
        )
        setup = stripe_api.create_setup_intent(customer_id=customer, idempotency_key=key)
    except stripe_api.StripeUnavailable as exc:
        raise _down("Stripe") from exc
    with atomic():
        row = db.session.get(SavedPaymentMethod, row_id)
        row.stripe_customer_id = customer
        row.setup_reference = setup.id
    return row_id, setup.client_secret


def _pending(shop: Shop, saved_id: int) -> SavedPaymentMethod:
    row = db.session.get(SavedPaymentMethod, saved_id, with_for_update=True)
    if row is None or row.shop_id != shop.id:
        raise NotFound(_("No such payment method."))
    return row


@unit_of_work
def finish_card(shop: Shop, saved_id: int) -> SavedPaymentMethod:
    row = _pending(shop, saved_id)
    if row.status == "active":
        return row
    try:
        setup = stripe_api.retrieve_setup_intent(row.setup_reference)
    except stripe_api.StripeUnavailable as exc:
        raise _down("Stripe") from exc
    if setup.status != "succeeded" or not setup.payment_method_id:
        raise WrongState(_("The card was not saved. Try again."))
    row.stripe_payment_method_id = setup.payment_method_id
    row.label = setup.card_label or _("Card")
    _activate(shop, row)
    return row


def _activate(shop: Shop, row: SavedPaymentMethod) -> None:
    for other in active(shop):
        if other.kind == row.kind and other.id != row.id:
            other.status = "removed"
            other.removed_at = utcnow()
    row.status = "active"


def start_paypal(shop: Shop, *, return_url: str, cancel_url: str) -> str:
    with atomic():
        row = SavedPaymentMethod(shop_id=shop.id, kind="paypal", status="pending")
        db.session.add(row)
        db.session.flush()
        row_id, key = row.id, f"relay-vault-{row.id}-{secrets.token_hex(8)}"
    try:
        setup = paypal_api.create_vault_setup(
            return_url=return_url, cancel_url=cancel_url, request_id=key
        )
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc
    with atomic():
        db.session.get(SavedPaymentMethod, row_id).setup_reference = setup.id
    return setup.approve_url


@unit_of_work
def finish_paypal(setup_token: str) -> SavedPaymentMethod:
    """Back from PayPal with the approved setup token: make the vault token (once)."""
    row = db.session.scalars(
        select(SavedPaymentMethod)
        .where(
            SavedPaymentMethod.setup_reference == setup_token, SavedPaymentMethod.kind == "paypal"
        )
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(_("No such payment method."))
    if row.status == "active":
        return row
    try:
        token = paypal_api.create_vault_token(setup_token, request_id=f"relay-vault-token-{row.id}")
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc
    except paypal_api.PayPalRefused as exc:
        raise WrongState(providers.paypal_reason(exc.issue)) from exc
    row.paypal_vault_id = token.id
    row.label = token.payer_email or "PayPal"
    _activate(db.session.get(Shop, row.shop_id), row)
    return row


@unit_of_work
def remove(shop: Shop, saved_id: int) -> None:
    row = _pending(shop, saved_id)
    row.status = "removed"
    row.removed_at = utcnow()


CANCELLED = _l("Saving PayPal was cancelled: nothing was saved.")


def shop_domain(saved: SavedPaymentMethod) -> str:
    return db.session.get(Shop, saved.shop_id).domain
