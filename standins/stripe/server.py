"""The stand-in's aiohttp app: localstripe's own app, extended in the same process.

Why wrap rather than proxy: localstripe keeps its objects in one in-process store, and most of
what Relay needs beyond it (who owns an object, declines by card number, attaching a saved card
to its customer) is about those objects. In the same process the extension reads and updates
them directly; a proxy would have to re-derive them from HTTP answers. The extension is one
middleware placed before localstripe's: it checks the Stripe-Account header, answers the routes
the stand-in owns (Connect, clones, PaymentIntents, refunds, lists, idempotency, webhooks, the
extended Stripe.js shim) and hands every other request to localstripe, scoped to the account.

Three localstripe functions are replaced at start (install_patches): its store no longer writes
/tmp/localstripe.pickle after every change (one shared file for every stand-in on the machine),
each stored object is recorded with the account that created it, and its webhook sender is the
stand-in's (which adds `account`). With --state FILE (dev.sh) localstripe's objects and the
stand-in's own are kept in that file after each change, so Relay's stored account ids still
exist after a restart; tests run without it, in memory."""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path

import localstripe
from aiohttp import web
from localstripe import resources
from localstripe import server as ls_server
from localstripe.errors import UserError
from localstripe.server import get_post_data, json_response

from standins.stripe import cards, connect, idempotency, objects, payments, webhooks
from standins.stripe.errors import account_invalid, stripe_error
from standins.stripe.scoping import check_path, require_visible
from standins.stripe.state import STATE, Endpoint, current_account

SHIM_EXTENSION = Path(__file__).with_name("shim.js")
LOCALSTRIPE_SHIM = Path(localstripe.__file__).with_name("localstripe-v3.js")


async def health(request, account):
    return json_response({"status": "ok", "localstripe": localstripe.__version__})


async def reset(request, account):
    objects.reset()
    return json_response({"status": "reset"})


async def deliveries(request, account):
    return json_response({"data": STATE.deliveries})


async def config_webhook(request, account):
    data = await get_post_data(request) or {}
    url, secret, events = data.get("url"), data.get("secret"), data.get("events")
    if not url or not secret or not str(url).startswith("http"):
        raise stripe_error(400, "url (http...) and secret are required")
    if events is not None and not isinstance(events, list):
        raise stripe_error(400, "events must be a list")
    STATE.endpoints[request.match_info["name"]] = Endpoint(url, secret, events)
    return web.Response()


async def delete_webhook(request, account):
    STATE.endpoints.pop(request.match_info["name"], None)
    return web.Response()


async def shim(request, account):
    text = LOCALSTRIPE_SHIM.read_text() + "\n" + SHIM_EXTENSION.read_text()
    return web.Response(text=text, content_type="application/javascript")


# (method, path pattern, handler, needs the secret key). A handler answering None passes the
# request on to localstripe.
ROUTES = [
    ("GET", r"/_standin/health", health, False),
    ("POST", r"/_standin/reset", reset, False),
    ("GET", r"/_standin/deliveries", deliveries, False),
    ("POST", r"/_config/webhooks/(?P<name>[\w-]+)", config_webhook, False),
    ("DELETE", r"/_config/webhooks/(?P<name>[\w-]+)", delete_webhook, False),
    ("GET", r"/js\.stripe\.com/v3/?", shim, False),
    ("POST", r"/v1/accounts", connect.create_account, True),
    ("GET", r"/v1/accounts", connect.list_accounts, True),
    ("GET", r"/v1/account", connect.retrieve_account, True),
    ("GET", r"/v1/accounts/(?P<id>acct_\w+)", connect.retrieve_account, True),
    ("POST", r"/v1/accounts/(?P<id>acct_\w+)", connect.update_account, True),
    ("POST", r"/v1/account_links", connect.create_account_link, True),
    ("GET", r"/connect/onboarding/(?P<link>\w+)", connect.onboarding_page, False),
    ("POST", r"/connect/onboarding/(?P<link>\w+)", connect.onboarding_submit, False),
    ("POST", r"/v1/payment_methods", objects.create_payment_method, True),
    ("POST", r"/v1/payment_intents", payments.create_intent, True),
    ("GET", r"/v1/payment_intents/(?P<id>pi_\w+)", payments.retrieve_intent, True),
    ("POST", r"/v1/payment_intents/(?P<id>pi_[A-Za-z0-9]+)/confirm", payments.confirm, False),
    (
        "POST",
        r"/v1/payment_intents/(?P<id>pi_[A-Za-z0-9]+)/_authenticate",
        payments.authenticate,
        False,
    ),
    ("POST", r"/v1/setup_intents/(?P<id>seti_\w+)/confirm", objects.confirm_setup_intent, False),
    ("POST", r"/v1/refunds", objects.create_refund, True),
]
ROUTES += [("GET", rf"/v1/{name}", objects.list_objects, True) for name in objects.LISTS]
COMPILED = [(m, re.compile(p + r"$"), h, auth) for m, p, h, auth in ROUTES]


