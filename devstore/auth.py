"""Apps, installs and credentials as Shopify issues them: authorization codes, expiring offline
tokens with refresh tokens, token exchange from ID tokens, and ID tokens for App Bridge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

from devstore.store import Store

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 90 * 24 * 3600
REFRESH_GRACE_SECONDS = 30 * 24 * 3600
CODE_SECONDS = 60
ID_TOKEN_SECONDS = 60
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass
class Settings:
    """Knobs tests turn; defaults are Shopify's."""

    access_token_seconds: int = ACCESS_TOKEN_SECONDS
    retry_base_seconds: float = 60.0
    duplicate_deliveries: bool = False
    auto_approve: bool = False
    throttle: bool = True
    # Answer the next N Admin GraphQL calls 429 with Retry-After (Shopify may, besides
    # THROTTLED); tests set it.
    too_many_requests: int = 0
    retry_after_seconds: float = 2.0
    # Outages and late answers for one shop ("" = all), see devstore/faults.py: the next
    # `outage_requests` GraphQL calls (-1: until switched off) answer "503"/"502"/"504"/"500",
    # "internal_error" or "drop"; mutations answer `answer_delay_seconds` late.
    outage: str = ""
    outage_shop: str = ""
    outage_requests: int = 0
    answer_delay_seconds: float = 0.0
    answer_delay_shop: str = ""
    answer_delay_operation: str = ""  # "" = every mutation; else that named operation only
    # How fast a bulk operation writes its JSONL (0: at once). Shopify's speed is not
    # published; ~1,400 objects/s was observed for a small product export.
    bulk_objects_per_second: float = 2000.0
    # Make the next bulk operations fail half-way with this errorCode (tests): ACCESS_DENIED,
    # INTERNAL_SERVER_ERROR or TIMEOUT; "" runs them normally.
    bulk_failure: str = ""


def query_hmac(secret: str, params: dict) -> str:
    """Shopify's query signature: hex HMAC-SHA256 over sorted k=v pairs joined by &."""
    message = "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in ("hmac", "signature")
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def host_param(admin_base: str) -> str:
    """The `host` query parameter: base64 of the admin URL without scheme, unpadded."""
    bare = admin_base.split("://", 1)[-1]
    return base64.b64encode(bare.encode()).decode().rstrip("=")


def alnum_token(nbytes: int = 24) -> str:
    # Alphanumeric so Shopify's Python and Node HMAC encodings agree (reference §1.2).
    return secrets.token_hex(nbytes)


# -- apps and installs ----------------------------------------------------------------------


def register_app(
    store: Store,
    *,
    client_id: str,
    client_secret: str,
    name: str,
    app_url: str,
    redirect_urls: list[str],
    scopes: list[str],
    webhooks_uri: str | None,
) -> dict:
    with store.transaction():
        doc = {
            "client_id": client_id,
            "client_secret": client_secret,
            "name": name,
            "app_url": app_url,
            "redirect_urls": redirect_urls,
            "scopes": scopes,
            "webhooks_uri": webhooks_uri,
        }
        return store.put("app", client_id, doc)


def get_app(store: Store, client_id: str) -> dict | None:
    return store.get("app", client_id)


def install(store: Store, shop: str, client_id: str, scopes: list[str]) -> dict:
    with store.transaction():
        key = f"{client_id}|{shop}"
        doc = store.get("install", key) or {
            "client_id": client_id,
            "shop": shop,
            "installed_at": time.time(),
        }
        doc.update({"installed": True, "scopes": scopes, "uninstalled_at": None})
        return store.put("install", key, doc, shop=shop)


def is_installed(store: Store, shop: str, client_id: str) -> bool:
    doc = store.get("install", f"{client_id}|{shop}")
    return bool(doc and doc.get("installed"))


def uninstall(store: Store, shop: str, client_id: str) -> None:
    """Revoke every token of the app on the shop, then tell the app (app/uninstalled)."""
    from devstore import events, payloads

    with store.transaction():
        key = f"{client_id}|{shop}"
        doc = store.get("install", key)
        if not doc or not doc.get("installed"):
            return
        # Deliver app/uninstalled before marking uninstalled: emit() targets installed apps.
        events.emit(store, shop, "app/uninstalled", payloads.shop(store, shop))
        doc.update({"installed": False, "uninstalled_at": time.time()})
        store.put("install", key, doc, shop=shop)
        for kind in ("access_token", "refresh_token"):
            for token in store.find(kind, shop=shop, where=lambda t: t["client_id"] == client_id):
                token["revoked"] = True
                store.put(kind, token["token"], token, shop=shop)
        for sub in store.find(
            "webhook_subscription", shop=shop, where=lambda s: s["client_id"] == client_id
        ):
            store.delete("webhook_subscription", sub["id"])


# -- tokens -------------------------------------------------------------------------------


def _issue(
    store: Store, settings: Settings, app: dict, shop: str, scopes: list[str], expiring: bool
) -> dict:
    now = time.time()
    access = {
        "token": "shpat_" + alnum_token(16),
        "client_id": app["client_id"],
        "shop": shop,
        "scopes": scopes,
        "expiring": expiring,
        "revoked": False,
        "created_at": now,
        "expires_at": now + settings.access_token_seconds if expiring else None,
    }
    store.put("access_token", access["token"], access, shop=shop)
    response = {"access_token": access["token"], "scope": ",".join(scopes)}
    if expiring:
        refresh = {
            "token": "shprt_" + alnum_token(16),
            "client_id": app["client_id"],
            "shop": shop,
            "scopes": scopes,
            "revoked": False,
            "created_at": now,
            "expires_at": now + REFRESH_TOKEN_SECONDS,
            "replaced_by": None,
            "used": False,
        }
        store.put("refresh_token", refresh["token"], refresh, shop=shop)
        response.update(
            {
                "expires_in": settings.access_token_seconds,
                "refresh_token": refresh["token"],
                "refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
            }
        )
    return response


