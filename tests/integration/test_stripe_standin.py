"""The Stripe stand-in itself, over HTTP: what dev.sh relies on (state kept across a restart
with --state) and what Relay's money safety relies on (one object for simultaneous requests
with one idempotency key; webhooks naming the connected account only for its objects)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import free_port
from tests.payment_services import ROOT, _wait_healthy

pytestmark = pytest.mark.integration


def start(port: int, state, log):
    process = subprocess.Popen(
        [sys.executable, "-m", "standins.stripe", "serve", "--port", str(port), "--state", state],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    _wait_healthy(f"http://127.0.0.1:{port}/_standin/health", process, log)
    return process


def stop(process) -> None:
    process.terminate()
    process.wait(timeout=10)


def test_state_file_keeps_accounts_and_intents_across_a_restart(tmp_path):
    """With --state, a connected account and its intent exist after a restart, still scoped
    to that account (Relay's database keeps their ids)."""
    port, state = free_port(), str(tmp_path / "stripe.pickle")
    url = f"http://127.0.0.1:{port}"
    auth = ("sk_test_restart", "")
    process = start(port, state, tmp_path / "first.log")
    try:
        account = httpx.post(f"{url}/v1/accounts", auth=auth, data={"type": "express"}).json()
        customer = httpx.post(f"{url}/v1/customers", auth=auth, data={"email": "a@b.c"}).json()
    finally:
        stop(process)
    process = start(port, state, tmp_path / "second.log")
    try:
        again = httpx.get(f"{url}/v1/accounts/{account['id']}", auth=auth).json()
        assert again == account
        assert httpx.get(f"{url}/v1/customers/{customer['id']}", auth=auth).status_code == 200
        hidden = httpx.get(
            f"{url}/v1/customers/{customer['id']}",
            auth=auth,
            headers={"Stripe-Account": account["id"]},
        )
        assert hidden.status_code == 404
    finally:
        stop(process)


def test_simultaneous_requests_with_one_key_make_one_customer(stripe_standin):
    """Eight requests at once with one Idempotency-Key: one customer exists, and every answer
    that is not Stripe's 409 "in use" is that customer."""
    same = f"race-{uuid.uuid4().hex}"
    email = f"{uuid.uuid4().hex[:8]}@race.test"

    def create(_):
        return httpx.post(
            f"{stripe_standin.url}/v1/customers",
            auth=(stripe_standin.secret_key, ""),
            headers={"Idempotency-Key": same},
            data={"email": email},
        )

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(create, range(8)))
    made = httpx.get(
        f"{stripe_standin.url}/v1/customers",
        auth=(stripe_standin.secret_key, ""),
        params={"email": email},
    ).json()["data"]
    assert len(made) == 1
    assert {a.json()["id"] for a in answers if a.status_code == 200} == {made[0]["id"]}
    assert all(a.status_code in (200, 409) for a in answers)
