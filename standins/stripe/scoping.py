"""`Stripe-Account` scoping, which localstripe lacks (one store for everyone): every object
belongs to the platform or to the connected account whose header created it, and is invisible
from anywhere else, as on Stripe (404 `resource_missing` for an object in the URL, 400 for one
named in a parameter). Ownership is recorded as localstripe stores each object, from the
account of the request being served (see server.install_patches)."""

from __future__ import annotations

import re

from localstripe.resources import store

from standins.stripe.errors import resource_missing
from standins.stripe.state import STATE, UNKNOWN

ID_PREFIXES = {
    "cus_": "customer",
    "pm_": "payment_method",
    "pi_": "payment_intent",
    "ch_": "charge",
    "re_": "refund",
    "seti_": "setup_intent",
    "txn_": "balance_transaction",
    "evt_": "event",
    "card_": "card",
    "src_": "source",
}
OBJECT_PATH = re.compile(r"^/v1/(?P<collection>[a-z_]+)/(?P<id>[A-Za-z]+_[A-Za-z0-9_]+)")


def kind_of(object_id: str) -> str | None:
    for prefix, kind in ID_PREFIXES.items():
        if object_id.startswith(prefix):
            return kind
    return None


def is_visible(object_id: str, account: str | None) -> bool:
    owner = STATE.owner_of(object_id)
    return owner is UNKNOWN or owner == account


def check_path(path: str, account: str | None) -> None:
    """The object named in /v1/<collection>/<id>/... must belong to the acting account."""
    match = OBJECT_PATH.match(path)
    if not match or match["collection"] in ("accounts", "account_links"):
        return
    object_id = match["id"]
    kind = kind_of(object_id)
    if kind and not is_visible(object_id, account):
        raise resource_missing(kind, object_id)


def require_visible(data: dict, account: str | None) -> None:
    """Each parameter naming an object (customer=cus_..., payment_method=pm_...) must name one
    of the acting account's."""
    for param, value in (data or {}).items():
        if isinstance(value, str) and kind_of(value) and not is_visible(value, account):
            raise resource_missing(kind_of(value), value, param=param)


def visible(cls, object_id: str, account: str | None):
    """localstripe's object, or Stripe's 404 when it is missing or another account's."""
    if not is_visible(object_id, account) or store.get(f"{cls.object}:{object_id}") is None:
        raise resource_missing(cls.object, object_id)
    return store[f"{cls.object}:{object_id}"]


def owned_objects(object_name: str, account: str | None) -> list:
    prefix = object_name + ":"
    return [
        obj
        for key, obj in store.items()
        if key.startswith(prefix) and STATE.owners.get(obj.id) == account
    ]
