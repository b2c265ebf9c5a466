"""Secrets are never defaulted in production: Relay refuses to start and names the variable.
In development each missing secret is made at random once, and every process shares it."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app import create_app
from config import RefusedToStart, fill_development_secrets

pytestmark = pytest.mark.attack

STRONG = {
    "SECRET_KEY": "s" * 40,
    "SHOPIFY_API_SECRET": "a" * 40,
    "PORTAL_LINK_SECRETS": ["p" * 40],
    "TOKEN_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    "STRIPE_SECRET_KEY": "sk_live_" + "k" * 40,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "w" * 40,
    "PAYPAL_CLIENT_SECRET": "q" * 40,
}


@pytest.fixture
def production(monkeypatch, tmp_path):
    for name in (
        "SECRET_KEY",
        "SHOPIFY_API_SECRET",
        "PORTAL_LINK_SECRETS",
        "TOKEN_ENCRYPTION_KEYS",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "PAYPAL_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RELAY_ENV", "production")
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'relay.sqlite3'}"}


def test_production_with_no_secrets_refuses_to_start_naming_each_variable(production):
    with pytest.raises(RefusedToStart) as refused:
        create_app(production)
    message = str(refused.value)
    for variable in ("SECRET_KEY", "SHOPIFY_API_SECRET", "PORTAL_LINK_SECRETS"):
        assert f"{variable} is not set" in message
    assert "TOKEN_ENCRYPTION_KEYS is not set" in message
    assert "STRIPE_SECRET_KEY is not set" in message
    assert "STRIPE_WEBHOOK_SECRET is not set" in message
    assert "PAYPAL_CLIENT_SECRET is not set" in message


@pytest.mark.parametrize(
    "key,value,problem",
    [
        ("SECRET_KEY", "dev-only-secret-change-me", "SECRET_KEY is a placeholder"),
        (
            "SHOPIFY_API_SECRET",
            "relay-dev-client-secret-not-for-production",
            "SHOPIFY_API_SECRET is a placeholder",
        ),
        ("SECRET_KEY", "short", "SECRET_KEY is shorter than 32 characters"),
        ("PORTAL_LINK_SECRETS", ["s" * 40], "PORTAL_LINK_SECRETS must differ from SECRET_KEY"),
    ],
)
def test_production_refuses_a_placeholder_short_or_shared_secret(production, key, value, problem):
    with pytest.raises(RefusedToStart, match=problem):
        create_app({**production, **STRONG, key: value})


def test_production_starts_with_strong_secrets_of_its_own(production):
    app = create_app({**production, **STRONG})
    assert app.config["PORTAL_LINK_SECRETS"] == ["p" * 40]


def _fill(var_dir: str, queue) -> None:
    config: dict = {}
    fill_development_secrets(config, Path(var_dir))
    queue.put(config)


def test_development_makes_each_secret_once_and_every_process_gets_the_same(tmp_path):
    queue = multiprocessing.get_context("spawn").Queue()
    processes = [
        multiprocessing.get_context("spawn").Process(target=_fill, args=(str(tmp_path), queue))
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    seen = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert all(config == seen[0] for config in seen), "one set of secrets for every process"
    stored = json.loads((tmp_path / "dev-secrets.json").read_text())
    assert seen[0] == stored
    assert stored["SECRET_KEY"] not in stored["PORTAL_LINK_SECRETS"]
    assert len(stored["SECRET_KEY"]) >= 32
    assert stored["STRIPE_SECRET_KEY"].startswith("sk_test_"), "localstripe takes sk_test_ keys"
    assert stored["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
    assert (tmp_path / "dev-secrets.json").stat().st_mode & 0o077 == 0, "readable by its owner only"


def test_a_secret_added_later_joins_an_existing_dev_secrets_file(tmp_path):
    """A var/dev-secrets.json made before the Stripe secrets existed gains them, once; the
    secrets already in it are kept."""
    path = tmp_path / "dev-secrets.json"
    path.write_text(json.dumps({"SECRET_KEY": "k" * 40, "SHOPIFY_API_SECRET": "a" * 40}))
    first: dict = {}
    fill_development_secrets(first, tmp_path)
    assert first["SECRET_KEY"] == "k" * 40
    assert first["STRIPE_SECRET_KEY"].startswith("sk_test_")
    second: dict = {}
    fill_development_secrets(second, tmp_path)
    assert second == first
    assert json.loads(path.read_text())["STRIPE_WEBHOOK_SECRET"] == first["STRIPE_WEBHOOK_SECRET"]


def test_a_secrets_file_from_before_a_new_secret_gains_it_and_keeps_the_others(tmp_path):
    """dev-secrets.json written before PAYPAL_CLIENT_SECRET existed: the new secret is made
    once and added; the secrets already there are kept (sessions and tokens stay valid)."""
    old = {"SECRET_KEY": "k" * 40, "SHOPIFY_API_SECRET": "a" * 40,
           "PORTAL_LINK_SECRETS": ["p" * 40], "TOKEN_ENCRYPTION_KEYS": ["t"]}  # fmt: skip
    (tmp_path / "dev-secrets.json").write_text(json.dumps(old))
    first: dict = {}
    fill_development_secrets(first, tmp_path)
    second: dict = {}
    fill_development_secrets(second, tmp_path)
    assert first == second
    assert first["SECRET_KEY"] == "k" * 40
    assert len(first["PAYPAL_CLIENT_SECRET"]) >= 32
    assert (tmp_path / "dev-secrets.json").stat().st_mode & 0o077 == 0
