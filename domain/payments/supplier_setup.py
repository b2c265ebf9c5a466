"""Where a supplier is paid: its own Stripe account (Connect onboarding, done by the supplier at
Stripe; charges are then made on that account, so Relay never holds the money) and/or PayPal
(the supplier as payee). The supplier sets this up from its payment-setup link; which methods a
merchant may use follows what the supplier enabled."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from domain.errors import InvalidInput, WrongState
from domain.models.orders import Supplier
from domain.payments import providers
from domain.transaction import unit_of_work
from extensions import db
from integrations import stripe_api

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}")


def _locked(supplier_id: int) -> Supplier:
    return db.session.get(Supplier, supplier_id, with_for_update=True, populate_existing=True)


@unit_of_work
def stripe_account_for(supplier_id: int) -> str:
    """The supplier's connected account, made on first use (keyed by the supplier, so a double
    click makes one account)."""
    supplier = _locked(supplier_id)
    if supplier.channel == "manual":
        raise WrongState(_("Suppliers paid on their own website do not connect Stripe."))
    if supplier.stripe_account_id:
        return supplier.stripe_account_id
    try:
        account = stripe_api.create_account(
            email=supplier.contact_email,
            country=None,
            idempotency_key=f"relay-account-{supplier.id}-{supplier.portal_key[:12]}",
        )
    except stripe_api.StripeUnavailable as exc:
        raise providers.ProviderDown(
            _("Stripe could not be reached. Try again in a minute.")
        ) from exc
    supplier.stripe_account_id = account.id
    supplier.stripe_charges_enabled = account.charges_enabled
    return account.id


def onboarding_url(supplier_id: int, *, return_url: str, refresh_url: str) -> str:
    account_id = stripe_account_for(supplier_id)
    try:
        return stripe_api.onboarding_link(
            account_id, refresh_url=refresh_url, return_url=return_url
        )
    except stripe_api.StripeUnavailable as exc:
        raise providers.ProviderDown(
            _("Stripe could not be reached. Try again in a minute.")
        ) from exc


@unit_of_work
def refresh_stripe(supplier_id: int) -> Supplier:
    """Back from Stripe's onboarding: what Stripe says of the account now. Card payments are
    on once charges are enabled (the supplier connected Stripe to be paid by card)."""
    supplier = _locked(supplier_id)
    if not supplier.stripe_account_id:
        return supplier
    try:
        account = stripe_api.retrieve_account(supplier.stripe_account_id)
    except stripe_api.StripeUnavailable as exc:
        raise providers.ProviderDown(
            _("Stripe could not be reached. Try again in a minute.")
        ) from exc
    newly_enabled = account.charges_enabled and not supplier.stripe_charges_enabled
    supplier.stripe_charges_enabled = account.charges_enabled
    if newly_enabled:
        supplier.accepts_card = True
    return supplier


@unit_of_work
def set_paypal(supplier_id: int, email: str) -> Supplier:
    email = (email or "").strip()
    if not EMAIL.fullmatch(email):
        raise InvalidInput(
            errors={"paypal_email": _("Enter the email address of your PayPal account.")}
        )
    supplier = _locked(supplier_id)
    supplier.paypal_email = email
    supplier.accepts_paypal = True
    return supplier


@unit_of_work
def set_method(supplier_id: int, method: str, enabled: bool) -> Supplier:
    """The supplier turns a way of being paid on or off (on only once it is connected)."""
    supplier = _locked(supplier_id)
    if method == "card":
        if enabled and not (supplier.stripe_account_id and supplier.stripe_charges_enabled):
            raise WrongState(_("Connect Stripe first."))
        supplier.accepts_card = enabled
    elif method == "paypal":
        if enabled and not supplier.paypal_email:
            raise WrongState(_("Add your PayPal account first."))
        supplier.accepts_paypal = enabled
    else:
        raise InvalidInput(_("Unknown payment method."))
    return supplier
