"""devstore's HTTP face: what Shopify serves under https://{shop}, an admin shell, the App
Bridge stand-in, and /_devstore control routes. See docs/devstore-contract.md."""

from __future__ import annotations

import hmac
import json
import re
import time
from urllib.parse import urlencode, urlsplit

from flask import (
    Flask,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from devstore import auth, bulk, commerce, faults, graphql_api, usage
from devstore.auth import OAuthError, Settings
from devstore.delivery import Sender
from devstore.schema import supported_versions
from devstore.store import Store

SHOP_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
INVALID_TOKEN = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
NON_EXPIRING = {
    "errors": "[API] Non-expiring access tokens are no longer accepted for the Admin "
    "API. Start using expiring offline tokens."
}


def create_app(
    store: Store, settings: Settings | None = None, *, start_sender: bool = True
) -> Flask:
    app = Flask(__name__)
    settings = settings or Settings()
    app.config["DEVSTORE_STORE"] = store
    app.config["DEVSTORE_SETTINGS"] = settings
    if start_sender:
        app.config["DEVSTORE_SENDER"] = Sender(store, settings).start()
        app.config["DEVSTORE_BULK_RUNNER"] = bulk.Runner(store, settings).start()

    def shop_or_404(shop: str) -> dict:
        if not SHOP_RE.match(shop):
            abort(404)
        doc = store.get("shop", shop)
        if doc is None:
            abort(404)
        return doc

    def admin_base(shop: str) -> str:
        return f"{request.host_url.rstrip('/')}/store/{shop}/admin"

    # -- OAuth -------------------------------------------------------------------------
    @app.route("/store/<shop>/admin/oauth/authorize", methods=["GET", "POST"])
    def authorize(shop):
        shop_or_404(shop)
        params = request.values
        app_doc = auth.get_app(store, params.get("client_id", ""))
        if app_doc is None:
            return render_template("error.html", message="Unknown client_id"), 400
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in app_doc["redirect_urls"]:
            return render_template(
                "error.html", message="The redirect_uri is not whitelisted for this app"
            ), 400
        scopes = [s for s in (params.get("scope") or ",".join(app_doc["scopes"])).split(",") if s]
        approved = request.method == "POST" or settings.auto_approve or params.get("auto") == "1"
        if not approved:
            return render_template(
                "consent.html", app_doc=app_doc, shop=shop, scopes=scopes, params=params
            )
        code = auth.create_code(store, shop, app_doc, scopes)
        query = {
            "code": code,
            "host": auth.host_param(admin_base(shop)),
            "shop": shop,
            "state": params.get("state", ""),
            "timestamp": str(int(time.time())),
        }
        query["hmac"] = auth.query_hmac(app_doc["client_secret"], query)
        return redirect(f"{redirect_uri}?{urlencode(query)}")

    @app.post("/store/<shop>/admin/oauth/access_token")
    def access_token(shop):
        shop_or_404(shop)
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        try:
            return jsonify(auth.access_token_grant(store, settings, shop, body or {}))
        except OAuthError as exc:
            return jsonify({"error": exc.error, "error_description": exc.description}), exc.status

    @app.get("/store/<shop>/admin/oauth/access_scopes.json")
    def access_scopes(shop):
        shop_or_404(shop)
        token, status = auth.check_access_token(
            store, shop, request.headers.get("X-Shopify-Access-Token")
        )
        if token is None:
            return jsonify(INVALID_TOKEN), 401
        return jsonify({"access_scopes": [{"handle": s} for s in token["scopes"]]})

    # -- Admin GraphQL -------------------------------------------------------------------
    @app.post("/store/<shop>/admin/api/<version>/graphql.json")
    def graphql(shop, version):
        shop_doc = shop_or_404(shop)
        if version not in supported_versions():
            return jsonify({"errors": "Not Found"}), 404
        if settings.too_many_requests > 0:
            settings.too_many_requests -= 1
            limited = jsonify({"errors": "Exceeded the rate limit; retry after Retry-After."})
            limited.headers["Retry-After"] = f"{settings.retry_after_seconds:.1f}"
            return limited, 429
        failed = faults.outage(settings, shop, request.environ)
        if failed is not None:
            return failed
        token, status = auth.check_access_token(
            store, shop, request.headers.get("X-Shopify-Access-Token")
        )
        if token is None:
            return jsonify(NON_EXPIRING if status == 403 else INVALID_TOKEN), status
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"errors": {"query": "Required parameter missing or invalid"}}), 400
        status, payload = graphql_api.execute_request(
            store,
            shop=shop,
            client_id=token["client_id"],
            plan=shop_doc["plan"],
            body=body,
            throttle=settings.throttle,
            base_url=request.host_url,
        )
        usage.record(shop, token["client_id"], body, payload)
        faults.hold_answer(settings, shop, body)
        return Response(json.dumps(payload), status=status, mimetype="application/json")

    # -- Bulk operation results: on Shopify a signed storage.googleapis.com URL that needs no
    # access token; here served by devstore under the same signature and expiry rules.
    @app.get("/storage/bulk-operation-outputs/<key>")
    def bulk_result(key):
        status, found = bulk.result_file(
            store, key, request.args.get("Expires", ""), request.args.get("Signature", "")
        )
        if status != 200:
            xml = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{found}</Code></Error>"
            return Response(xml, status=status, mimetype="application/xml")
        return send_file(
            found,
            mimetype=request.args.get("response-content-type") or "application/jsonl",
            as_attachment=True,
            download_name=f"{key}.jsonl",
        )

    # -- Admin shell ---------------------------------------------------------------------
    @app.get("/")
    def index():
        return render_template("index.html", shops=store.find("shop"), apps=store.find("app"))

    @app.get("/store/<shop>/admin")
    def admin_orders(shop):
        shop_doc = shop_or_404(shop)
        orders = commerce.list_orders(store, shop)[:100]
        fos = {}
        for fo in store.peek("fulfillment_order", shop=shop):
            fos.setdefault(fo["order_id"], []).append(fo)
        installed = [a for a in store.find("app") if auth.is_installed(store, shop, a["client_id"])]
        return render_template(
            "admin.html",
            shop=shop_doc,
            orders=orders,
            fos=fos,
            statuses={o["id"]: fulfillment_status(o, fos.get(o["id"], [])) for o in orders},
            apps=store.find("app"),
            installed=installed,
            message=request.args.get("message"),
            service_locations=service_locations(shop),
        )

    @app.get("/store/<shop>/admin/orders/<int:order_id>")
    def admin_order(shop, order_id):
        shop_doc = shop_or_404(shop)
        try:
            order = commerce.get_order(store, shop, order_id)
        except commerce.NotFound:
            abort(404)
        fos = commerce.fulfillment_orders_of(store, shop, order_id)
        return render_template(
            "order.html",
            shop=shop_doc,
            order=order,
            fos=fos,
            fulfillments=commerce.fulfillments_of(store, shop, order_id),
            fulfillment_status=fulfillment_status(order, fos),
            locations={loc["id"]: loc["name"] for loc in store.peek("location", shop=shop)},
            service_locations=service_locations(shop),
            message=request.args.get("message"),
        )

    @app.post("/store/<shop>/admin/orders/<int:order_id>/cancel")
    def admin_cancel_order(shop, order_id):
        """The admin's "Cancel order" (e.g. a supplier cancelling an order placed in its store)."""
        shop_or_404(shop)
        try:
            commerce.cancel_order(
                store,
                shop,
                order_id,
                reason=request.form.get("reason") or "OTHER",
                restock=bool(request.form.get("restock")),
                notify_customer=bool(request.form.get("notify_customer")),
            )
            message = "Order cancelled"
        except (commerce.UserError, commerce.NotFound) as exc:
            message = str(exc)
        back = url_for("admin_order", shop=shop, order_id=order_id)
        return redirect(f"{back}?{urlencode({'message': message})}")

    def service_locations(shop: str) -> set[int]:
        return {f["location_id"] for f in store.peek("fulfillment_service", shop=shop)}

    @app.post("/store/<shop>/admin/fulfillment_orders/<int:fo_id>/<action>")
    def admin_fo_action(shop, fo_id, action):
        shop_or_404(shop)
        moves = {
            "request_fulfillment": lambda: commerce.submit_fulfillment_request(
                store, shop, fo_id, message=request.form.get("message") or None
            ),
            "request_cancellation": lambda: commerce.submit_cancellation_request(
                store, shop, fo_id, message=request.form.get("message") or None
            ),
        }
        if action not in moves:
            abort(404)
        try:
            moves[action]()
            message = "Request sent"
        except (commerce.UserError, commerce.NotFound) as exc:
            message = str(exc)
        back = url_for("admin_orders", shop=shop)
        if (request.referrer or "").startswith(f"{request.host_url}store/{shop}/admin/orders/"):
            back = request.referrer.split("?")[0]  # stay on the order page it came from
        return redirect(f"{back}?{urlencode({'message': message})}")

    @app.get("/store/<shop>/admin/apps/<client_id>")
    def open_app(shop, client_id):
        shop_or_404(shop)
        app_doc = auth.get_app(store, client_id) or abort(404)
        if not auth.is_installed(store, shop, client_id):
            # Managed installation: Shopify installs without calling the app; the app then
            # exchanges the ID token it is loaded with for an offline token.
            auth.install(store, shop, client_id, app_doc["scopes"])
        query = {
            "embedded": "1",
            "host": auth.host_param(admin_base(shop)),
            "id_token": auth.mint_id_token(app_doc, shop),
            "locale": request.args.get("locale", "en"),
            "session": auth.alnum_token(16),
            "shop": shop,
            "timestamp": str(int(time.time())),
        }
        query["hmac"] = auth.query_hmac(app_doc["client_secret"], query)
        path = request.args.get("path", "")
        src = f"{app_doc['app_url'].rstrip('/')}/{path.lstrip('/')}?{urlencode(query)}"
        return render_template("app_frame.html", shop=shop, app_doc=app_doc, src=src)

    @app.get("/store/<shop>/admin/apps/<client_id>/install")
    def legacy_install(shop, client_id):
        """The install hit of the authorization-code flow: a top-level load of the App URL."""
        shop_or_404(shop)
        app_doc = auth.get_app(store, client_id) or abort(404)
        query = {
            "host": auth.host_param(admin_base(shop)),
            "shop": shop,
            "timestamp": str(int(time.time())),
        }
        query["hmac"] = auth.query_hmac(app_doc["client_secret"], query)
        return redirect(f"{app_doc['app_url']}?{urlencode(query)}")

    @app.post("/store/<shop>/admin/apps/<client_id>/id_token")
    def admin_id_token(shop, client_id):
        """App Bridge's idToken(): asked by the admin page for its iframe, or by the stand-in
        itself over CORS on a top-level bounce page. devstore has no staff login, so whoever
        can reach it is the store's staff user, as on the admin page itself."""
        shop_or_404(shop)
        app_doc = auth.get_app(store, client_id) or abort(404)
        response = jsonify({"id_token": auth.mint_id_token(app_doc, shop)})
        origin = request.headers.get("Origin")
        if origin and origin == origin_of(app_doc["app_url"]):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    @app.get("/cdn/shopifycloud/app-bridge.js")
    def app_bridge():
        return app.send_static_file("app-bridge.js")

    register_control_routes(app, store, settings)
    return app


