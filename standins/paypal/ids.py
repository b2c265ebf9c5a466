"""Identifiers shaped like PayPal's (17 upper-case letters and digits for orders and payments)."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

_ALPHABET = string.ascii_uppercase + string.digits


def new_id(length: int = 17) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def payer_id() -> str:
    return new_id(13)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
