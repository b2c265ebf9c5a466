"""Real parts for Relay's tests: PostgreSQL, Redis, devstore over HTTP, Relay over HTTP, RQ.

- A fresh PostgreSQL database per test session (TEST_DATABASE_URL names the server), tables
  emptied between tests.
- Redis from TEST_REDIS_URL; the database is flushed between tests.
- With neither URL set and no server answering on 127.0.0.1 (a laptop), or with
  RELAY_TEST_EMBEDDED=1: the embedded defaults instead, a SQLite file and one embedded Redis
  (integrations/embedded_redis.py) for the session. Tests marked `postgresql` are then left
  out, with the command that runs them.
- devstore runs in a thread on a free port; Relay reaches it only through the configured seam.
- Relay runs in a thread on a free port too, so devstore delivers webhooks to it over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
import redis
from werkzeug.serving import make_server

from devstore import cost as devstore_cost
from devstore.auth import Settings as DevstoreSettings
from devstore.server import create_app as create_devstore
from devstore.store import Store

pytest_plugins = ["tests.payment_services", "tests.rates_services", "tests.mail_services"]

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "relay-test-client-id"
API_SECRET = "relay-test-client-secret-at-least-32-bytes"
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
POSTGRESQL_ONLY = (
    "PostgreSQL only; run with a server: "
    "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test "
    "./scripts/test.sh -m postgresql"
)


def _postgres_answers(url: str) -> bool:
    dsn = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def _redis_answers(url: str) -> bool:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError:
        return False
    return True


def _choose_backends() -> tuple[str, str]:
    """("postgresql" | "sqlite", "server" | "embedded"): a URL that is set is always used (and
    must answer); unset, the local default server if it answers, else the embedded default."""
    if os.environ.get("RELAY_TEST_EMBEDDED") == "1":
        return "sqlite", "embedded"
    if os.environ.get("TEST_DATABASE_URL"):
        database = "postgresql"
    else:
        database = "postgresql" if _postgres_answers(DEFAULT_DB) else "sqlite"
    if os.environ.get("TEST_REDIS_URL"):
        redis_kind = "server"
    else:
        redis_kind = "server" if _redis_answers(DEFAULT_REDIS) else "embedded"
    return database, redis_kind


DATABASE_KIND, REDIS_KIND = _choose_backends()
_WHY_EMBEDDED = (
    "RELAY_TEST_EMBEDDED=1"
    if os.environ.get("RELAY_TEST_EMBEDDED") == "1"
    else "no server answers and no URL is set"
)


def pytest_terminal_summary(terminalreporter):
    """The attack figure: tests marked `attack` (hostile input, faults) and how many held."""
    held = failed = 0
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if "attack" not in report.keywords:
                continue
            if outcome == "passed" and report.when == "call":
                held += 1
            elif outcome != "passed":
                failed += 1
    if held or failed:
        terminalreporter.write_line(
            f"attacks and faults tried: {held + failed}, held: {held}, broke: {failed}"
        )


def pytest_report_header(config):
    if DATABASE_KIND == "postgresql":
        database = f"PostgreSQL ({os.environ.get('TEST_DATABASE_URL', DEFAULT_DB)})"
    else:
        database = f"SQLite ({_WHY_EMBEDDED})"
    if REDIS_KIND == "server":
        redis_text = f"Redis ({os.environ.get('TEST_REDIS_URL', DEFAULT_REDIS)})"
    else:
        redis_text = f"the embedded Redis ({_WHY_EMBEDDED})"
    return f"relay: {database}, {redis_text}"


def pytest_collection_modifyitems(config, items):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    say = reporter.write_line if reporter is not None else print
    if REDIS_KIND == "embedded":
        say(f"relay: {_WHY_EMBEDDED} for Redis: using an embedded Redis", yellow=True)
    if DATABASE_KIND == "postgresql":
        return
    skip = pytest.mark.skip(reason=POSTGRESQL_ONLY)
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    for item in left_out:
        item.add_marker(skip)
    say(
        f"relay: {_WHY_EMBEDDED} for PostgreSQL: running on SQLite, leaving out "
        f"{len(left_out)} PostgreSQL-only test(s){':' if left_out else '.'}",
        yellow=True,
    )
    for item in left_out:
        say(f"  {item.nodeid}")
    if left_out:
        say(
            "  run them with a PostgreSQL server: TEST_DATABASE_URL="
            "postgresql+psycopg://USER@HOST:5432/DB ./scripts/test.sh -m postgresql",
            yellow=True,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    def __init__(self, app, port: int):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


# -- PostgreSQL and Redis -----------------------------------------------------------------


@contextmanager
def fresh_postgres_database():
    """An empty database on TEST_DATABASE_URL's server, dropped afterwards; yields its URL."""
    if DATABASE_KIND != "postgresql":
        pytest.skip(POSTGRESQL_ONLY)
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_DB)
    parts = urlsplit(base)
    name = f"relay_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = urlunsplit(parts._replace(scheme="postgresql"))
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.exit(f"PostgreSQL is required for the test suite ({admin_dsn}): {exc}", 2)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if DATABASE_KIND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'relay-test.sqlite3'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    if REDIS_KIND == "embedded":
        # Its own var/ for the session (never the one dev.sh uses: tests flush it), stopped at
        # the end. Short: a unix socket path must stay under 108 bytes.
        import shutil
        import tempfile

        from integrations import embedded_redis

        var = tempfile.mkdtemp(prefix="relay-test-redis-")
        try:
            yield embedded_redis.ensure_running(var)
        finally:
            embedded_redis.stop(var)
            shutil.rmtree(var, ignore_errors=True)
        return
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis is required for the test suite ({url}): {exc}", 2)
    yield url


