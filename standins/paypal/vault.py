"""Vault v3 for PayPal wallets: a setup token the buyer approves (buyer.py), then a payment
token whose id orders.py takes as payment_source.paypal.vault_id."""

from __future__ import annotations

from flask import Blueprint

from standins.paypal import server, webhooks
from standins.paypal.errors import PayPalError, invalid, unprocessable
from standins.paypal.ids import new_id, now

bp = Blueprint("vault", __name__)


def public(doc: dict) -> dict:
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def create_setup_token(body: dict) -> tuple[dict, int]:
    source = body.get("payment_source") or {}
    paypal = source.get("paypal") if isinstance(source, dict) else None
    if not isinstance(paypal, dict):
        raise invalid(
            "MISSING_REQUIRED_PARAMETER",
            "The stand-in vaults PayPal wallets: payment_source.paypal is required.",
            "/payment_source/paypal",
        )
    context = paypal.get("experience_context") or {}
    context = context if isinstance(context, dict) else {}
    if not context.get("return_url") or not context.get("cancel_url"):
        raise invalid(
            "MISSING_REQUIRED_PARAMETER",
            "return_url and cancel_url are required.",
            "/payment_source/paypal/experience_context",
        )
    token_id = new_id()
    base = server.base_url()
    customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    setup = {
        "id": token_id,
        "customer": {"id": str(customer.get("id") or new_id(10))},
        "status": "PAYER_ACTION_REQUIRED",
        "payment_source": {"paypal": {"usage_type": paypal.get("usage_type", "MERCHANT")}},
        "links": [
            {
                "href": f"{base}/agreements/approve?approval_session_id={token_id}",
                "rel": "approve",
                "method": "GET",
            },
            {"href": f"{base}/v3/vault/setup-tokens/{token_id}", "rel": "self", "method": "GET"},
        ],  # fmt: skip
        "_return_url": context["return_url"],
        "_cancel_url": context["cancel_url"],
        "_created": now(),
    }
    server.store().put("setup_token", token_id, setup)
    return public(setup), 201


def load_setup(token_id: str) -> dict:
    setup = server.store().get("setup_token", token_id)
    if setup is None:
        raise PayPalError(404, "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
    return setup


def create_payment_token(body: dict) -> tuple[dict, int]:
    source = body.get("payment_source") or {}
    token = source.get("token") if isinstance(source, dict) else None
    if not isinstance(token, dict) or token.get("type") != "SETUP_TOKEN" or not token.get("id"):
        raise invalid(
            "MISSING_REQUIRED_PARAMETER",
            "payment_source.token with type SETUP_TOKEN is required.",
            "/payment_source/token",
        )
    setup = load_setup(str(token["id"]))
    if setup["status"] == "VAULTED":
        raise unprocessable("SETUP_TOKEN_ALREADY_USED", "The setup token was already used.")
    if setup["status"] != "APPROVED":
        raise unprocessable(
            "SETUP_TOKEN_NOT_APPROVED", "The payer has not approved this setup token yet."
        )
    vault_id = new_id(7).lower()
    email = setup["_buyer"]
    payment_token = {
        "id": vault_id,
        "customer": setup["customer"],
        "payment_source": {"paypal": {"email_address": email, "payer_id": setup["_payer_id"],
                                      "usage_type": "MERCHANT"}},
        "links": [{"href": f"{server.base_url()}/v3/vault/payment-tokens/{vault_id}",
                   "rel": "self", "method": "GET"}],
    }  # fmt: skip
    server.store().put("payment_token", vault_id, payment_token)
    setup["status"] = "VAULTED"
    server.store().put("setup_token", setup["id"], setup)
    webhooks.emit("VAULT.PAYMENT-TOKEN.CREATED", "payment_token", payment_token)
    return payment_token, 201


@bp.post("/v3/vault/setup-tokens")
def setup_route():
    return server.api(lambda: create_setup_token(server.json_body()))


@bp.get("/v3/vault/setup-tokens/<token_id>")
def setup_show_route(token_id: str):
    return server.api(lambda: (public(load_setup(token_id)), 200))


@bp.post("/v3/vault/payment-tokens")
def payment_token_route():
    return server.api(lambda: create_payment_token(server.json_body()))


@bp.get("/v3/vault/payment-tokens/<vault_id>")
def payment_token_show_route(vault_id: str):
    def show():
        token = server.store().get("payment_token", vault_id)
        if token is None:
            raise PayPalError(404, "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
        return token, 200

    return server.api(show)
