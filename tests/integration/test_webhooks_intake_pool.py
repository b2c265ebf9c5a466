"""Webhook intake's own connection pool skips the pre-ping round trip: a connection PostgreSQL
dropped under it costs a retry, never the delivery, and the delivery is still stored once with
exactly one job."""

import json
import uuid

import pytest
from sqlalchemy import func, select, text

from domain.models.shop import WebhookReceipt
from extensions import db, intake_engine
from tests.integration.test_webhooks import deliver, example, queued_jobs

pytestmark = pytest.mark.postgresql  # SQLite has no second pool (and no server to drop one)


def intake_backend_pid() -> int:
    """Leave exactly one idle connection in intake's pool and say which server process it is."""
    engine = intake_engine()
    engine.dispose()
    with engine.connect() as connection:
        return connection.execute(text("select pg_backend_pid()")).scalar()


def test_intake_has_a_pool_of_its_own_without_pre_ping(ctx):
    assert intake_engine().pool._pre_ping is False
    assert db.engine.pool._pre_ping is True, "every other checkout still pings"


@pytest.mark.attack
def test_a_connection_the_server_dropped_is_retried_and_the_webhook_kept_once(
    ctx, app, relay_server, installed_shop
):
    dropped = intake_backend_pid()
    terminated = db.session.scalar(text("select pg_terminate_backend(:pid)"), {"pid": dropped})
    db.session.commit()
    assert terminated, "the pooled connection's server process was ended"

    webhook_id = str(uuid.uuid4())
    payload = example("orders/create")
    response = deliver(
        relay_server, installed_shop, "orders/create", payload, webhook_id=webhook_id
    )

    assert response.status_code == 200
    assert response.json()["result"] == "accepted"
    stored = db.session.scalars(select(WebhookReceipt)).all()
    assert [r.webhook_id for r in stored] == [webhook_id]
    assert stored[0].payload == json.loads(json.dumps(payload))
    assert queued_jobs(app) == 1

    again = deliver(relay_server, installed_shop, "orders/create", payload, webhook_id=webhook_id)
    assert again.json()["result"] == "duplicate delivery, already recorded"
    assert db.session.scalar(select(func.count()).select_from(WebhookReceipt)) == 1
    assert queued_jobs(app) == 1