# -- devstore -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def devstore(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("devstore") / "devstore.sqlite3")
    settings = DevstoreSettings(retry_base_seconds=0.05)
    server = ServerThread(create_devstore(store, settings), free_port())
    server.store = store
    server.settings = settings
    server.control = httpx.Client(base_url=server.url, timeout=30)
    yield server
    server.app_sender = None
    server.stop()


# -- Relay ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def relay_port():
    return free_port()


@pytest.fixture(scope="session")
def relay_config(
    database_url,
    redis_url,
    devstore,
    relay_port,
    stripe_standin,
    paypal_standin,
    ecb_standin,
    mailbox_standin,
    tmp_path_factory,
):
    from tests.payment_services import paypal_config  # a plugin: imported once pytest loaded it

    return {
        **stripe_standin.config(),
        **paypal_config(paypal_standin),
        **mailbox_standin.config(),
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "PORTAL_LINK_SECRETS": ["test-portal-link-secret"],
        "APP_URL": f"http://127.0.0.1:{relay_port}",
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_SHOP_URL_TEMPLATE": devstore.url + "/store/{shop}",
        "SHOPIFY_ADMIN_ORIGINS": [devstore.url, "https://admin.shopify.com"],
        "APP_BRIDGE_URL": devstore.url + "/cdn/shopifycloud/app-bridge.js",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "TOKEN_ENCRYPTION_KEYS": ["2N1fVt3R4m5cL8qkzVJd3hQq4bq1n2h0rV1Zb7m6sCw="],
        "RQ_QUEUE_PREFIX": f"t{uuid.uuid4().hex[:6]}-",
        "ECB_RATES_URL": ecb_standin.rates_url,
        # The bell's poll: every 2 s, so a browser test sees a new notification arrive by the
        # real poll without waiting the production 20 s.
        "BELL_POLL_SECONDS": 2,
    }


@pytest.fixture(scope="session")
def app(relay_config):
    import schema
    from app import create_app
    from jobs import runtime

    flask_app = create_app(relay_config)
    with flask_app.app_context():
        schema.init_db()  # the schema exactly as `flask --app app init-db` makes it
    runtime.set_app(flask_app)
    return flask_app


@pytest.fixture(scope="session")
def relay_server(app, relay_port):
    server = ServerThread(app, relay_port)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_state(request):
    """Empty Relay's tables and Redis between tests that use them."""
    if "app" not in request.fixturenames:
        yield
        return
    flask_app = request.getfixturevalue("app")
    from extensions import db

    with flask_app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    redis.Redis.from_url(flask_app.config["REDIS_URL"]).flushdb()
    devstore_cost.reset_buckets()
    yield


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def worker_env(config: dict) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": config["REDIS_URL"],
            "APP_URL": config["APP_URL"],
            "SHOPIFY_API_KEY": config["SHOPIFY_API_KEY"],
            "SHOPIFY_API_SECRET": config["SHOPIFY_API_SECRET"],
            "SHOPIFY_SHOP_URL_TEMPLATE": config["SHOPIFY_SHOP_URL_TEMPLATE"],
            "SHOPIFY_ADMIN_ORIGINS": ",".join(config["SHOPIFY_ADMIN_ORIGINS"]),
            "TOKEN_ENCRYPTION_KEYS": ",".join(config["TOKEN_ENCRYPTION_KEYS"]),
            "RQ_QUEUE_PREFIX": config["RQ_QUEUE_PREFIX"],
            "SECRET_KEY": config["SECRET_KEY"],
            "PORTAL_LINK_SECRETS": ",".join(config["PORTAL_LINK_SECRETS"]),
            "RELAY_ENV": "test",
            "ECB_RATES_URL": config["ECB_RATES_URL"],
        }
    )
    env.update({key: config[key] for key in ("SMTP_URL", "SMTP_FROM") if config.get(key)})
    for key in (
        "STRIPE_API_BASE",
        "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_JS_URL",
    ):
        if config.get(key):
            env[key] = config[key]
    paypal = ("PAYPAL_API_BASE", "PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET", "PAYPAL_WEBHOOK_ID")
    env.update({key: config[key] for key in paypal if config.get(key)})
    return env


