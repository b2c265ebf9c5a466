"""Tokens at rest: Fernet (AES-128-CBC + HMAC), keys from TOKEN_ENCRYPTION_KEYS, newest first.
MultiFernet decrypts with any listed key, so keys rotate without a migration."""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

log = logging.getLogger("relay.crypto")


def _fernet() -> MultiFernet:
    app = current_app._get_current_object()
    cached = app.extensions.get("relay_fernet")
    if cached is None:
        keys = list(app.config["TOKEN_ENCRYPTION_KEYS"])
        if not keys:
            # Development only: derive a key from SECRET_KEY so the first command just works.
            log.warning("TOKEN_ENCRYPTION_KEYS not set; deriving a development key")
            digest = hashlib.sha256(("relay-tokens:" + app.config["SECRET_KEY"]).encode())
            keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
        cached = MultiFernet([Fernet(k) for k in keys])
        app.extensions["relay_fernet"] = cached
    return cached


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("token ciphertext does not decrypt with any configured key") from exc
