"""ID tokens: only a token Shopify could have minted for this app and shop is accepted."""

import time
import uuid

import jwt
import pytest

from integrations.shopify_admin.id_tokens import InvalidIdToken, verify_id_token

KEY, SECRET = "api-key", "api-secret-that-is-long-enough-for-hs256"
OLD = "old-secret-that-is-long-enough-for-hs256"


def token(secret=SECRET, **overrides):
    now = int(time.time())
    claims = {
        "iss": "https://acme.myshopify.com/admin",
        "dest": "https://acme.myshopify.com",
        "aud": KEY,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": "s",
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


def test_a_fresh_token_yields_the_shop_from_dest():
    assert verify_id_token(token(), KEY, [SECRET])["shop"] == "acme.myshopify.com"


def test_small_clock_skew_is_tolerated():
    now = int(time.time())
    assert verify_id_token(token(nbf=now + 5, exp=now - 5 + 60), KEY, [SECRET])


@pytest.mark.attack
@pytest.mark.parametrize(
    "overrides, why",
    [
        ({"exp": int(time.time()) - 30}, "expired"),
        ({"aud": "another-app"}, "wrong audience"),
        ({"dest": "https://other.myshopify.com"}, "iss and dest disagree"),
        ({"iss": "https://evil.example/admin", "dest": "https://evil.example"}, "not a shop"),
        ({"exp": None}, "no expiry"),
        ({"sid": None}, "missing sid"),
    ],
)
def test_tokens_shopify_would_not_mint_are_refused(overrides, why):
    with pytest.raises(InvalidIdToken):
        verify_id_token(token(**overrides), KEY, [SECRET])


@pytest.mark.attack
def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(InvalidIdToken):
        verify_id_token(token(secret="not-the-secret-but-also-long-enough-xx"), KEY, [SECRET])


def test_the_previous_secret_still_verifies_during_rotation():
    assert verify_id_token(token(secret=OLD), KEY, [SECRET, OLD])["shop"]


@pytest.mark.attack
def test_missing_token_is_refused():
    with pytest.raises(InvalidIdToken):
        verify_id_token(None, KEY, [SECRET])