def _authenticate_client(store: Store, body: dict) -> dict:
    app = get_app(store, str(body.get("client_id") or ""))
    if app is None or not hmac.compare_digest(
        app["client_secret"], str(body.get("client_secret") or "")
    ):
        raise OAuthError("invalid_client", "Client credentials are invalid", status=401)
    return app


def _wants_expiring(body: dict) -> bool:
    return str(body.get("expiring", "0")) in ("1", "true", "True")


def create_code(store: Store, shop: str, app: dict, scopes: list[str]) -> str:
    with store.transaction():
        code = alnum_token(16)
        store.put(
            "oauth_code",
            code,
            {
                "code": code,
                "client_id": app["client_id"],
                "shop": shop,
                "scopes": scopes,
                "used": False,
                "expires_at": time.time() + CODE_SECONDS,
            },
            shop=shop,
        )
        return code


def access_token_grant(store: Store, settings: Settings, shop: str, body: dict) -> dict:
    """POST /admin/oauth/access_token, every grant Shopify supports."""
    with store.transaction():
        app = _authenticate_client(store, body)
        grant = body.get("grant_type")
        if grant in (None, "", "authorization_code"):
            code = store.get("oauth_code", str(body.get("code") or ""))
            if (
                code is None
                or code["used"]
                or code["shop"] != shop
                or code["client_id"] != app["client_id"]
                or code["expires_at"] < time.time()
            ):
                raise OAuthError(
                    "invalid_grant", "The authorization code was not found or was already used"
                )
            code["used"] = True
            store.put("oauth_code", code["code"], code, shop=shop)
            install(store, shop, app["client_id"], code["scopes"])
            return _issue(store, settings, app, shop, code["scopes"], _wants_expiring(body))
        if grant == TOKEN_EXCHANGE:
            claims = verify_id_token(app, str(body.get("subject_token") or ""))
            if (
                claims is None
                or claims["dest"] != f"https://{shop}"
                or claims["iss"] != f"https://{shop}/admin"
            ):
                raise OAuthError("invalid_subject_token", "The subject token is invalid")
            if body.get("subject_token_type", ID_TOKEN_TYPE) != ID_TOKEN_TYPE:
                raise OAuthError("invalid_request", "Unsupported subject_token_type")
            install(store, shop, app["client_id"], app["scopes"])
            return _issue(store, settings, app, shop, app["scopes"], _wants_expiring(body))
        if grant == "refresh_token":
            return _refresh(store, settings, app, shop, str(body.get("refresh_token") or ""))
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant}")


def _refresh(store: Store, settings: Settings, app: dict, shop: str, token: str) -> dict:
    doc = store.get("refresh_token", token)
    now = time.time()
    if (
        doc is None
        or doc["revoked"]
        or doc["shop"] != shop
        or doc["client_id"] != app["client_id"]
        or doc["expires_at"] < now
    ):
        raise OAuthError("invalid_grant", "The refresh token is invalid or expired")
    # The previous refresh token stays usable until its replacement is first used.
    if doc["replaced_by"]:
        successor = store.get("refresh_token", doc["replaced_by"])
        if successor and (successor["used"] or now - doc["created_at"] > REFRESH_GRACE_SECONDS):
            raise OAuthError("invalid_grant", "The refresh token has been rotated")
    doc["used"] = True
    response = _issue(store, settings, app, shop, doc["scopes"], expiring=True)
    doc["replaced_by"] = doc["replaced_by"] or response["refresh_token"]
    store.put("refresh_token", token, doc, shop=shop)
    return response


def check_access_token(store: Store, shop: str, token: str | None) -> tuple[dict | None, int]:
    """(token doc, 0) when valid for this shop; (None, HTTP status) otherwise."""
    doc = store.get("access_token", token or "")
    if doc is None or doc["revoked"] or doc["shop"] != shop:
        return None, 401
    if doc["expires_at"] is not None and doc["expires_at"] < time.time():
        return None, 401
    if not doc["expiring"]:
        return None, 403
    return doc, 0


def scopes_of(store: Store, token: str) -> list[str]:
    doc = store.get("access_token", token) or {}
    return doc.get("scopes", [])


# -- ID tokens ----------------------------------------------------------------------------


def mint_id_token(
    app: dict,
    shop: str,
    *,
    user_id: str = "1",
    lifetime: int = ID_TOKEN_SECONDS,
    now: float | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": app["client_id"],
        "sub": user_id,
        "exp": issued + lifetime,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": hashlib.sha256(f"{shop}:{user_id}:{app['client_id']}".encode()).hexdigest(),
    }
    return jwt.encode(claims, app["client_secret"], algorithm="HS256")


def verify_id_token(app: dict, token: str) -> dict | None:
    try:
        return jwt.decode(
            token,
            app["client_secret"],
            algorithms=["HS256"],
            audience=app["client_id"],
            leeway=10,
            options={"require": ["exp", "nbf", "iss", "dest", "aud"]},
        )
    except jwt.PyJWTError:
        return None
