"""Inbound Shopify requests are verified exactly: shop domains, query hmac, webhook hmac."""

import json
import time

import pytest

from integrations.shopify_admin.hmac_query import query_digest, verify_query
from integrations.shopify_admin.urls import is_valid_shop_domain
from integrations.shopify_admin.webhooks import _json_object_text, body_signature, verify_webhook

SECRET = "s3cret"


@pytest.mark.parametrize("shop", ["acme.myshopify.com", "a-1.myshopify.com", "9shop.myshopify.com"])
def test_plain_shop_domains_are_accepted(shop):
    assert is_valid_shop_domain(shop)


@pytest.mark.attack
@pytest.mark.parametrize(
    "shop",
    [
        "acme.myshopify.com/admin",  # a path
        "acme.myshopify.com:8080",  # a port
        "acme.myshopify.com.evil.com",  # look-alike suffix
        "evil.com/acme.myshopify.com",
        "-acme.myshopify.com",
        "user@acme.myshopify.com",
        "acme.myshopify.com\n",
        "",
        None,
    ],
)
def test_shop_domains_with_paths_ports_or_tricks_are_refused(shop):
    assert not is_valid_shop_domain(shop)


def signed(params: dict, secret: str = SECRET) -> dict:
    return {**params, "hmac": query_digest(secret, params)}


def test_query_hmac_signed_with_the_secret_verifies():
    params = signed(
        {
            "shop": "acme.myshopify.com",
            "timestamp": str(int(time.time())),
            "code": "abc123",
            "state": "n0nce",
        }
    )
    assert verify_query(params, [SECRET])


@pytest.mark.attack
def test_query_hmac_rejects_a_tampered_parameter():
    params = signed(
        {"shop": "acme.myshopify.com", "timestamp": str(int(time.time())), "code": "abc123"}
    )
    params["shop"] = "other.myshopify.com"
    assert not verify_query(params, [SECRET])


@pytest.mark.attack
def test_query_hmac_rejects_a_stale_timestamp_and_missing_hmac():
    stale = signed({"shop": "acme.myshopify.com", "timestamp": str(int(time.time()) - 2 * 86400)})
    assert not verify_query(stale, [SECRET])
    assert not verify_query({"shop": "acme.myshopify.com", "timestamp": "1"}, [SECRET])


def test_query_hmac_accepts_the_previous_secret_during_rotation():
    params = signed({"shop": "acme.myshopify.com", "timestamp": str(int(time.time()))}, "old")
    assert verify_query(params, [SECRET, "old"])
    assert not verify_query(params, [SECRET])


def test_webhook_hmac_covers_the_raw_body_bytes():
    body = b'{"id": 1, "note": "caf\\u00e9"}'
    signature = body_signature(SECRET, body)
    assert verify_webhook(body, signature, [SECRET])
    assert not verify_webhook(body + b" ", signature, [SECRET])
    assert not verify_webhook(body, signature, ["wrong"])
    assert not verify_webhook(body, None, [SECRET])


def nested_body(depth: int, *, open_with: str) -> bytes:
    """An object holding containers `depth` deep in all (the outer object counts as 1),
    alternating array/object below it, and enough siblings that the nesting walk runs."""
    inner = "1"
    for level in range(depth - 1):
        inner = f"[{inner}]" if (level % 2 == 0) == (open_with == "[") else f'{{"k": {inner}}}'
    siblings = ", ".join(f'"s{i}": [{{"a": [1]}}]' for i in range(40))
    return f'{{"id": 1, {siblings}, "deep": {inner}}}'.encode()


@pytest.mark.parametrize("open_with", ["[", "{"])
def test_webhook_bodies_nested_64_deep_are_kept_and_65_deep_refused(open_with):
    kept = _json_object_text(nested_body(64, open_with=open_with))
    assert kept is not None and json.loads(kept)["id"] == 1
    assert _json_object_text(nested_body(65, open_with=open_with)) is None
