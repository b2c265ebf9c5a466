"""Tokens at rest are encrypted, and keys can rotate without losing stored tokens."""

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from domain import crypto


def app_with_keys(keys):
    app = Flask(__name__)
    app.config.update(TOKEN_ENCRYPTION_KEYS=keys, SECRET_KEY="x")
    return app


def test_round_trip_and_ciphertext_hides_the_token():
    with app_with_keys([Fernet.generate_key().decode()]).app_context():
        sealed = crypto.encrypt("shpat_abc")
        assert "shpat_abc" not in sealed
        assert crypto.decrypt(sealed) == "shpat_abc"


def test_rotated_keys_still_decrypt_old_ciphertexts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with app_with_keys([old]).app_context():
        sealed = crypto.encrypt("shpat_old")
    with app_with_keys([new, old]).app_context():
        assert crypto.decrypt(sealed) == "shpat_old"
    with app_with_keys([new]).app_context(), pytest.raises(ValueError):
        crypto.decrypt(sealed)
