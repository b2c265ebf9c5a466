"""App Bridge's title bar and save bar in devstore's admin, drawn outside the app's iframe as
Shopify's admin draws them: each page's title (in the admin's language) and primary action in
the admin's title bar, the action clicked from there doing what the app's button does; the
save bar on a changed settings form, Discard restoring it, Save persisting it, and leaving
with unsaved changes asked about first."""

import pytest
from sqlalchemy import select

from domain.models.orders import Supplier
from domain.models.shop import Shop
from domain.shop.settings import settings_of
from extensions import db
from tests.browser.support import ARTIFACTS
from tests.conftest import API_KEY
from tests.integration.test_grid import add_suppliers

WORDS = {
    "en": {"suppliers": "Suppliers", "add": "Add supplier", "edit": "Edit supplier",
           "unsaved": "Unsaved changes", "name": "Name"},
    "fr": {"suppliers": "Fournisseurs", "add": "Ajouter un fournisseur",
           "edit": "Modifier le fournisseur", "unsaved": "Modifications non enregistrées",
           "name": "Nom"},
    "hu": {"suppliers": "Beszállítók", "add": "Beszállító hozzáadása",
           "edit": "Beszállító szerkesztése", "unsaved": "Nem mentett módosítások",
           "name": "Név"},
}  # fmt: skip


def open_admin(browser, devstore, shop: str, path: str, locale: str = "en"):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{devstore.url}/store/{shop}/admin/apps/{API_KEY}/{path}?locale={locale}")
    return page, page.frame_locator("#app-iframe")


@pytest.mark.parametrize("locale", ["en", "fr", "hu"])
def test_the_page_title_and_primary_action_are_in_the_admins_title_bar(
    ctx, browser, devstore, relay_server, installed_shop, locale
):
    words = WORDS[locale]
    suppliers = add_suppliers(installed_shop)
    page, frame = open_admin(browser, devstore, installed_shop, "suppliers", locale)
    frame.locator("#suppliers-overview").wait_for(timeout=15000)
    actions = page.locator("#app-title-actions button")
    page.wait_for_function(
        "t => document.getElementById('app-title').textContent === t", arg=words["suppliers"]
    )
    assert actions.all_inner_texts() == [words["add"]]
    assert actions.first.get_attribute("class") == "primary"
    # Drawn once: the in-app heading is for screen readers only, the in-app button is hidden.
    assert not frame.locator("#add-supplier").is_visible()
    assert frame.locator("h1").first.bounding_box()["height"] <= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"title-bar-suppliers-{locale}.png"))

    # The primary action, clicked in the admin, does what the app's own button does.
    actions.first.click()
    frame.locator("#supplier-form").wait_for(timeout=10000)
    page.wait_for_function(
        "t => document.getElementById('app-title').textContent === t", arg=words["add"]
    )
    assert page.locator("#app-breadcrumb a").inner_text() == words["suppliers"] + " ›"
    assert page.locator("#app-title-actions button").count() == 0

    # A supplier's page: its name as the title, "Edit supplier" a secondary action.
    lamps = suppliers["Lamp Works"]
    page.locator("#app-breadcrumb a").click()
    frame.locator("#suppliers-overview").wait_for(timeout=10000)
    frame.locator(f"a[href*='/suppliers/{lamps.id}']").first.click()
    page.wait_for_function("document.getElementById('app-title').textContent === 'Lamp Works'")
    edit = page.locator("#app-title-actions button")
    assert edit.all_inner_texts() == [words["edit"]] and edit.get_attribute("class") != "primary"
    page.screenshot(path=str(ARTIFACTS / f"title-bar-supplier-{locale}.png"))
    edit.click()
    frame.locator("#supplier-form").wait_for(timeout=10000)
    page.wait_for_function(
        "t => document.getElementById('app-title').textContent === t", arg=words["edit"]
    )

    # The supplier form's save bar speaks the admin's language too.
    frame.locator("#supplier-form").get_by_label(words["name"], exact=True).fill("Lamp Works Ltd")
    save_bar = page.locator("#save-bar")
    save_bar.wait_for(state="visible", timeout=5000)
    assert page.locator("#save-bar-message").inner_text() == words["unsaved"]
    page.screenshot(path=str(ARTIFACTS / f"save-bar-supplier-{locale}.png"))
    page.locator("#save-bar-save").click()
    frame.locator(".banner.success").wait_for(timeout=10000)
    save_bar.wait_for(state="hidden", timeout=5000)
    db.session.expire_all()
    assert db.session.get(Supplier, lamps.id).name == "Lamp Works Ltd"


def test_the_save_bar_shows_on_change_discard_restores_and_save_persists(
    ctx, browser, devstore, relay_server, installed_shop
):
    page, frame = open_admin(browser, devstore, installed_shop, "settings")
    form = frame.locator("#settings-form")
    form.wait_for(timeout=15000)
    page.wait_for_function("document.getElementById('app-title').textContent === 'Settings'")
    save_bar = page.locator("#save-bar")
    assert save_bar.is_hidden()
    hold = form.get_by_label("Hold window")
    assert hold.input_value() == "2"

    hold.fill("7")
    save_bar.wait_for(state="visible", timeout=5000)
    assert page.locator("#save-bar-message").inner_text() == "Unsaved changes"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "save-bar-settings.png"))
    page.locator("#save-bar-discard").click()
    save_bar.wait_for(state="hidden", timeout=5000)
    assert hold.input_value() == "2"

    # Changing a box and back again is no change: the bar goes away by itself.
    paid_only = form.locator("input[name=paid_only]")
    paid_only.click()
    save_bar.wait_for(state="visible", timeout=5000)
    paid_only.click()
    save_bar.wait_for(state="hidden", timeout=5000)

    # Leaving with unsaved changes asks first; Stay keeps the page and the change.
    hold.fill("9")
    save_bar.wait_for(state="visible", timeout=5000)
    page.locator("#app-nav-menu").get_by_role("link", name="Orders").click()
    dialog = page.locator("#leave-dialog")
    dialog.wait_for(state="visible", timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "save-bar-leave.png"))
    page.locator("#leave-stay").click()
    dialog.wait_for(state="hidden", timeout=5000)
    assert hold.input_value() == "9" and save_bar.is_visible()

    page.locator("#save-bar-save").click()
    form.locator(".banner.success").wait_for(timeout=10000)
    save_bar.wait_for(state="hidden", timeout=5000)
    db.session.expire_all()
    shop = db.session.scalar(select(Shop).where(Shop.domain == installed_shop))
    assert settings_of(shop).hold_minutes == 9
    page.reload()
    frame.locator("#settings-form").get_by_label("Hold window").wait_for(timeout=15000)
    assert frame.locator("#settings-form").get_by_label("Hold window").input_value() == "9"

    # Leave page: the change is dropped and the admin goes where it was asked to.
    frame.locator("#settings-form").get_by_label("Hold window").fill("11")
    save_bar.wait_for(state="visible", timeout=5000)
    page.locator("#app-nav-menu").get_by_role("link", name="Orders").click()
    page.locator("#leave-go").click()
    frame.locator("#orders-grid").wait_for(timeout=15000)
    assert save_bar.is_hidden()
    db.session.expire_all()
    assert settings_of(db.session.get(Shop, shop.id)).hold_minutes == 9
