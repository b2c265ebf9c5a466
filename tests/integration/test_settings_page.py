"""The settings page: defaults shown, every bad field explained inline, saved per shop."""

import pytest

from domain.shop.settings import ShopSettings, settings_of
from tests.integration.merchant_pages import Merchant


@pytest.fixture
def merchant(ctx, relay_server, installed_shop, id_token):
    return Merchant(relay_server.url, installed_shop, id_token)


def test_the_page_shows_the_defaults_with_help_and_the_navigation(merchant):
    page = merchant.get("/settings")
    assert page.status_code == 200
    assert 'name="hold_minutes" type="number" value="2"' in page.text
    assert 'name="late_after_days" type="number" value="7"' in page.text
    assert 'name="auto_cancel_days" type="number" value="14"' in page.text
    assert 'type="checkbox" name="paid_only"' in page.text
    assert 'name="paid_only" checked' not in page.text
    assert "Shopify Collective waits 2 minutes" in page.text
    for link in ("/orders?", "/suppliers?", "/settings?"):
        assert f'href="{link}' in page.text
    assert 'class="app-nav-link active" aria-current="page">Settings</a>' in page.text


def test_bad_values_are_shown_beside_their_fields_and_nothing_is_saved(merchant):
    response = merchant.post(
        "/settings",
        {
            "paid_only": "on",
            "hold_minutes": "-1",
            "late_after_days": "soon",
            "auto_cancel_days": "91",
        },
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="settings-form"')
    assert "There are 3 problems with this form" in response.text
    assert 'id="f-hold_minutes-error"' in response.text and "between 0 and 1440" in response.text
    assert 'id="f-late_after_days-error"' in response.text and "whole number" in response.text
    assert 'id="f-auto_cancel_days-error"' in response.text and "between 1 and 90" in response.text
    assert 'value="soon"' in response.text  # what the merchant typed stays in the field
    assert settings_of(merchant.shop) == ShopSettings()


def test_settings_are_saved_for_this_shop_only(
    merchant, relay_server, make_shop, oauth_install, id_token
):
    other_domain = make_shop("other")
    oauth_install(other_domain)
    other = Merchant(relay_server.url, other_domain, id_token)
    response = merchant.post(
        "/settings",
        {"paid_only": "on", "hold_minutes": "5", "late_after_days": "3", "auto_cancel_days": "10"},
    )
    assert "Settings saved" in response.text
    assert settings_of(merchant.shop) == ShopSettings(True, 5, 3, 10)
    assert settings_of(other.shop) == ShopSettings()
    assert 'name="hold_minutes" type="number" value="2"' in other.get("/settings").text

    # Unticking the checkbox (absent from the post) turns paid-only sync off again.
    plain = merchant.post(
        "/settings",
        {"hold_minutes": "0", "late_after_days": "3", "auto_cancel_days": "10"},
        htmx=False,
    )
    assert plain.status_code == 200 and "Settings saved" in plain.text
    assert settings_of(merchant.shop) == ShopSettings(False, 0, 3, 10)