@pytest.fixture
def run_worker(app):
    """Drain the queues with a real RQ worker process (`python -m jobs.worker --burst`)."""

    def run() -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "jobs.worker", "--burst"],
            cwd=ROOT,
            env=worker_env(app.config),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    return run


@pytest.fixture
def drain(app):
    """Drain the queues in-process with RQ's SimpleWorker (fast; same code path as the worker)."""
    from background import queues
    from extensions import redis_connection
    from jobs.runtime import AppWorker

    def run() -> None:
        with app.app_context():
            qs = [queues.queue(name) for name in queues.QUEUE_ORDER]
            for _ in range(30):
                AppWorker(qs, connection=redis_connection()).work(burst=True)
                if not _bring_back_throttled(qs):
                    return

    return run


SHORT_THROTTLE = 5.0  # seconds: longer ones are what the throttle tests leave waiting


def _bring_back_throttled(qs) -> bool:
    """Jobs a throttled shop put aside (jobs/runtime.defer: RQ's schedule, seconds away) are
    part of the work a drain stands for: wait until they are due and queue them again, as the
    worker's scheduler would, when due within SHORT_THROTTLE seconds. Other scheduled jobs
    (hold windows, retry backoffs, long throttles) stay."""
    from rq.job import Job

    from jobs.runtime import DEFERRED_BY_THROTTLE

    brought = False
    for q in qs:
        registry = q.scheduled_job_registry
        for job in Job.fetch_many(registry.get_job_ids(), connection=q.connection):
            if job is None or not job.meta.get(DEFERRED_BY_THROTTLE):
                continue
            wait = (q.connection.zscore(registry.key, job.id) or 0) - time.time()
            if wait > SHORT_THROTTLE:
                continue  # a long throttle: the job waits in the schedule, as tests expect
            time.sleep(max(0.0, wait))
            registry.remove(job)
            q.enqueue_job(job)
            brought = True
    return brought


# -- shops ----------------------------------------------------------------------------------


@pytest.fixture
def register_relay(devstore, relay_server):
    devstore.control.post(
        "/_devstore/apps",
        json={
            "client_id": API_KEY,
            "client_secret": API_SECRET,
            "name": "Relay",
            "app_url": relay_server.url,
            "redirect_urls": [f"{relay_server.url}/auth/callback"],
            "scopes": ["read_orders", "write_orders", "write_fulfillments"],
            "webhooks_uri": f"{relay_server.url}/webhooks",
        },
    ).raise_for_status()
    return API_KEY


@pytest.fixture
def make_shop(devstore):
    def make(prefix: str = "shop", **fields) -> str:
        domain = f"{prefix}-{uuid.uuid4().hex[:8]}.myshopify.com"
        devstore.control.post(
            "/_devstore/shops", json={"domain": domain, **fields}
        ).raise_for_status()
        return domain

    return make


@pytest.fixture
def oauth_install(devstore, relay_server, register_relay, drain):
    """Install Relay into a devstore shop through the full authorization-code flow."""

    def install(domain: str) -> httpx.Response:
        devstore.settings.auto_approve = True
        try:
            with httpx.Client(follow_redirects=True, timeout=30) as browser:
                response = browser.get(
                    f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}/install"
                )
        finally:
            devstore.settings.auto_approve = False
        assert response.status_code == 200, response.text[:500]
        drain()  # post-install: webhooks + fulfillment service
        return response

    return install


@pytest.fixture
def installed_shop(make_shop, oauth_install):
    domain = make_shop("retail")
    oauth_install(domain)
    return domain


@pytest.fixture
def id_token(devstore, register_relay):
    def mint(domain: str, **overrides) -> str:
        import time

        import jwt

        now = int(time.time())
        claims = {
            "iss": f"https://{domain}/admin",
            "dest": f"https://{domain}",
            "aud": API_KEY,
            "sub": "42",
            "exp": now + 60,
            "nbf": now,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "sid": uuid.uuid4().hex,
        }
        secret = overrides.pop("secret", API_SECRET)
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, secret, algorithm="HS256")

    return mint
