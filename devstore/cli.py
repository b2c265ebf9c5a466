"""`python -m devstore VERB`: `serve` runs the server; every other verb is a thin client of the
running server's /_devstore control routes, so only one process ever owns the state file."""

from __future__ import annotations

import argparse
import json
import sys

import httpx

from devstore import cli_pricing

DEFAULT_URL = "http://127.0.0.1:8765"


def _serve(args) -> int:
    from werkzeug.serving import run_simple

    from devstore.auth import Settings
    from devstore.server import create_app
    from devstore.store import Store

    settings = Settings(
        retry_base_seconds=args.retry_base,
        auto_approve=args.auto_approve,
        access_token_seconds=args.token_seconds,
    )
    app = create_app(Store(args.db), settings)
    print(f"devstore on http://{args.host}:{args.port}  (state: {args.db})", flush=True)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def _call(args, method: str, path: str, body: dict | None = None) -> int:
    try:
        response = httpx.request(
            method, args.devstore_url.rstrip("/") + path, json=body, timeout=30
        )
    except httpx.HTTPError as exc:
        print(f"devstore is not reachable at {args.devstore_url}: {exc}", file=sys.stderr)
        return 2
    try:
        print(json.dumps(response.json(), indent=2, default=str))
    except ValueError:
        print(response.text)
    return 0 if response.is_success else 1


def _place_lines(args) -> list[dict]:
    """--sku, --digital SKU (needs no shipping) and --gift-card AMOUNT as order lines."""
    lines = [{"sku": s, "quantity": args.qty} for s in args.sku]
    lines += [{"sku": s, "quantity": args.qty, "requires_shipping": False} for s in args.digital]
    lines += [
        {"title": "Gift Card", "price": amount, "quantity": 1, "gift_card": True}
        for amount in args.gift_card
    ]
    return lines


def _edit_body(args) -> dict:
    """--set LINE_ID=QTY and --add SKU=QTY as the edit control route's body."""
    pairs = [p.rsplit("=", 1) for p in args.set]
    added = [p.rsplit("=", 1) if "=" in p else (p, "1") for p in args.add]
    return {
        "set": {line_id: int(qty) for line_id, qty in pairs},
        "add": [{"sku": sku, "quantity": int(qty)} for sku, qty in added],
        "notify_customer": args.notify,
        "staff_note": args.staff_note,
    }


FO_ACTIONS = [
    "request_fulfillment",
    "accept",
    "reject",
    "fulfill",
    "request_cancellation",
    "accept_cancellation",
    "reject_cancellation",
    "hold",
    "release",
    "move",
    "split",
    "merge",
    "open",
    "reschedule",
]


def _where(parser, prefix: str = "") -> None:
    """--client-id / --merchant / --location-id: a location, as the control routes name it."""
    parser.add_argument(f"--{prefix}client-id", dest="client_id", help="an app's service location")
    parser.add_argument(
        f"--{prefix}merchant", dest="merchant", action="store_true", help="the shop's own location"
    )
    parser.add_argument(f"--{prefix}location-id", dest="location_id", type=int)


def _schedule(args) -> dict:
    if not args.schedule:
        return {}
    return {
        "schedule": {
            "deliveries": args.schedule,
            "interval_days": args.interval_days,
            "first_in_days": args.first_in_days,
        }
    }


def _delivery(args) -> dict:
    if not args.delivery:
        return {}
    return {"delivery": {"type": args.delivery, "location_id": args.delivery_location_id}}


def _location_parsers(verbs) -> None:
    stock = verbs.add_parser(
        "stock", help="stock SKUs at an app's fulfillment service location (or another)"
    )
    stock.add_argument("domain")
    stock.add_argument("--sku", action="append", required=True)
    _where(stock)
    stock.add_argument(
        "--add", action="store_true", help="stock them there too (--merchant always does)"
    )
    location = verbs.add_parser("location", help="the merchant's own locations")
    location.add_argument("action", choices=["add", "list"])
    location.add_argument("domain")
    location.add_argument("--name", default="Warehouse")


