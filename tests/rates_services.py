"""The ECB stand-in (standins/ecb.py) for the tests: one server per session on a free port,
reached by Relay over HTTP at the configured ECB_RATES_URL. Tests steer it through its control
endpoint (a stale date, a changed rate, an error status, a malformed document); it is put back
to today's defaults before each test that uses it."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest
from werkzeug.serving import make_server

from standins.ecb import DAILY_PATH, create_app


class EcbStandin:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.server = make_server("127.0.0.1", port, create_app(), threaded=True)
        self.url = f"http://127.0.0.1:{port}"
        self.rates_url = self.url + DAILY_PATH
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def control(self, **settings) -> None:
        httpx.post(self.url + "/_ecb/control", json=settings, timeout=5).raise_for_status()

    def reset(self) -> None:
        self.control(reset=True)

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def ecb_standin():
    standin = EcbStandin()
    yield standin
    standin.stop()


@pytest.fixture
def ecb(ecb_standin):
    """The session's stand-in, at today's default rates."""
    ecb_standin.reset()
    yield ecb_standin
    ecb_standin.reset()