def _route(request: web.Request):
    for method, pattern, handler, needs_key in COMPILED:
        match = pattern.match(request.path)
        if match and method == request.method:
            request.match_info.update(match.groupdict())
            return handler, needs_key
    return None, False


async def acting_account(request: web.Request) -> str | None:
    """Stripe-Account header (the SDK), or `_stripe_account` in a Stripe.js shim's JSON body."""
    account = request.headers.get("Stripe-Account")
    if (
        not account
        and request.method == "POST"
        and request.content_type != ("application/x-www-form-urlencoded")
    ):
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            body = {}
        account = body.get("_stripe_account") if isinstance(body, dict) else None
    if account and account not in STATE.accounts:
        raise account_invalid(account)
    return account or None


async def _serve(request: web.Request, handler, account: str | None):
    own, needs_key = _route(request)
    if own is not None:
        if needs_key and ls_server.get_api_key(request) is None:
            raise stripe_error(401, "Invalid API Key provided.")
        response = await own(request, account)
        if response is not None:
            return response
    check_path(request.path, account)
    if request.method == "POST" and request.path.startswith("/v1/"):
        require_visible(await get_post_data(request) or {}, account)
    return await handler(request)


class Persistence:
    """--state FILE: everything, pickled after each change (development data is small)."""

    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> None:
        cls.path = path
        if path.exists():
            with path.open("rb") as source:
                saved = pickle.load(source)  # noqa: S301 - our own file, written below
            resources.store.clear()
            dict.update(resources.store, saved["store"])
            for name, value in saved["state"].items():
                setattr(STATE, name, value)

    @classmethod
    def save(cls) -> None:
        if cls.path is None:
            return
        state = {name: getattr(STATE, name) for name in vars(STATE)}
        temporary = cls.path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as out:
            pickle.dump({"store": dict(resources.store), "state": state}, out)
        os.replace(temporary, cls.path)


@web.middleware
async def standin_middleware(request: web.Request, handler):
    token = None
    try:
        account = await acting_account(request)
        token = current_account.set(account)
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            return await idempotency.replay_or_run(
                request, account, key, lambda: _answer(request, handler, account)
            )
        return await _answer(request, handler, account)
    except UserError as exc:
        return exc.to_response()
    finally:
        if token is not None:
            current_account.reset(token)
        if request.method in ("POST", "DELETE"):
            Persistence.save()


async def _answer(request, handler, account):
    try:
        return await _serve(request, handler, account)
    except UserError as exc:
        return exc.to_response()


def _record_owner(self, key, value):
    dict.__setitem__(self, key, value)
    object_id = getattr(value, "id", None)
    if object_id and object_id not in STATE.owners:
        STATE.owners[object_id] = current_account.get()


def install_patches() -> None:
    resources.Store.__setitem__ = _record_owner
    resources.store.dump_to_disk = lambda: None
    resources.schedule_webhook = webhooks.schedule_localstripe_event
    cards.install()


def create_app(state_file: Path | None = None) -> web.Application:
    install_patches()
    if state_file is not None:
        Persistence.load(state_file)
    app = ls_server.app
    if standin_middleware not in app.middlewares:
        app.middlewares.insert(0, standin_middleware)
    return app
