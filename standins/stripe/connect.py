"""Stripe Connect, which localstripe lacks: connected accounts (POST/GET /v1/accounts), account
links (POST /v1/account_links) and the hosted onboarding page they point to, where a person
clicks "Agree and submit" and the account becomes able to take charges."""

from __future__ import annotations

import html
import time

from aiohttp import web
from localstripe.server import get_post_data, json_response

from standins.stripe import webhooks
from standins.stripe.errors import account_invalid, stripe_error
from standins.stripe.state import STATE, random_id

ACCOUNT_TYPES = ("standard", "express", "custom")
ACCOUNT_PARAMS = {
    "type",
    "country",
    "email",
    "metadata",
    "capabilities",
    "business_type",
    "business_profile",
    "controller",
    "default_currency",
}
# The settlement currency Stripe gives a new account of each country (a few; EUR otherwise).
COUNTRY_CURRENCY = {
    "US": "usd",
    "GB": "gbp",
    "HU": "huf",
    "JP": "jpy",
    "CA": "cad",
    "AU": "aud",
    "CH": "chf",
    "SE": "sek",
    "DK": "dkk",
    "NO": "nok",
    "PL": "pln",
    "CZ": "czk",
}
LINK_LIFETIME = 300  # Stripe's account links expire after a few minutes


def _unknown_params(data: dict, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            raise stripe_error(400, f"Received unknown parameter: {key}", param=key)


async def create_account(request: web.Request, account: str | None) -> web.Response:
    if account:
        raise stripe_error(400, "Connected accounts cannot create other accounts.")
    data = await get_post_data(request) or {}
    _unknown_params(data, ACCOUNT_PARAMS)
    kind = data.get("type") or "standard"
    if kind not in ACCOUNT_TYPES:
        raise stripe_error(400, f"Invalid type: must be one of {', '.join(ACCOUNT_TYPES)}")
    country = (data.get("country") or "US").upper()
    obj = {
        "id": random_id("acct_"),
        "object": "account",
        "type": kind,
        "country": country,
        "email": data.get("email"),
        "default_currency": data.get("default_currency") or COUNTRY_CURRENCY.get(country, "eur"),
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
        "capabilities": {},
        "requirements": {"currently_due": ["tos_acceptance.date"], "disabled_reason": None},
        "business_type": data.get("business_type"),
        "business_profile": data.get("business_profile") or {},
        "metadata": data.get("metadata") or {},
        "created": int(time.time()),
        "livemode": False,
    }
    STATE.accounts[obj["id"]] = obj
    STATE.owners[obj["id"]] = None
    return json_response(obj)


def _platform_account(account_id: str) -> dict:
    obj = STATE.accounts.get(account_id)
    if obj is None:
        raise account_invalid(account_id)
    return obj


async def retrieve_account(request: web.Request, account: str | None) -> web.Response:
    account_id = request.match_info.get("id") or account
    if account_id is None:
        raise stripe_error(400, "The platform account is not emulated; name a connected one.")
    if account and account_id != account:
        raise account_invalid(account_id)
    return json_response(_platform_account(account_id))


async def update_account(request: web.Request, account: str | None) -> web.Response:
    obj = _platform_account(request.match_info["id"])
    data = await get_post_data(request) or {}
    _unknown_params(data, {"email", "metadata", "business_profile", "default_currency"})
    metadata = data.pop("metadata", None) or {}
    obj["metadata"].update(metadata)
    obj.update(data)
    webhooks.send("account.updated", obj, obj["id"])
    return json_response(obj)


async def list_accounts(request: web.Request, account: str | None) -> web.Response:
    data = sorted(STATE.accounts.values(), key=lambda a: a["created"], reverse=True)
    return json_response({"object": "list", "url": "/v1/accounts", "has_more": False, "data": data})


async def create_account_link(request: web.Request, account: str | None) -> web.Response:
    data = await get_post_data(request) or {}
    _unknown_params(data, {"account", "refresh_url", "return_url", "type", "collect"})
    for param in ("account", "type"):
        if not data.get(param):
            raise stripe_error(400, f"Missing required param: {param}.", param=param)
    if data["type"] not in ("account_onboarding", "account_update"):
        raise stripe_error(400, "Invalid type", param="type")
    _platform_account(data["account"])
    link_id = random_id("acctlnk_", 20)
    now = int(time.time())
    STATE.account_links[link_id] = {
        "account": data["account"],
        "refresh_url": data.get("refresh_url"),
        "return_url": data.get("return_url"),
        "expires_at": now + LINK_LIFETIME,
        "used": False,
    }
    base = f"{request.scheme}://{request.host}"
    return json_response(
        {
            "object": "account_link",
            "created": now,
            "expires_at": now + LINK_LIFETIME,
            "url": f"{base}/connect/onboarding/{link_id}",
        }
    )


ONBOARDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stripe onboarding (stand-in)</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto">
<h1>Set up payments</h1>
<p>Stripe stand-in: onboarding of account <code>{account}</code> ({email}).</p>
<p>On Stripe this is where the business gives its details and bank account.</p>
<form method="post"><button type="submit" id="agree">Agree and submit</button></form>
</body></html>"""


def _link_or_refresh(link_id: str) -> dict:
    link = STATE.account_links.get(link_id)
    if link is None:
        raise web.HTTPNotFound(text="This onboarding link does not exist.")
    if link["used"] or link["expires_at"] < time.time():
        # Stripe sends a person holding a used or expired link to the refresh_url.
        raise web.HTTPSeeOther(link["refresh_url"] or "/")
    return link


async def onboarding_page(request: web.Request, account: str | None) -> web.Response:
    link = _link_or_refresh(request.match_info["link"])
    obj = STATE.accounts[link["account"]]
    text = ONBOARDING_PAGE.format(
        account=html.escape(obj["id"]), email=html.escape(obj["email"] or "no email")
    )
    return web.Response(text=text, content_type="text/html")


async def onboarding_submit(request: web.Request, account: str | None) -> web.Response:
    link = _link_or_refresh(request.match_info["link"])
    link["used"] = True
    obj = STATE.accounts[link["account"]]
    obj.update(
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
        capabilities={"card_payments": "active", "transfers": "active"},
        requirements={"currently_due": [], "disabled_reason": None},
    )
    webhooks.send("account.updated", obj, obj["id"])
    raise web.HTTPSeeOther(link["return_url"] or "/")


def require_charges_enabled(account: str | None) -> None:
    if account and not STATE.accounts[account]["charges_enabled"]:
        raise stripe_error(
            400,
            "Your account cannot currently make charges: it has not finished onboarding "
            "(charges_enabled is false).",
            code="account_invalid",
        )