def _fo_parser(verbs) -> None:
    fo = verbs.add_parser("fo", help="act on a fulfillment order (merchant, supplier or app)")
    fo.add_argument("action", choices=FO_ACTIONS)
    fo.add_argument("domain")
    fo.add_argument("fo_id", type=int)
    fo.add_argument("--message")
    fo.add_argument("--reason")
    fo.add_argument("--notes", help="hold: the reason notes")
    fo.add_argument("--handle", help="hold: the app's handle for the hold")
    fo.add_argument("--app", help="hold/release: as this app (client id), e.g. a fraud app")
    fo.add_argument("--hold-id", type=int, action="append", help="release: only these holds")
    fo.add_argument("--tracking-number", dest="number")
    fo.add_argument("--company")
    fo.add_argument("--tracking-url", "--url", dest="tracking_url")
    _where(fo, "to-")
    fo.add_argument("--line", action="append", help="move/split/fulfill: FO_LINE_ITEM_ID:QUANTITY")
    fo.add_argument("--with", dest="merge_with", type=int, action="append", help="merge: FO ids")
    fo.add_argument("--fulfill-at", help="reschedule: the new date and time (ISO 8601)")
    clock = verbs.add_parser("clock", help="time passes: scheduled fulfillment orders due open")
    clock.add_argument("domain")
    clock.add_argument("--until", help="an ISO time (default: now)")
    clock.add_argument("--fo", type=int, help="until this fulfillment order's fulfillAt")


