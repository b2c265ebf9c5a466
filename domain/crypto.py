"""Tokens at rest: Fernet (AES-128-CBC + HMAC), keys from TOKEN_ENCRYPTION_KEYS, newest first.
MultiFernet decrypts with any listed key, so keys rotate without a migration."""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

log = logging.getLogger("relay.crypto")


def _fernet() -> MultiFernet:
    app = current_app._get_current_object()
    cached = app.extensions.get("relay_fernet")
    if cached is None:
        # Never derived from another secret: config.apply_secret_policy makes sure keys exist
        # (set in production, made at random in development).
        keys = list(app.config["TOKEN_ENCRYPTION_KEYS"])
        if not keys:
            raise RuntimeError("TOKEN_ENCRYPTION_KEYS is not set")
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
