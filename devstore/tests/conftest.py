"""devstore's own tests: a store on a temp SQLite file, and the server on a free port."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest
from werkzeug.serving import make_server

from devstore import auth, commerce, cost
from devstore.auth import Settings
from devstore.server import create_app
from devstore.store import Store

SHOP = "acme.myshopify.com"
CLIENT_ID, SECRET = "app-one", "app-one-secret-long-enough-for-hs256!"


@pytest.fixture
def store(tmp_path):
    cost.reset_buckets()
    s = Store(tmp_path / "ds.sqlite3")
    commerce.ensure_shop(s, SHOP)
    yield s
    s.close()


@pytest.fixture
def installed(store):
    """An app installed on the shop (deliveries go to installed apps only)."""
    auth.register_app(
        store,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        name="App One",
        app_url="http://127.0.0.1:9/",
        redirect_urls=["http://127.0.0.1:9/cb"],
        scopes=["read_orders"],
        webhooks_uri=None,
    )
    auth.install(store, SHOP, CLIENT_ID, ["read_orders"])
    return CLIENT_ID


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(store):
    settings = Settings(retry_base_seconds=0.05)
    app = create_app(store, settings)
    port = free_port()
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    yield type(
        "Server",
        (),
        {
            "url": url,
            "settings": settings,
            "store": store,
            "client": httpx.Client(base_url=url, timeout=10),
        },
    )
    httpd.shutdown()
    app.config["DEVSTORE_SENDER"].stop()
    app.config["DEVSTORE_BULK_RUNNER"].stop()


class Receiver:
    """A real HTTP endpoint that records what devstore sends (and can fail on purpose)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_first = 0  # answer this many requests with fail_status, then 200
        self.fail_status = 500
        from werkzeug.wrappers import Request, Response

        @Request.application
        def app(request):
            self.requests.append(
                {"headers": dict(request.headers), "body": request.get_data(), "path": request.path}
            )
            if self.fail_first > 0:
                self.fail_first -= 1
                headers = {"Location": "/elsewhere"} if 300 <= self.fail_status < 400 else {}
                return Response("nope", status=self.fail_status, headers=headers)
            return Response(json.dumps({"ok": True}), status=200)

        port = free_port()
        self.httpd = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.httpd.shutdown()


def run_cli(server, capsys, *argv: str):
    """Run a devstore CLI verb against the test server: its exit code and printed JSON."""
    from devstore import cli

    code = cli.main(["--url", server.url, *argv])
    return code, json.loads(capsys.readouterr().out)
