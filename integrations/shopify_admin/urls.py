"""Where a shop lives, and which shop domains we accept at all."""

from __future__ import annotations

import base64
import binascii
import re

from flask import current_app

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
HOST_PARAM = re.compile(r"^[0-9a-zA-Z+/]+={0,2}$")


def is_valid_shop_domain(shop: str | None) -> bool:
    """Anchored check: rejects paths, ports, userinfo and look-alike domains."""
    return bool(shop) and SHOP_DOMAIN.fullmatch(shop) is not None


def shop_base_url(shop: str) -> str:
    """https://{shop} on Shopify; the devstore prefix in development (the one seam)."""
    if not is_valid_shop_domain(shop):
        raise ValueError(f"not a shop domain: {shop!r}")
    return current_app.config["SHOPIFY_SHOP_URL_TEMPLATE"].format(shop=shop).rstrip("/")


def graphql_url(shop: str) -> str:
    version = current_app.config["SHOPIFY_API_VERSION"]
    return f"{shop_base_url(shop)}/admin/api/{version}/graphql.json"


def token_url(shop: str) -> str:
    return f"{shop_base_url(shop)}/admin/oauth/access_token"


def authorize_url(shop: str) -> str:
    return f"{shop_base_url(shop)}/admin/oauth/authorize"


def admin_url_from_host(host: str | None) -> str | None:
    """The admin base encoded in the `host` param, if it is one we trust (CSP origins)."""
    if not host or not HOST_PARAM.fullmatch(host):
        return None
    try:
        decoded = base64.b64decode(host + "=" * (-len(host) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    for origin in current_app.config["SHOPIFY_ADMIN_ORIGINS"]:
        bare = origin.split("://", 1)[-1]
        if decoded == bare or decoded.startswith(bare + "/"):
            return f"{origin.split('://', 1)[0]}://{decoded}"
    if decoded.endswith(".myshopify.com/admin") and is_valid_shop_domain(decoded.split("/")[0]):
        return f"https://{decoded}"
    return None
