"""Redis dies and comes back: nothing is lost, nothing is done twice, nobody restarts.

A Relay app (its own server thread) and a real `python -m jobs.worker` process use a private
redis-server, killed with SIGKILL and started again empty on the same port. While it is down
a signed webhook and Request fulfillment answer as they always do (200, the row's normal
result), quickly; readiness says 503 naming Redis while liveness stays 200; OAuth (which needs
Redis to consume its state once) fails closed with a 503 page. When Redis is back the same
app and worker reconnect by themselves and the work is done exactly once.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from domain.models.orders import OrderEvent
from domain.models.shop import ComplianceRecord, WebhookReceipt
from extensions import db
from tests.conftest import ROOT, ServerThread, worker_env
from tests.integration.test_fulfillment import (
    add_supplier,
    place_order,
    refreshed,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_install import signed_query
from tests.integration.test_webhooks import deliver, wait_for
from tests.private_services import PrivateRedis, free_port

pytestmark = pytest.mark.attack

FAST = 1.0  # seconds: what a request may take while Redis is down (it used to hang ~4 s)


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.kill()


@pytest.fixture
def outage_app(relay_config, app, private_redis):
    """A second Relay app on the session's database, its Redis the private one."""
    from app import create_app

    config = {**relay_config, "REDIS_URL": private_redis.url}
    flask_app = create_app(config)
    server = ServerThread(flask_app, free_port())
    server.app = flask_app
    yield server
    server.stop()


@pytest.fixture
def outage_worker(outage_app, tmp_path):
    env = {**worker_env(outage_app.app.config), "RELAY_OUTBOX_INTERVAL": "0.5"}
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    wait_for(lambda: "Listening on" in log_path.read_text(), timeout=30)
    yield process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def request_fulfillment(server, supplier_order, token):
    return httpx.post(
        f"{server.url}/orders/supplier-orders/{supplier_order.id}/request_fulfillment",
        data={"view": "row"},
        headers={"Authorization": f"Bearer {token}", "HX-Request": "true"},
        timeout=30,
    )


def jobs_run(worker, job_id: str) -> int:
    """How many times the worker started this job (RQ logs `queue: func(args) (job id)`)."""
    return sum(f") ({job_id})" in line for line in worker.log_path.read_text().splitlines())


