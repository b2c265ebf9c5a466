"""Failed background jobs are visible to their shop inside the admin, and can be retried once."""

import json
import uuid

import httpx
from sqlalchemy import select

from background import queues
from domain.models.shop import WebhookReceipt
from extensions import db
from integrations.shopify_admin.webhooks import body_signature
from tests.conftest import API_SECRET
from tests.integration.test_webhooks import example


def deliver_unprocessable_order(relay_server, shop):
    """Signed and well-formed JSON, so intake accepts it; but no order id, so processing fails."""
    payload = {k: v for k, v in example("orders/create").items() if k != "admin_graphql_api_id"}
    raw = json.dumps(payload).encode()
    response = httpx.post(
        f"{relay_server.url}/webhooks",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": body_signature(API_SECRET, raw),
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200
    return db.session.scalar(select(WebhookReceipt).order_by(WebhookReceipt.id.desc()))


def htmx_headers(token):
    return {"Authorization": f"Bearer {token}", "HX-Request": "true"}


def jobs_page(relay_server, token):
    return httpx.get(f"{relay_server.url}/jobs", headers=htmx_headers(token))


def retry(relay_server, token, job_id):
    return httpx.post(f"{relay_server.url}/jobs/{job_id}/retry", headers=htmx_headers(token))


def failed_ids(app):
    with app.app_context():
        return queues.queue(queues.PUSH).failed_job_registry.get_job_ids()


def queued_ids(app):
    with app.app_context():
        return queues.queue(queues.PUSH).get_job_ids()


def test_a_job_that_hits_a_bug_is_listed_at_once_with_its_error_and_time(
    ctx, app, relay_server, installed_shop, id_token, drain
):
    earlier = deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    receipt = deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    job_id = f"webhook-{receipt.id}"
    assert sorted(failed_ids(app)) == sorted([f"webhook-{earlier.id}", job_id]), (
        "a bug is not retried for 40 minutes first"
    )

    page = jobs_page(relay_server, id_token(installed_shop))
    assert page.status_code == 200
    assert 'id="failed-jobs"' in page.text
    assert f'data-job-id="{job_id}"' in page.text
    assert "Process a webhook from Shopify" in page.text
    assert "KeyError: &#39;admin_graphql_api_id&#39;" in page.text
    assert "UTC" in page.text and "Retry" in page.text
    newest, older = (
        page.text.index(f'data-job-id="{job_id}"'),
        page.text.index(f'data-job-id="webhook-{earlier.id}"'),
    )
    assert newest < older, "newest failure first"

    document = httpx.get(
        f"{relay_server.url}/jobs",
        params={"embedded": "1", "shop": installed_shop, "id_token": id_token(installed_shop)},
    )
    assert document.status_code == 200 and f'data-job-id="{job_id}"' in document.text
    assert 'aria-current="page">Jobs</a>' in document.text, "reachable from the app's nav"


def test_retry_requeues_the_job_once_and_a_repeat_changes_nothing(
    ctx, app, relay_server, installed_shop, id_token, drain
):
    receipt = deliver_unprocessable_order(relay_server, installed_shop)
    drain()
    job_id = f"webhook-{receipt.id}"

    first = retry(relay_server, id_token(installed_shop), job_id)
    assert first.status_code == 200 and "back in the queue" in first.text
    assert failed_ids(app) == [] and queued_ids(app) == [job_id]

    again = retry(relay_server, id_token(installed_shop), job_id)
    assert again.status_code == 200 and "already retried" in again.text
    assert queued_ids(app) == [job_id], "the second Retry did not enqueue it twice"

    # The cause is fixed (here: the payload), and the retried job now goes through.
    receipt.payload = example("orders/create")
    db.session.commit()
    drain()
    db.session.expire_all()
    assert db.session.get(WebhookReceipt, receipt.id).processed_at is not None
    assert "No failed jobs" in jobs_page(relay_server, id_token(installed_shop)).text


def test_another_shop_neither_sees_nor_retries_this_shops_failed_jobs(
    ctx, app, relay_server, installed_shop, make_shop, oauth_install, id_token, drain
):
    receipt = deliver_unprocessable_order(relay_server, installed_shop)
    other = make_shop("other")
    oauth_install(other)
    drain()
    job_id = f"webhook-{receipt.id}"

    page = jobs_page(relay_server, id_token(other))
    assert page.status_code == 200 and job_id not in page.text and "No failed jobs" in page.text

    refused = retry(relay_server, id_token(other), job_id)
    assert refused.status_code == 404 and "No such failed job" in refused.text
    assert failed_ids(app) == [job_id] and queued_ids(app) == []


def test_the_jobs_page_needs_a_valid_session(relay_server, installed_shop, id_token):
    assert httpx.get(f"{relay_server.url}/jobs").status_code == 401
    assert retry(relay_server, id_token(installed_shop, aud="another-app"), "x").status_code == 401
