"""Fuzz every route in-process: random methods, headers, query strings, forms and JSON bodies,
unsigned and properly signed (webhook HMAC, App Bridge ID tokens, portal magic links).

Never a 5xx, and a 4xx changes nothing in the database (row counts and max ids of every
table). Hypothesis is derandomized with a fixed example budget per route, so every run sends
the same requests; it prints how many it sent and how many answered 5xx (issue 12).
"""

from __future__ import annotations

import json
import os
import time
import traceback
import uuid
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from integrations.shopify_admin.webhooks import body_signature
from tests.conftest import API_KEY, API_SECRET

pytestmark = pytest.mark.attack

# Fixed by default (deterministic, ~1 min); FUZZ_EXAMPLES / FUZZ_SEED explore further by hand.
EXAMPLES_PER_ROUTE = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ_SEED = os.environ.get("FUZZ_SEED")
EXAMPLES = Path(__file__).resolve().parents[2] / "devstore/vendor/webhook-schemas/metadatas/2026-07"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
FIELDS = """
action carrier channel code contact_email cost cost_currency currency dir done edit embedded
exitIframe from hmac host id_token key kind locale mode name note notify order page pay_mode
place_mode q reason reason_code scope seen shop sku sort state status store_domain
store_status supplier supplier_reference supplier_sku to tracking_number tracking_url view
website_url shipping timestamp shopify-reload file refund paid_only notify_customer
""".split()  # noqa: SIM905
TOPICS = [
    "orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/edited",
    "refunds/create", "app/uninstalled", "shop/redact", "customers/redact",
    "customers/data_request", "fulfillment_orders/cancellation_request_submitted",
    "fulfillment_orders/order_routing_complete", "bulk_operations/finish", "no/such-topic",
]  # fmt: skip
JUNK = [
    "", " ", "0", "-1", "1e3", "NaN", "Infinity", "9" * 30, "1" * 30 + ".005", "\u00e9\u00df",
    "\u202e\ufeff", "<script>", "' OR 1=1 --", "%00", "a" * 300, "true", "null", "[]", "{}",
    "2026-02-30", "gid://shopify/Order/1", "../../etc/passwd", "\x7f", "https://evil.example/",
]  # fmt: skip


# -- the world the fuzzer plays in: an installed shop with a supplier and an order ------------


@pytest.fixture
def world(app, devstore, id_token):
    """An installed shop (token exchange, in-process), a portal supplier, an order routed to it.
    Relay's webhook address in devstore is a dead port, and no queue is drained, so nothing
    changes the database behind the fuzzer's back."""
    from domain.models.orders import LineItem, Order, Supplier, SupplierOrder, VariantMapping
    from domain.models.shipments import Parcel
    from domain.models.shop import Shop
    from domain.suppliers import portal
    from extensions import db

    devstore.control.post(
        "/_devstore/apps",
        json={
            "client_id": API_KEY,
            "client_secret": API_SECRET,
            "name": "Relay",
            "app_url": "http://127.0.0.1:9",
            "redirect_urls": ["http://127.0.0.1:9/auth/callback"],
            "scopes": ["read_orders", "write_orders", "write_fulfillments"],
            "webhooks_uri": "http://127.0.0.1:9/webhooks",
        },
    ).raise_for_status()
    domain = f"fuzz-{uuid.uuid4().hex[:8]}.myshopify.com"
    devstore.control.post("/_devstore/shops", json={"domain": domain}).raise_for_status()
    installed = app.test_client().get(
        "/connection", headers={"Authorization": f"Bearer {id_token(domain)}"}
    )
    assert installed.status_code == 200, installed.get_data(as_text=True)[:300]
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    with app.app_context():
        shop = db.session.query(Shop).filter_by(domain=domain).one()
        supplier = Supplier(shop_id=shop.id, name="Fuzz Works", channel="portal", currency="EUR")
        other = Supplier(shop_id=shop.id, name="Fuzz Depot", channel="manual", currency="EUR")
        db.session.add_all([supplier, other])
        db.session.flush()
        db.session.add(
            VariantMapping(
                shop_id=shop.id, sku="FZ-1", supplier_id=supplier.id, cost=Decimal("3.00")
            )
        )
        order = Order(
            shop_id=shop.id, shopify_gid="gid://shopify/Order/991", name="#991", created_at=now,
            shopify_updated_at=now, financial_status="paid", store_status="unfulfilled",
            currency="EUR", total=Decimal("40.00"), paid_at=now,
        )  # fmt: skip
        db.session.add(order)
        db.session.flush()
        line = LineItem(
            order_id=order.id, shopify_gid="gid://shopify/LineItem/992", sku="FZ-1",
            title="Fuzz mug", quantity=2, unit_price=Decimal("20.00"), supplier_id=supplier.id,
        )  # fmt: skip
        db.session.add(line)
        sent = SupplierOrder(
            order_id=order.id, shop_id=shop.id, supplier_id=supplier.id, status="requested"
        )
        ready = SupplierOrder(
            order_id=order.id, shop_id=shop.id, supplier_id=other.id, status="ready"
        )
        db.session.add_all([sent, ready])
        db.session.flush()
        parcel = Parcel(supplier_order_id=sent.id, shop_id=shop.id)
        db.session.add(parcel)
        db.session.commit()
        ids = [order.id, supplier.id, other.id, sent.id, ready.id, parcel.id, line.id]
        link = portal.link_token(supplier)
    return {"domain": domain, "ids": ids, "link": link, "mint": id_token}


