"""`python -m standins.paypal VERB`: `serve` runs the stand-in; `merchant add EMAIL` and
`webhook add URL` are thin clients of a running stand-in's /_standin routes."""

from __future__ import annotations

import argparse
import json
import os
import sys

import httpx

DEFAULT_URL = "http://127.0.0.1:8767"


def _serve(args) -> int:
    from werkzeug.serving import run_simple

    from standins.paypal.control import ensure_default_merchants
    from standins.paypal.server import Settings, create_app
    from standins.paypal.store import Store

    store = Store(args.db)
    ensure_default_merchants(store)
    settings = Settings(client_id=args.client_id, client_secret=args.client_secret)
    app = create_app(store, settings)
    print(f"PayPal stand-in on http://{args.host}:{args.port}  (state: {args.db})", flush=True)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def _call(args, path: str, body: dict) -> int:
    try:
        response = httpx.post(args.url.rstrip("/") + path, json=body, timeout=30)
    except httpx.HTTPError as exc:
        print(f"PayPal stand-in not reachable at {args.url}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(response.json(), indent=2))
    return 0 if response.is_success else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins.paypal")
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="run the stand-in")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8767)
    serve.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    serve.add_argument(
        "--client-id", default=os.environ.get("PAYPAL_CLIENT_ID", "standin-client-id")
    )
    serve.add_argument(
        "--client-secret", default=os.environ.get("PAYPAL_CLIENT_SECRET", "standin-client-secret")
    )
    merchant = verbs.add_parser("merchant", help="payee accounts").add_subparsers(
        dest="action", required=True
    )
    add = merchant.add_parser("add", help="make a payee account exist")
    add.add_argument("email")
    webhook = verbs.add_parser("webhook", help="webhooks")
    webhook = webhook.add_subparsers(dest="action", required=True)
    hook = webhook.add_parser("add", help="send events to URL")
    hook.add_argument("hook_url")
    hook.add_argument("--id", default=None, help="the webhook id (PAYPAL_WEBHOOK_ID)")
    for sub in (add, hook):
        sub.add_argument("--url", default=os.environ.get("PAYPAL_API_BASE", DEFAULT_URL))
    args = parser.parse_args(argv)
    if args.verb == "serve":
        return _serve(args)
    if args.verb == "merchant":
        return _call(args, "/_standin/merchants", {"email": args.email})
    return _call(args, "/_standin/webhooks", {"url": args.hook_url, "id": args.id})