def test_redis_killed_and_back_loses_nothing_doubles_nothing_and_needs_no_restart(
    ctx, devstore, installed_shop, drain, id_token, outage_app, outage_worker, private_redis
):
    server = outage_app
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop)
    supplier_order = supplier_order_of(installed_shop, place_order(devstore, installed_shop), drain)
    wait_for(lambda: httpx.get(f"{server.url}/healthz/ready").status_code == 200, timeout=15)
    grid, grid_took = timed(  # warm: templates compiled, connections open
        lambda: httpx.get(
            f"{server.url}/orders",
            headers={"Authorization": f"Bearer {id_token(installed_shop)}", "HX-Request": "true"},
            timeout=30,
        )
    )
    assert grid.status_code == 200

    private_redis.kill()

    live = httpx.get(f"{server.url}/healthz")
    assert live.status_code == 200 and httpx.get(f"{server.url}/healthz/live").status_code == 200
    ready, ready_took = timed(lambda: httpx.get(f"{server.url}/healthz/ready"))
    assert ready.status_code == 503, ready.text
    assert ready.json()["down"] == ["redis"] and ready.json()["checks"]["database"] == "ok"
    assert ready_took < FAST

    customer = {"id": 7001, "email": "ada@example.com"}
    webhook, webhook_took = timed(
        lambda: deliver(
            server,
            installed_shop,
            "customers/data_request",
            {"shop_domain": installed_shop, "customer": customer, "orders_requested": []},
        )
    )
    assert webhook.status_code == 200, webhook.text
    assert webhook.json()["result"] == "accepted"
    assert webhook_took < FAST

    answer, request_took = timed(
        lambda: request_fulfillment(server, supplier_order, id_token(installed_shop))
    )
    assert answer.status_code == 200, answer.text[:500]
    assert 'data-status="scheduled"' in answer.text, "the row it renders when all is well"
    assert "Fulfillment requested" in answer.headers["HX-Trigger"]
    print(f"grid before {grid_took:.3f}s; Request fulfillment with Redis down {request_took:.3f}s")
    assert request_took < FAST
    assert refreshed(supplier_order).status == "scheduled"

    now = str(int(time.time()))
    oauth = httpx.get(
        f"{server.url}/auth/install",
        params=signed_query({"shop": installed_shop, "timestamp": now}),
    )
    assert oauth.status_code == 503, "OAuth state needs Redis: refused, never a 500"
    assert "try again" in oauth.text and oauth.headers["Retry-After"]

    (receipt,) = db.session.scalars(
        select(WebhookReceipt).where(WebhookReceipt.topic == "customers/data_request")
    ).all()
    assert receipt.processed_at is None, "stored, waiting for Redis"

    private_redis.start()  # same port, empty: every queued job is gone

    wait_for(lambda: httpx.get(f"{server.url}/healthz/ready").status_code == 200, timeout=10)

    def done() -> bool:
        db.session.expire_all()
        receipt_done = db.session.get(WebhookReceipt, receipt.id).processed_at is not None
        return receipt_done and refreshed(supplier_order).status == "requested"

    wait_for(done, timeout=45)
    records = db.session.scalar(
        select(func.count())
        .select_from(ComplianceRecord)
        .where(ComplianceRecord.topic == "customers/data_request")
    )
    assert records == 1, "the webhook was processed once"
    forwarded = db.session.scalar(
        select(func.count())
        .select_from(OrderEvent)
        .where(OrderEvent.order_id == supplier_order.order_id, OrderEvent.kind == "forwarded")
    )
    assert forwarded == 1, "the order was forwarded once"
    assert jobs_run(outage_worker, f"webhook-{receipt.id}") == 1
    assert jobs_run(outage_worker, f"forward-{supplier_order.id}") == 1
    assert outage_worker.poll() is None, "the worker lived through it"

    # The same web process talks to the new Redis: intake enqueues at once again.
    later = deliver(server, installed_shop, "customers/data_request", {"customer": customer})
    assert later.status_code == 200
    wait_for(
        lambda: (
            db.session.scalar(
                select(func.count())
                .select_from(WebhookReceipt)
                .where(WebhookReceipt.processed_at.is_(None))
            )
            == 0
        ),
        timeout=20,
    )


def test_readiness_names_the_database_when_it_is_down(relay_config, private_redis):
    from app import create_app

    dead_db = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"
    flask_app = create_app(
        {**relay_config, "SQLALCHEMY_DATABASE_URI": dead_db, "REDIS_URL": private_redis.url}
    )
    client = flask_app.test_client()
    started = time.perf_counter()
    response = client.get("/healthz/ready")
    assert time.perf_counter() - started < 3
    assert response.status_code == 503
    assert response.json["down"] == ["database"] and response.json["checks"]["redis"] == "ok"
    assert client.get("/healthz").status_code == 200


def test_a_stored_webhook_answers_200_even_when_its_enqueue_fails(
    ctx, installed_shop, outage_app, private_redis
):
    private_redis.kill()
    webhook_id = str(uuid.uuid4())
    response = deliver(
        outage_app, installed_shop, "orders/create", {"id": 1}, webhook_id=webhook_id
    )
    assert response.status_code == 200
    again = deliver(outage_app, installed_shop, "orders/create", {"id": 1}, webhook_id=webhook_id)
    assert again.json()["result"] == "duplicate delivery, already recorded"
    assert db.session.scalar(select(func.count()).select_from(WebhookReceipt)) == 1
