"""Credentials stay where they belong: portal links are signed with keys of their own (never
SECRET_KEY, which an attacker re-signed expired links with when it was a default), and no
access log line holds a whole portal link, ID token or OAuth code."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from domain.suppliers import portal
from tests.conftest import ROOT, free_port, worker_env
from tests.integration.test_portal import MUG, add_portal_supplier
from tests.integration.test_webhooks import wait_for

pytestmark = pytest.mark.attack


def signed_with(keys, supplier) -> str:
    return URLSafeTimedSerializer(keys, salt=portal.SALT).dumps(
        {"s": supplier.id, "k": supplier.portal_key}
    )


def test_a_link_signed_with_secret_key_does_not_open_the_portal(
    ctx, app, relay_server, installed_shop
):
    supplier = add_portal_supplier(installed_shop, "Atelier Nord", (MUG,))
    genuine = portal.link_token(supplier)
    assert httpx.get(f"{relay_server.url}/portal/{genuine}/").status_code == 200
    forged = signed_with(app.config["SECRET_KEY"], supplier)
    assert httpx.get(f"{relay_server.url}/portal/{forged}/").status_code == 403


def test_portal_keys_rotate_newest_first_and_old_links_keep_working(
    ctx, app, relay_server, installed_shop
):
    supplier = add_portal_supplier(installed_shop, "Atelier Nord", (MUG,))
    old_key = app.config["PORTAL_LINK_SECRETS"][0]
    sent_before = portal.link_token(supplier)
    app.config["PORTAL_LINK_SECRETS"] = ["rotated-portal-link-secret", old_key]
    try:
        assert httpx.get(f"{relay_server.url}/portal/{sent_before}/").status_code == 200
        fresh = portal.link_token(supplier)
        newest = URLSafeTimedSerializer("rotated-portal-link-secret", salt=portal.SALT)
        assert newest.loads(fresh)["s"] == supplier.id, "new links use the newest key"
        app.config["PORTAL_LINK_SECRETS"] = ["rotated-portal-link-secret"]
        assert httpx.get(f"{relay_server.url}/portal/{fresh}/").status_code == 200
        assert httpx.get(f"{relay_server.url}/portal/{sent_before}/").status_code == 403
    finally:
        app.config["PORTAL_LINK_SECRETS"] = [old_key]


def test_gunicorns_access_log_never_holds_a_portal_link_or_id_token(
    ctx, app, installed_shop, tmp_path
):
    supplier = add_portal_supplier(installed_shop, "Atelier Nord", (MUG,))
    token = portal.link_token(supplier)
    port = free_port()
    log_path = tmp_path / "access.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--access-logfile", str(log_path), "app:create_app()"],
        cwd=ROOT,  # where gunicorn.conf.py is: gunicorn reads it by itself
        env=worker_env(app.config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, timeout=60)
        assert httpx.get(f"{base}/portal/{token}/").status_code == 200
        httpx.get(f"{base}/portal/{token}/orders", params={"status": "new"})
        httpx.get(f"{base}/orders", params={"shop": installed_shop, "id_token": "eyJhbGciOi.x.y"})
        httpx.get(f"{base}/auth/callback", params={"code": "oauth-code-123", "shop": "x"})
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    log = log_path.read_text()
    assert log.count("\n") >= 4, log
    assert token not in log and token[:20] not in log
    assert "eyJhbGciOi" not in log and "oauth-code-123" not in log
    assert "/portal/[redacted]/orders?status=new" in log
    assert "id_token=[redacted]" in log
