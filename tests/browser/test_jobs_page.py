"""The Jobs page inside the admin, in English, French and Hungarian: a webhook set aside (bad
data from the store) is explained in the merchant's language, its labels fit, and "Try again"
puts it back to work from the page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from background import queues
from domain.models.shop import WebhookReceipt
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_languages_ui import OVERFLOWS
from tests.conftest import API_KEY
from tests.integration.test_webhooks import deliver, example


@pytest.mark.parametrize(
    ("locale", "explanation", "button"),
    [
        ("en", "Shopify sent this webhook with data Relay cannot use", "Try again"),
        ("fr", "Shopify a envoyé ce webhook avec des données", "Réessayer"),
        ("hu", "A Shopify olyan adatokkal küldte ezt a webhookot", "Újrapróbálás"),
    ],
)
def test_a_set_aside_webhook_is_explained_in_the_admins_language_and_can_be_tried_again(
    ctx, app, browser, devstore, relay_server, installed_shop, drain, locale, explanation, button
):
    broken = {k: v for k, v in example("orders/create").items() if k != "name"}
    assert deliver(relay_server, installed_shop, "orders/create", broken).status_code == 200
    drain()
    receipt = db.session.scalar(
        select(WebhookReceipt).where(WebhookReceipt.topic == "orders/create")
    )
    assert receipt.parked_at is not None
    # A week on, its failed job has expired: the page lists it under "set aside".
    registry = queues.queue(queues.PUSH).failed_job_registry
    registry.remove(f"webhook-{receipt.id}", delete_job=True)

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(
        f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}?path=jobs&locale={locale}"
    )
    frame = page.frame_locator("#app-iframe")
    row = frame.locator(f"#set-aside-{receipt.id}")
    row.wait_for(timeout=15000)
    assert explanation in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"jobs-set-aside-{locale}.png"))
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []

    # The cause is fixed in the store's data (here: the stored body), then "Try again".
    receipt.payload = json.loads(json.dumps(example("orders/create")))
    db.session.commit()
    row.get_by_role("button", name=button).click()
    frame.locator(f"#set-aside-{receipt.id}").wait_for(state="detached", timeout=15000)
    drain()
    db.session.expire_all()
    again = db.session.get(WebhookReceipt, receipt.id)
    assert again.parked_at is None and again.processed_at is not None