def _location_verbs(args) -> int:
    shop = f"/_devstore/shops/{args.domain}"
    if args.verb == "location":
        if args.action == "list":
            return _call(args, "GET", f"{shop}/locations")
        return _call(args, "POST", f"{shop}/locations", {"name": args.name})
    if args.verb == "clock":
        body = {"until": args.until, "fulfillment_order_id": args.fo}
        return _call(args, "POST", f"{shop}/clock", body)
    where = {
        "client_id": args.client_id,
        "merchant": args.merchant,
        "location_id": args.location_id,
    }
    if args.verb == "stock":
        return _call(args, "POST", f"{shop}/stock", {**where, "skus": args.sku, "add": args.add})
    fields = {
        "message": args.message,
        "reason": args.reason,
        "reason_notes": args.notes,
        "handle": args.handle,
        "client_id": args.app,
        "hold_ids": args.hold_id,
        "number": args.number,
        "company": args.company,
        "url": args.tracking_url,
        "with": args.merge_with,
        "fulfill_at": args.fulfill_at,
        "line_items": [
            {"id": int(line.split(":")[0]), "quantity": int(line.split(":")[1])}
            for line in args.line or []
        ],
    }
    if args.action == "move":
        fields.update(where)
    body = {k: v for k, v in fields.items() if v}
    return _call(args, "POST", f"{shop}/fulfillment_orders/{args.fo_id}/{args.action}", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstore", description="A local Shopify stand-in for Relay."
    )
    # dest differs from "url" so a verb's own --url (tracking URL) cannot shadow it.
    parser.add_argument(
        "--url",
        dest="devstore_url",
        default=DEFAULT_URL,
        help="the running devstore, for every verb but serve (give it before the verb)",
    )
    verbs = parser.add_subparsers(dest="verb", required=True)

    serve = verbs.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--db", default="var/devstore.sqlite3")
    serve.add_argument(
        "--retry-base",
        type=float,
        default=5.0,
        help="webhook retry backoff base in seconds (Shopify's is minutes)",
    )
    serve.add_argument("--token-seconds", type=int, default=3600)
    serve.add_argument(
        "--auto-approve", action="store_true", help="approve OAuth consent without showing the page"
    )

    app = verbs.add_parser("app", help="apps, as in the Partner dashboard").add_subparsers(
        dest="action", required=True
    )
    add = app.add_parser("add")
    add.add_argument("--client-id", required=True)
    add.add_argument("--client-secret", required=True)
    add.add_argument("--name", default="App")
    add.add_argument("--app-url", required=True)
    add.add_argument("--redirect-url", action="append", default=[])
    add.add_argument("--scopes", default="")
    add.add_argument("--webhooks-uri", help="where toml topics go: compliance, app/uninstalled")

    shop = verbs.add_parser("shop", help="stores").add_subparsers(dest="action", required=True)
    shop_add = shop.add_parser("add")
    shop_add.add_argument("domain")
    shop_add.add_argument("--name")
    shop_add.add_argument("--currency", default="USD")
    shop_add.add_argument("--plan", default="standard", choices=["standard", "advanced", "plus"])

    seed = verbs.add_parser("seed", help="create N realistic orders")
    seed.add_argument("domain")
    seed.add_argument("--orders", type=int, default=20)
    seed.add_argument(
        "--seed", type=int, help="the same orders in any shop (default: each shop its own mix)"
    )
    seed.add_argument(
        "--markets",
        action="store_true",
        help="orders in the customer's currency as presentment money (Shopify Markets)",
    )

    order = verbs.add_parser("order", help="act as a customer").add_subparsers(
        dest="action", required=True
    )
    place = order.add_parser("place")
    place.add_argument("domain")
    place.add_argument("--sku", action="append", default=[])
    place.add_argument("--qty", type=int, default=1)
    place.add_argument(
        "--digital", action="append", default=[], metavar="SKU", help="a line needing no shipping"
    )
    place.add_argument(
        "--gift-card", action="append", default=[], metavar="AMOUNT", help="a gift card line"
    )
    place.add_argument("--pending", action="store_true", help="leave it unpaid")
    place.add_argument("--test", action="store_true", help="a test order (Bogus Gateway)")
    place.add_argument(
        "--schedule", type=int, help="N deliveries (a prepaid subscription): --qty is per delivery"
    )
    place.add_argument("--interval-days", type=int, default=30)
    place.add_argument(
        "--delivery", choices=["PICK_UP", "LOCAL"], help="local pickup or local delivery"
    )
    place.add_argument("--delivery-location-id", type=int, help="default: the shop's location")
    place.add_argument(
        "--first-in-days", type=int, default=0, help="a pre-order: the first delivery later"
    )
    cli_pricing.add_arguments(place)
    pay = order.add_parser("pay")
    pay.add_argument("domain")
    pay.add_argument("order_id", type=int)
    cancel = order.add_parser("cancel", help="cancel it as the store's staff")
    cancel.add_argument("domain")
    cancel.add_argument("order_id", type=int)
    cancel.add_argument(
        "--reason",
        default="OTHER",
        choices=["CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"],
    )

    deleted = order.add_parser("delete", help="delete a cancelled or archived order")
    deleted.add_argument("domain")
    deleted.add_argument("order_id", type=int)

    edit = order.add_parser("edit", help="edit it as the store's staff (orderEdit*)")
    edit.add_argument("domain")
    edit.add_argument("order_id", type=int)
    edit.add_argument("--set", action="append", default=[], metavar="LINE_ID=QTY")
    edit.add_argument("--add", action="append", default=[], metavar="SKU=QTY")
    edit.add_argument("--notify", action="store_true", help="notify the customer")
    edit.add_argument("--staff-note", default="")
    _location_parsers(verbs)

    _fo_parser(verbs)

    webhook = verbs.add_parser("webhook", help="webhooks").add_subparsers(
        dest="action", required=True
    )
    trigger = webhook.add_parser("trigger", help="send a compliance webhook to the app(s)")
    trigger.add_argument("domain")
    trigger.add_argument(
        "topic", choices=["customers/data_request", "customers/redact", "shop/redact"]
    )

    uninstall = verbs.add_parser("uninstall", help="uninstall an app (sends app/uninstalled)")
    uninstall.add_argument("domain")
    uninstall.add_argument("client_id")

    settings = verbs.add_parser("settings", help="show or change delivery/OAuth settings")
    settings.add_argument("--duplicate-deliveries", choices=["on", "off"])
    settings.add_argument("--auto-approve", choices=["on", "off"])
    settings.add_argument("--throttle", choices=["on", "off"])
    settings.add_argument(
        "--outage",
        choices=["503", "502", "504", "500", "internal_error", "drop", "off"],
        help="fail Admin GraphQL calls as Shopify does (devstore/faults.py)",
    )
    settings.add_argument("--outage-shop", help="only for this shop (default: every shop)")
    settings.add_argument(
        "--outage-requests", type=int, default=-1, help="how many calls fail (-1: until off)"
    )

    verbs.add_parser("status", help="is devstore up")
    deliveries = verbs.add_parser("deliveries", help="webhook deliveries and their outcome")
    deliveries.add_argument("--shop")

    args = parser.parse_args(argv)
    if args.verb == "serve":
        return _serve(args)
    if args.verb == "app":
        return _call(
            args,
            "POST",
            "/_devstore/apps",
            {
                "client_id": args.client_id,
                "client_secret": args.client_secret,
                "name": args.name,
                "app_url": args.app_url,
                "redirect_urls": args.redirect_url,
                "scopes": [s for s in args.scopes.split(",") if s],
                "webhooks_uri": args.webhooks_uri,
            },
        )
    if args.verb == "shop":
        return _call(
            args,
            "POST",
            "/_devstore/shops",
            {
                "domain": args.domain,
                "name": args.name,
                "currency": args.currency,
                "plan": args.plan,
            },
        )
    if args.verb == "seed":
        return _call(args, "POST", f"/_devstore/shops/{args.domain}/seed", cli_pricing.seed(args))
    if args.verb == "order" and args.action == "place":
        return _call(
            args,
            "POST",
            f"/_devstore/shops/{args.domain}/orders",
            {
                **cli_pricing.place(args, _place_lines(args)),
                **({"test": True} if args.test else {}),
                **_schedule(args),
                **_delivery(args),
            },
        )
    if args.verb == "order" and args.action == "pay":
        return _call(args, "POST", f"/_devstore/shops/{args.domain}/orders/{args.order_id}/pay")
    if args.verb == "order" and args.action == "cancel":
        return _call(
            args,
            "POST",
            f"/_devstore/shops/{args.domain}/orders/{args.order_id}/cancel",
            {"reason": args.reason},
        )
    if args.verb == "order" and args.action == "delete":
        return _call(
            args, "POST", f"/_devstore/shops/{args.domain}/orders/{args.order_id}/delete", {}
        )
    if args.verb == "order" and args.action == "edit":
        return _call(
            args,
            "POST",
            f"/_devstore/shops/{args.domain}/orders/{args.order_id}/edit",
            _edit_body(args),
        )
    if args.verb in ("stock", "location", "fo", "clock"):
        return _location_verbs(args)
    if args.verb == "webhook":
        return _call(
            args, "POST", f"/_devstore/shops/{args.domain}/webhooks/trigger", {"topic": args.topic}
        )
    if args.verb == "uninstall":
        return _call(
            args, "POST", f"/_devstore/shops/{args.domain}/apps/{args.client_id}/uninstall"
        )
    if args.verb == "settings":
        changes = {
            key: value == "on"
            for key, value in (
                ("duplicate_deliveries", args.duplicate_deliveries),
                ("auto_approve", args.auto_approve),
                ("throttle", args.throttle),
            )
            if value
        }
        if args.outage:
            changes["outage"] = "" if args.outage == "off" else args.outage
            changes["outage_shop"] = args.outage_shop or ""
            changes["outage_requests"] = 0 if args.outage == "off" else args.outage_requests
        if changes:
            return _call(args, "POST", "/_devstore/settings", changes)
        return _call(args, "GET", "/_devstore/settings")
    if args.verb == "deliveries":
        return _call(
            args, "GET", "/_devstore/deliveries" + (f"?shop={args.shop}" if args.shop else "")
        )
    return _call(args, "GET", "/_devstore/health")
