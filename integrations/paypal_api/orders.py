"""Orders v2 and Vault v3 through the SDK: checkout orders, their capture, vaulted charges."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from paypalserversdk.models.amount_with_breakdown import AmountWithBreakdown
from paypalserversdk.models.checkout_payment_intent import CheckoutPaymentIntent
from paypalserversdk.models.order_request import OrderRequest
from paypalserversdk.models.payee_base import PayeeBase
from paypalserversdk.models.payment_source import PaymentSource
from paypalserversdk.models.payment_token_request import PaymentTokenRequest
from paypalserversdk.models.payment_token_request_payment_source import (
    PaymentTokenRequestPaymentSource,
)
from paypalserversdk.models.paypal_wallet import PaypalWallet
from paypalserversdk.models.paypal_wallet_experience_context import (
    PaypalWalletExperienceContext,
)
from paypalserversdk.models.purchase_unit_request import PurchaseUnitRequest
from paypalserversdk.models.setup_token_request import SetupTokenRequest
from paypalserversdk.models.setup_token_request_payment_source import (
    SetupTokenRequestPaymentSource,
)
from paypalserversdk.models.vault_experience_context import VaultExperienceContext
from paypalserversdk.models.vault_paypal_wallet_request import VaultPaypalWalletRequest
from paypalserversdk.models.vault_token_request import VaultTokenRequest

from integrations.paypal_api.money import amount_string
from integrations.paypal_api.sdk import SdkClient
from integrations.paypal_api.types import PayPalOrder, PayPalRefused, VaultSetup, VaultToken

REPRESENTATION = "return=representation"
DECLINES = frozenset({"INSTRUMENT_DECLINED", "PAYER_ACTION_REQUIRED", "TRANSACTION_REFUSED"})


def attr(obj, *path: str):
    """A field of an SDK model, None when absent (the SDK leaves absent fields unset)."""
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def link(links, *rels: str) -> str | None:
    for rel in rels:
        for item in links or []:
            if getattr(item, "rel", None) == rel:
                return item.href
    return None


def to_order(order, failure_issue: str | None = None) -> PayPalOrder:
    units = attr(order, "purchase_units") or []
    unit = units[0] if units else None
    captures = attr(unit, "payments", "captures") or []
    capture = captures[0] if captures else None
    if failure_issue is None and attr(capture, "status") == "DECLINED":
        failure_issue = "INSTRUMENT_DECLINED"
    amount = attr(unit, "amount")
    return PayPalOrder(
        id=order.id,
        status=order.status,
        approve_url=link(attr(order, "links"), "payer-action", "approve"),
        capture_id=attr(capture, "id"),
        capture_status=attr(capture, "status"),
        amount=Decimal(amount.value) if amount else Decimal(0),
        currency=attr(amount, "currency_code") or "",
        payee_email=attr(unit, "payee", "email_address"),
        reference_id=attr(unit, "reference_id"),
        failure_issue=failure_issue,
    )


def present(**fields) -> dict:
    """Only the fields that have a value: the SDK would send an explicit None as JSON null."""
    return {name: value for name, value in fields.items() if value is not None}


def _unit(payee_email, amount, currency, reference_id, description, invoice_id):
    amount_field = AmountWithBreakdown(
        currency_code=currency.upper(), value=amount_string(amount, currency)
    )
    return PurchaseUnitRequest(
        amount=amount_field,
        payee=PayeeBase(email_address=payee_email),
        **present(
            reference_id=reference_id,
            description=(description or "")[:127] or None,
            invoice_id=invoice_id,
        ),
    )


def create_order(sdk: SdkClient, *, payee_email, amount: Decimal, currency, reference_id,
                 description, return_url, cancel_url, request_id,
                 invoice_id=None) -> PayPalOrder:  # fmt: skip
    """A checkout order the buyer approves at `approve_url`, then `capture_order`."""
    body = OrderRequest(
        intent=CheckoutPaymentIntent.CAPTURE,
        purchase_units=[
            _unit(payee_email, amount, currency, reference_id, description, invoice_id)
        ],
        payment_source=PaymentSource(
            paypal=PaypalWallet(
                experience_context=PaypalWalletExperienceContext(
                    return_url=return_url, cancel_url=cancel_url, user_action="PAY_NOW"
                )
            )
        ),
    )
    options = {"body": body, "paypal_request_id": request_id, "prefer": REPRESENTATION}
    return to_order(sdk.call(lambda c: c.orders.create_order(options)).body)


def get_order(sdk: SdkClient, order_id: str) -> PayPalOrder:
    return to_order(sdk.call(lambda c: c.orders.get_order({"id": order_id})).body)


def capture_order(sdk: SdkClient, order_id: str, *, request_id: str) -> PayPalOrder:
    """The approved order's money moves. A declined instrument comes back as the order with
    `failure_issue` set (the buyer may approve again with another instrument)."""
    options = {"id": order_id, "paypal_request_id": request_id, "prefer": REPRESENTATION}
    try:
        return to_order(sdk.call(lambda c: c.orders.capture_order(options)).body)
    except PayPalRefused as refused:
        if refused.issue not in DECLINES:
            raise
        return dataclasses.replace(get_order(sdk, order_id), failure_issue=refused.issue)


def charge_vaulted(sdk: SdkClient, *, vault_id, payee_email, amount: Decimal, currency,
                   reference_id, description, request_id,
                   invoice_id=None) -> PayPalOrder:  # fmt: skip
    """Charge a saved PayPal agreement without the buyer: COMPLETED with a capture, or
    `failure_issue` (a DECLINED capture, or PayPal's refusal before any order: id "")."""
    body = OrderRequest(
        intent=CheckoutPaymentIntent.CAPTURE,
        purchase_units=[
            _unit(payee_email, amount, currency, reference_id, description, invoice_id)
        ],
        payment_source=PaymentSource(paypal=PaypalWallet(vault_id=vault_id)),
    )
    options = {"body": body, "paypal_request_id": request_id, "prefer": REPRESENTATION}
    try:
        return to_order(sdk.call(lambda c: c.orders.create_order(options)).body)
    except PayPalRefused as refused:
        if refused.issue not in DECLINES:
            raise
        return PayPalOrder(
            id="", status="DECLINED", approve_url=None, capture_id=None, capture_status=None,
            amount=amount, currency=currency.upper(), payee_email=payee_email,
            reference_id=reference_id, failure_issue=refused.issue,
        )  # fmt: skip


def create_vault_setup(sdk: SdkClient, *, return_url, cancel_url, request_id) -> VaultSetup:
    """A setup token the merchant approves at `approve_url` to save PayPal for later."""
    body = SetupTokenRequest(
        payment_source=SetupTokenRequestPaymentSource(
            paypal=VaultPaypalWalletRequest(
                usage_type="MERCHANT",
                experience_context=VaultExperienceContext(
                    return_url=return_url, cancel_url=cancel_url
                ),
            )
        )
    )
    options = {"body": body, "paypal_request_id": request_id}
    setup = sdk.call(lambda c: c.vault.create_setup_token(options)).body
    approve_url = link(attr(setup, "links"), "approve")
    return VaultSetup(id=setup.id, status=setup.status, approve_url=approve_url)


def create_vault_token(sdk: SdkClient, setup_token_id: str, *, request_id) -> VaultToken:
    body = PaymentTokenRequest(
        payment_source=PaymentTokenRequestPaymentSource(
            token=VaultTokenRequest(id=setup_token_id, mtype="SETUP_TOKEN")
        )
    )
    options = {"body": body, "paypal_request_id": request_id}
    token = sdk.call(lambda c: c.vault.create_payment_token(options)).body
    email = attr(token, "payment_source", "paypal", "email_address")
    return VaultToken(id=token.id, payer_email=email)
