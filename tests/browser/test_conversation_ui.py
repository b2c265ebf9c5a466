"""The conversation in a real browser, in English, French and Hungarian: the drawer's thread
with a supplier and its note to the customer (inside devstore's admin iframe), and the portal
order page's thread and note form. A message is posted through each form (htmx swaps the
thread); the labels fit their boxes; screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain.models.notices import CustomerNote, OrderMessage
from domain.notices import conversation, customer_notes
from domain.suppliers import portal
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_languages_ui import OVERFLOWS
from tests.conftest import API_KEY
from tests.integration.test_portal import (  # noqa: F401  (retailer: a fixture)
    MUG,
    add_portal_supplier,
    retailer,
    sent_to_supplier,
    shop_row,
)

DRAWER_MESSAGE = {
    "en": "Can you ship today?",
    "fr": "Pouvez-vous expédier aujourd’hui ?",
    "hu": "Ma el tudja küldeni?",
}
PORTAL_MESSAGE = {
    "en": "Yes, this afternoon.\nTracking follows.",
    "fr": "Oui, cet après-midi.\nLe suivi suit.",
    "hu": "Igen, ma délután.\nA követés jön.",
}
SEND = {"en": "Send message", "fr": "Envoyer le message", "hu": "Üzenet küldése"}


def messages() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OrderMessage))


@pytest.mark.parametrize("locale", ["en", "fr", "hu"])
def test_drawer_and_portal_threads_post_and_fit(
    ctx,
    browser,
    devstore,
    relay_server,
    retailer,  # noqa: F811
    drain,
    locale,
):
    shop = shop_row(retailer)
    shop.contact_email = "owner@store.example"
    db.session.commit()
    supplier = add_portal_supplier(retailer, "Mugworks", (MUG,))
    supplier.contact_email, supplier.language = "orders@mugworks.example", locale
    db.session.commit()
    so = sent_to_supplier(devstore, retailer, {MUG: 1}, drain)
    conversation.send_message(shop, so, "supplier", "<b>Out of stock</b> until Friday?\nSorry.")
    customer_notes.write_note(shop, so.order, "Your mug ships Monday.")
    drain()

    # The merchant's drawer, in the admin iframe.
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(
        f"{devstore.url}/store/{retailer}/admin/apps/{API_KEY}?locale={locale}"
        f"&path=/orders/{so.order_id}"
    )
    frame = page.frame_locator("#app-iframe")
    thread = frame.locator(f"#messages-{so.id}")
    thread.wait_for(timeout=15000)
    assert "<b>Out of stock</b>" in thread.locator(".message-body").first.inner_text()
    thread.locator("textarea").fill(DRAWER_MESSAGE[locale])
    thread.locator("button[type=submit]").click()
    frame.locator(f"#messages-{so.id} [data-message]").nth(1).wait_for(timeout=10000)
    assert messages() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    thread = frame.locator(f"#messages-{so.id}")
    thread.scroll_into_view_if_needed()
    thread.screenshot(path=str(ARTIFACTS / f"drawer-thread-{locale}.png"))
    note = frame.locator(f"#customer-note-{so.order_id}")
    note.screenshot(path=str(ARTIFACTS / f"drawer-customer-note-{locale}.png"))
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []

    # The supplier's portal order page, in its browser's language.
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    supplier_page = context.new_page()
    supplier_page.goto(f"{relay_server.url}/portal/{portal.link_token(supplier)}/orders/{so.id}")
    supplier_page.locator("#messages textarea").fill(PORTAL_MESSAGE[locale])
    supplier_page.get_by_role("button", name=SEND[locale]).click()
    supplier_page.locator("#messages [data-message]").nth(2).wait_for(timeout=10000)
    assert messages() == 3
    body = supplier_page.locator("#messages .message-body").nth(2)
    assert body.inner_text() == PORTAL_MESSAGE[locale]  # the line break kept
    assert supplier_page.locator("#customer-note [data-customer-sees]").is_visible()
    supplier_page.screenshot(
        path=str(ARTIFACTS / f"portal-conversation-{locale}.png"), full_page=True
    )
    assert supplier_page.evaluate(OVERFLOWS) == []
    assert db.session.scalar(select(func.count()).select_from(CustomerNote)) == 1
    context.close()
