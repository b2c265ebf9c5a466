"""The merchant's bell and notifications inside the admin, in English, French and Hungarian:
a new notification shows on the bell without a reload (its htmx poll), "Mark all as read"
clears it; the Settings' Notifications section and the Mail log fit in every language
(screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.models.notices import OutboundMail
from domain.models.shop import Shop
from domain.notices import board, mail, recipients
from domain.orders.timeline import N_
from domain.transaction import atomic
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.browser.test_languages_ui import OVERFLOWS
from tests.conftest import API_KEY


def _post(shop: Shop, n: int) -> None:
    with atomic():
        board.post(
            shop.id,
            recipient=recipients.MERCHANT,
            event_key=f"browser-{n}",
            kind="declined",
            message=N_("%(supplier)s declined order %(order)s: %(reason)s"),
            params={"supplier": "Atelier Nord", "order": f"#10{n:02d}", "reason": "Out of stock"},
        )


@pytest.mark.parametrize(
    ("locale", "mark_all", "settings_text"),
    [
        ("en", "Mark all as read", "Send emails to"),
        ("fr", "Tout marquer comme lu", "Envoyer les e-mails à"),
        ("hu", "Összes megjelölése olvasottként", "E-mailek címzettje"),
    ],
)
def test_the_bell_counts_new_notifications_without_a_reload_and_mark_all_clears_it(
    ctx, browser, devstore, relay_server, installed_shop, locale, mark_all, settings_text
):
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    shop.contact_email = None
    db.session.commit()
    _post(shop, 1)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    admin = f"{devstore.url}/store/{installed_shop}/admin/apps/{API_KEY}"
    page.goto(f"{admin}?path=notifications&locale={locale}")
    frame = page.frame_locator("#app-iframe")
    bell = frame.locator("#notification-bell")
    bell.wait_for(timeout=15000)
    assert bell.get_attribute("data-unread") == "1"

    _post(shop, 2)  # while the page stays open: the bell's poll brings the new count
    frame.locator('#notification-bell[data-unread="2"]').wait_for(timeout=15000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"notifications-{locale}.png"))
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []

    frame.get_by_role("button", name=mark_all).click()
    frame.locator('#notification-bell[data-unread="0"]').wait_for(timeout=15000)
    assert frame.locator(".notification.unread").count() == 0

    page.goto(f"{admin}?path=settings&locale={locale}")
    section = frame.locator("#notification-settings")
    section.wait_for(timeout=15000)
    assert settings_text in section.inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"settings-notifications-{locale}.png"))
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []

    shop.contact_email = "owner@merchant.test"
    db.session.commit()
    queued = mail.send_test(shop, recipients.merchant(shop))
    with atomic():
        row = db.session.get(OutboundMail, queued.id)
        row.status, row.attempts = "failed", 1
        row.last_error = "550 5.1.1 <owner@merchant.test>: mailbox unavailable"
    page.goto(f"{admin}?path=mail&locale={locale}")
    log = frame.locator("#mail-log")
    log.wait_for(timeout=15000)
    assert "mailbox unavailable" in log.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"mail-log-{locale}.png"))
    assert page.frame(name="app-iframe").evaluate(OVERFLOWS) == []


def test_the_portal_home_shows_the_suppliers_bell_and_latest_notifications(
    ctx, browser, relay_server, installed_shop
):
    """A supplier's portal home: its bell counts its unread entries, the Notifications panel
    lists the latest, and "Mark all as read" on its list clears the bell without a reload."""
    from domain.models.orders import Supplier
    from domain.suppliers import portal

    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    supplier = Supplier(shop_id=shop.id, name="Atelier Nord", channel="portal", currency="EUR")
    db.session.add(supplier)
    db.session.commit()
    with atomic():
        board.post(
            shop.id,
            recipient=recipients.board_key(supplier),
            event_key="portal-1",
            kind="declined",
            message=N_("%(supplier)s declined order %(order)s: %(reason)s"),
            params={"supplier": "Atelier Nord", "order": "#1001", "reason": "Out of stock"},
        )
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page.goto(f"{relay_server.url}/portal/{portal.link_token(supplier)}/")
    page.locator('#notification-bell[data-unread="1"]').wait_for(timeout=15000)
    assert "#1001" in page.locator("#home-notifications").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portal-notifications-fr.png"))
    page.locator("#notification-bell").click()
    page.get_by_role("button", name="Tout marquer comme lu").click()
    page.locator('#notification-bell[data-unread="0"]').wait_for(timeout=15000)
