"""Stripe, through the official SDK (the only package that imports `stripe`). Typed results
out, never raw payloads. Configured by STRIPE_API_BASE / STRIPE_SECRET_KEY /
STRIPE_WEBHOOK_SECRET (the stand-in in development and tests: standins/stripe)."""

from integrations.stripe_api.accounts import create_account, onboarding_link, retrieve_account
from integrations.stripe_api.events import parse_event, verify_event
from integrations.stripe_api.money import exponent, from_minor, to_minor
from integrations.stripe_api.payments import (
    charge_saved_card,
    create_checkout_intent,
    create_setup_intent,
    ensure_customer,
    list_intents,
    list_refunds,
    refund,
    retrieve_intent,
    retrieve_setup_intent,
)
from integrations.stripe_api.types import (
    Intent,
    InvalidStripeSignature,
    SetupResult,
    StripeAccount,
    StripeEvent,
    StripeRefund,
    StripeRefused,
    StripeUnavailable,
)

__all__ = [
    "Intent",
    "InvalidStripeSignature",
    "SetupResult",
    "StripeAccount",
    "StripeEvent",
    "StripeRefund",
    "StripeRefused",
    "StripeUnavailable",
    "charge_saved_card",
    "create_account",
    "create_checkout_intent",
    "create_setup_intent",
    "ensure_customer",
    "exponent",
    "from_minor",
    "list_intents",
    "list_refunds",
    "onboarding_link",
    "parse_event",
    "refund",
    "retrieve_account",
    "retrieve_intent",
    "retrieve_setup_intent",
    "to_minor",
    "verify_event",
]