def fingerprint(app) -> tuple:
    """Row count and max id of every table, in one query."""
    from extensions import db

    parts = []
    for table in db.metadata.sorted_tables:
        top = "max(id)" if "id" in table.c else "0"
        parts.append(f"SELECT '{table.name}', count(*), {top} FROM {table.name}")  # noqa: S608
    with app.app_context(), db.engine.connect() as connection:
        return tuple(connection.execute(text(" UNION ALL ".join(parts))).all())


# -- what one request may look like -----------------------------------------------------------


def junk_text(max_size=40):
    return st.one_of(st.sampled_from(JUNK), st.text(max_size=max_size))


def json_values():
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), junk_text()
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(junk_text(12), inner, max_size=4)
        ),
        max_leaves=12,
    )


@st.composite
def webhook_body(draw) -> bytes:
    """A Shopify example payload with fields dropped or replaced, or plain junk."""
    if draw(st.booleans()):
        topic = draw(st.sampled_from(TOPICS[:9]))
        name = EXAMPLES / f"{topic}.json"
        payload = json.loads(name.read_text())["response"] if name.exists() else {}
        for key in draw(st.lists(st.sampled_from(sorted(payload) or ["id"]), max_size=4)):
            if draw(st.booleans()):
                payload.pop(key, None)
            else:
                payload[key] = draw(json_values())
        return json.dumps(payload).encode()
    if draw(st.booleans()):
        return json.dumps(draw(json_values())).encode()
    return draw(st.binary(max_size=200))


def path_value(draw, converter: str, name: str, world) -> str:
    if converter == "int":
        ids = world["ids"]
        return str(draw(st.one_of(st.sampled_from(ids), st.integers(0, 2**70))))
    known = {
        "token": [world["link"], world["link"][:-2] + "xx", "not-a-token"],
        "action": ["request", "accept", "decline", "ship", "cancel", "hold", "release"],
        "step": ["request", "withdraw", "confirm", "cancel"],
        "answer": ["accept", "reject", "yes", "no"],
        "job_id": ["x" * 40, "job", " ", "a.b", "rq:job:x"],
        "filename": ["app.css", "../app.py", "vendor/none.js"],
    }.get(name, ["x"])
    return quote(draw(st.one_of(st.sampled_from(known), junk_text(20))), safe="")