def fulfillment_status(order: dict, fos: list[dict]) -> str:
    """The admin's order-level badge, derived from the order's fulfillment orders."""
    if order.get("cancelled_at"):
        return "Cancelled"
    live = [fo for fo in fos if fo["status"] != "CANCELLED"]
    if live and all(fo["status"] == "CLOSED" for fo in live):
        return "Fulfilled"
    if any(
        line["remaining_quantity"] < line["total_quantity"]
        for fo in live
        for line in fo["line_items"]
    ):
        return "Partially fulfilled"
    if any(fo["status"] == "ON_HOLD" for fo in live):
        return "On hold"
    return "Unfulfilled"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def register_control_routes(app: Flask, store: Store, settings: Settings) -> None:
    """JSON control routes under /_devstore: the CLI and tests drive devstore through these."""

    def ok(payload=None, status=200):
        return jsonify(payload if payload is not None else {"ok": True}), status

    @app.errorhandler(commerce.UserError)
    def user_error(exc):
        return jsonify({"error": exc.message, "field": exc.field}), 422

    @app.errorhandler(commerce.NotFound)
    def not_found(exc):
        return jsonify({"error": str(exc)}), 404

    @app.get("/_devstore/health")
    def health():
        return ok({"ok": True, "shops": len(store.find("shop")), "apps": len(store.find("app"))})

    @app.post("/_devstore/apps")
    def add_app():
        body = request.get_json(force=True)
        doc = auth.register_app(
            store,
            client_id=body["client_id"],
            client_secret=body["client_secret"],
            name=body.get("name", body["client_id"]),
            app_url=body["app_url"],
            redirect_urls=body.get("redirect_urls") or [],
            scopes=body.get("scopes") or [],
            webhooks_uri=body.get("webhooks_uri"),
        )
        return ok({k: v for k, v in doc.items() if k != "client_secret"}, 201)

    @app.post("/_devstore/shops")
    def add_shop():
        body = request.get_json(force=True)
        if not SHOP_RE.match(body.get("domain", "")):
            return ok({"error": "domain must look like name.myshopify.com"}, 400)
        return ok(
            commerce.ensure_shop(
                store,
                body["domain"],
                name=body.get("name"),
                currency=body.get("currency", "USD"),
                plan=body.get("plan", "standard"),
            ),
            201,
        )

    @app.post("/_devstore/settings")
    def update_settings():
        body = request.get_json(force=True)
        for key, value in body.items():
            if not hasattr(settings, key):
                return ok({"error": f"unknown setting {key}"}, 400)
            setattr(settings, key, type(getattr(settings, key))(value))
        return ok(vars(settings))

    @app.get("/_devstore/settings")
    def read_settings():
        return ok(vars(settings))

    @app.get("/_devstore/usage")
    def read_usage():
        """Admin GraphQL calls and cost points per (shop, app) since start (devstore/usage.py)."""
        return ok(usage.report(request.args.get("shop")))

    @app.delete("/_devstore/usage")
    def reset_usage():
        usage.reset()
        return ok()

    @app.post("/_devstore/shops/<shop>/seed")
    def seed(shop):
        body = request.get_json(force=True)
        # An explicit "seed": the same orders in any shop; none: this shop's own mix.
        seed = body.get("seed")
        orders = commerce.seed_orders(
            store,
            shop,
            int(body.get("orders", 10)),
            rng_seed=None if seed is None else int(seed),
        )
        return ok({"created": len(orders), "order_ids": [o["id"] for o in orders]}, 201)

    @app.get("/_devstore/shops/<shop>/orders")
    def orders(shop):
        return ok(
            [
                {
                    **o,
                    "fulfillment_orders": commerce.fulfillment_orders_of(store, shop, o["id"]),
                    "fulfillments": commerce.fulfillments_of(store, shop, o["id"]),
                }
                for o in commerce.list_orders(store, shop)[: int(request.args.get("limit", 50))]
            ]
        )

    @app.post("/_devstore/shops/<shop>/orders")
    def place_order(shop):
        body = request.get_json(force=True)
        order = commerce.create_order(
            store,
            shop,
            line_items=body["line_items"],
            customer=body.get("customer"),
            shipping_address=body.get("shipping_address"),
            currency=body.get("currency"),
            financial_status=body.get("financial_status", "paid"),
            note=body.get("note"),
            tags=body.get("tags"),
            shipping_price=body.get("shipping_price", "0.00"),
        )
        return ok(
            {
                **order,
                "fulfillment_orders": commerce.fulfillment_orders_of(store, shop, order["id"]),
            },
            201,
        )

    @app.post("/_devstore/shops/<shop>/orders/<int:order_id>/pay")
    def pay(shop, order_id):
        return ok(commerce.mark_paid(store, shop, order_id))

    @app.post("/_devstore/shops/<shop>/orders/<int:order_id>/cancel")
    def cancel(shop, order_id):
        """The store's staff cancels an order in its admin (as orderCancel: same guards)."""
        body = request.get_json(silent=True) or {}
        result = commerce.cancel_order(
            store,
            shop,
            order_id,
            reason=body.get("reason", "OTHER"),
            restock=bool(body.get("restock", True)),
            refund=bool(body.get("refund", False)),
            notify_customer=bool(body.get("notify_customer", False)),
            staff_note=body.get("staff_note"),
        )
        return ok(result["order"])

    @app.post("/_devstore/shops/<shop>/stock")
    def stock(shop):
        """Stock SKUs at a location, or at the fulfillment service an app registered."""
        body = request.get_json(force=True)
        location_id = body.get("location_id")
        if body.get("client_id"):
            services = commerce.fulfillment_services_of(store, shop, body["client_id"])
            if not services:
                return ok({"error": "that app has no fulfillment service on this shop"}, 422)
            location_id = services[0]["location_id"]
        with store.transaction():
            moved = commerce.stock_skus_at(store, shop, body["skus"], int(location_id))
        return ok({"moved": moved, "location_id": location_id})

    @app.post("/_devstore/shops/<shop>/fulfillment_orders/<int:fo_id>/<action>")
    def fo_action(shop, fo_id, action):
        body = request.get_json(silent=True) or {}
        tracking = {k: body.get(k) for k in ("company", "number", "url")}
        moves = {
            "request_fulfillment": lambda: commerce.submit_fulfillment_request(
                store, shop, fo_id, message=body.get("message")
            ),
            "accept": lambda: commerce.accept_fulfillment_request(
                store, shop, fo_id, message=body.get("message")
            ),
            "reject": lambda: commerce.reject_fulfillment_request(
                store, shop, fo_id, reason=body.get("reason"), message=body.get("message")
            ),
            "fulfill": lambda: commerce.create_fulfillment(
                store,
                shop,
                by_fulfillment_order=[{"fulfillment_order_id": fo_id}],
                tracking=tracking,
                notify_customer=bool(body.get("notify_customer")),
            ),
            "request_cancellation": lambda: commerce.submit_cancellation_request(
                store, shop, fo_id, message=body.get("message")
            ),
            "accept_cancellation": lambda: commerce.accept_cancellation_request(
                store, shop, fo_id, message=body.get("message")
            ),
            "reject_cancellation": lambda: commerce.reject_cancellation_request(
                store, shop, fo_id, message=body.get("message")
            ),
            "hold": lambda: commerce.hold_fulfillment_order(
                store,
                shop,
                fo_id,
                reason=body.get("reason", "OTHER"),
                reason_notes=body.get("message"),
            ),
            "release": lambda: commerce.release_hold(store, shop, fo_id),
        }
        if action not in moves:
            return ok({"error": f"unknown action {action}; one of {sorted(moves)}"}, 404)
        return ok(moves[action]())

    @app.post("/_devstore/shops/<shop>/apps/<client_id>/id_token")
    def control_id_token(shop, client_id):
        app_doc = auth.get_app(store, client_id)
        if app_doc is None:
            return ok({"error": "unknown app"}, 404)
        body = request.get_json(silent=True) or {}
        return ok(
            {"id_token": auth.mint_id_token(app_doc, shop, lifetime=int(body.get("lifetime", 60)))}
        )

    @app.post("/_devstore/shops/<shop>/apps/<client_id>/uninstall")
    def control_uninstall(shop, client_id):
        auth.uninstall(store, shop, client_id)
        return ok()

    @app.post("/_devstore/shops/<shop>/webhooks/trigger")
    def trigger(shop):
        """Send a compliance topic (or any toml topic) with a Shopify-shaped payload."""
        from devstore import events, payloads

        body = request.get_json(force=True)
        topic = body["topic"]
        if topic not in events.TOML_TOPICS - {"app/uninstalled"}:
            return ok({"error": f"trigger supports {sorted(events.TOML_TOPICS)}"}, 400)
        customer, order_ids = body.get("customer"), body.get("order_ids")
        if customer is None and topic != "shop/redact":
            # Like a real request: about an actual customer of this store and their orders.
            latest = commerce.list_orders(store, shop)[:1]
            if latest:
                buyer = latest[0]["customer"]
                customer = {k: buyer.get(k) for k in ("id", "email", "phone")}
                order_ids = order_ids or [
                    o["id"]
                    for o in commerce.list_orders(store, shop)
                    if o["customer"].get("id") == buyer.get("id")
                ]
        with store.transaction():
            events.emit(
                store,
                shop,
                topic,
                payloads.compliance(store, shop, topic, customer=customer, order_ids=order_ids),
            )
        return ok({"topic": topic, "customer": customer, "order_ids": order_ids})

    @app.get("/_devstore/deliveries")
    def deliveries():
        shop = request.args.get("shop")
        docs = store.find("webhook_delivery", shop=shop) if shop else store.find("webhook_delivery")
        return ok(
            [
                {k: v for k, v in d.items() if k != "body"} | {"payload": json.loads(d["body"])}
                for d in docs
            ]
        )

    @app.get("/_devstore/shops/<shop>/apps/<client_id>/install_link")
    def install_link(shop, client_id):
        return ok(
            {"url": url_for("legacy_install", shop=shop, client_id=client_id, _external=True)}
        )

    @app.post("/_devstore/verify_hmac")
    def verify_hmac_route():
        """Testing aid: check a query hmac the way Shopify computes it."""
        body = request.get_json(force=True)
        app_doc = auth.get_app(store, body["client_id"]) or {}
        expected = auth.query_hmac(app_doc.get("client_secret", ""), body["params"])
        return ok({"valid": hmac.compare_digest(expected, body["params"].get("hmac", ""))})
