"""Connected accounts (Stripe Connect): a supplier's own Stripe account, onboarded on Stripe's
hosted pages; charges are made on it (direct charges), so Relay never holds the money."""

from __future__ import annotations

from integrations.stripe_api import shapes
from integrations.stripe_api.client import call, client, request_options
from integrations.stripe_api.types import StripeAccount


def create_account(
    *, email: str | None, country: str | None, idempotency_key: str, kind: str = "standard"
) -> StripeAccount:
    # No country: Stripe's default (the platform's); the supplier confirms it at onboarding.
    params = {"type": kind, **({"country": country.upper()} if country else {})}
    if email:
        params["email"] = email
    obj = call(
        client().v1.accounts.create,
        params=params,
        options=request_options(idempotency_key=idempotency_key),
    )
    return shapes.account(obj)


def onboarding_link(account_id: str, *, refresh_url: str, return_url: str) -> str:
    """Stripe's hosted onboarding; single use and short-lived, so make one per click."""
    link = call(
        client().v1.account_links.create,
        params={
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        },
    )
    return link.url


def retrieve_account(account_id: str) -> StripeAccount:
    return shapes.account(call(client().v1.accounts.retrieve, account_id))