@st.composite
def request_for(draw, rule, world) -> dict:
    path = rule.rule
    for converter, spelled, name in _parts(rule):
        path = path.replace(f"<{spelled}{name}>", path_value(draw, converter, name, world), 1)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    method = draw(st.one_of(st.sampled_from(methods), st.sampled_from(METHODS)))
    query = draw(st.dictionaries(st.sampled_from(FIELDS), junk_text(), max_size=4))
    form = draw(st.dictionaries(st.one_of(st.sampled_from(FIELDS), junk_text(10)), junk_text()))
    for line_id in world["ids"][-1:]:
        for key in ("qty", "amount", "restock"):
            if draw(st.booleans()):
                form[f"{key}-{line_id}"] = draw(junk_text())
    headers = {}
    if draw(st.booleans()):
        headers["HX-Request"] = "true"
    if draw(st.booleans()):
        headers["X-Relay-Locale"] = draw(st.sampled_from(["fr", "de", "xx", "\u00e9", ""]))
    auth = draw(st.sampled_from(["none", "header", "query", "form", "forged", "other-shop"]))
    domain = world["domain"]
    if draw(st.booleans()):
        query["shop"] = draw(st.sampled_from([domain, "other.myshopify.com", "\u00e9"]))
    if auth in ("header", "query", "form", "forged", "other-shop"):
        shop = "other-fuzz.myshopify.com" if auth == "other-shop" else domain
        token = world["mint"](shop, secret="wrong" * 8) if auth == "forged" else world["mint"](shop)
        if auth == "query":
            query["id_token"] = token
        elif auth == "form":
            form["id_token"] = token
        else:
            headers["Authorization"] = f"Bearer {token}"
    body = {"data": form}
    if rule.endpoint.startswith("webhooks.") or draw(st.integers(0, 9)) == 0:
        raw = draw(webhook_body())
        body = {"data": raw, "content_type": "application/json"}
        signed = draw(st.sampled_from(["signed", "signed", "unsigned", "junk"]))
        headers.update(
            {
                "X-Shopify-Hmac-Sha256": {
                    "signed": body_signature(API_SECRET, raw),
                    "unsigned": body_signature("not-the-secret", raw),
                    "junk": draw(junk_text()),
                }[signed],
                "X-Shopify-Shop-Domain": draw(
                    st.sampled_from([domain, "unknown-fz.myshopify.com", "evil.com", ""])
                ),
                "X-Shopify-Topic": draw(st.one_of(st.sampled_from(TOPICS), junk_text())),
                "X-Shopify-Webhook-Id": draw(
                    st.one_of(st.uuids().map(str), st.sampled_from(["dup-1", "dup-1", ""]))
                ),
            }
        )
        if draw(st.booleans()):
            headers["X-Shopify-Triggered-At"] = draw(junk_text())
    # As a server would pass them on: one line each, the bytes read as latin-1.
    headers = {k: as_received(v) for k, v in headers.items()}
    return {"method": method, "path": path, "query_string": query, "headers": headers, **body}


def as_received(value: str) -> str:
    return value.replace("\r", "").replace("\n", "").encode("utf-8", "replace").decode("latin-1")


def _parts(rule):
    """(converter class name, '' or 'int:' spelled as in the rule, argument name) per variable."""
    for name, converter in rule._converters.items():
        spelled = next(
            (s for s in ("int:", "path:", "string:", "") if f"<{s}{name}>" in rule.rule), ""
        )
        yield ("int" if isinstance(converter, IntegerConverter) else "other"), spelled, name


# -- the run ------------------------------------------------------------------------------------


def test_no_route_answers_5xx_and_no_4xx_changes_the_database(app, world, capsys):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods)))
    stats: Counter = Counter()
    failures: list[str] = []
    client = app.test_client()
    started = time.monotonic()

    for rule in rules:

        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            derandomize=FUZZ_SEED is None,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(request_for(rule, world))
        def probe(req):
            before = fingerprint(app)
            stats["requests"] += 1
            try:
                response = client.open(
                    req["path"],
                    method=req["method"],
                    query_string=req["query_string"],
                    headers=req["headers"],
                    data=req["data"],
                    content_type=req.get("content_type"),
                )
                status = response.status_code
            except Exception:
                status = 500
                failures.append(f"{req['method']} {req['path']}: {traceback.format_exc()[-600:]}")
            stats[f"{status // 100}xx"] += 1
            assert status < 500, (req, failures[-1:] or response.get_data(as_text=True)[:500])
            if 400 <= status < 500:
                assert fingerprint(app) == before, (status, req)

        if FUZZ_SEED is not None:
            probe = seed(int(FUZZ_SEED))(probe)
        probe()

    seconds = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfuzz: {stats['requests']} requests over {len(rules)} routes in {seconds:.0f} s; "
            f"5xx: {stats['5xx']} (2xx {stats['2xx']}, 3xx {stats['3xx']}, 4xx {stats['4xx']})"
        )
    assert stats["5xx"] == 0
