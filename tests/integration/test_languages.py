"""Relay speaks the admin's language: the `locale` Shopify appends to the app URL (and app.js
forwards on htmx requests as X-Relay-Locale) picks French or Hungarian for the grid, the
drawer, supplier and settings pages; the supplier portal follows the browser's
Accept-Language. Money and dates are formatted for that locale; anything else is English."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from babel.dates import format_datetime, get_timezone
from sqlalchemy import select

from domain.fulfillment import requesting as requests
from domain.models.orders import Order
from extensions import db
from tests.integration.merchant_pages import Merchant
from tests.integration.test_portal import (  # noqa: F401  (retailer is a fixture)
    MUG,
    Portal,
    add_portal_supplier,
    refreshed,
    retailer,
)
from tests.integration.test_webhooks import wait_for


def plain(text: str) -> str:
    """CLDR separates thousands and currency with no-break spaces: compare them as spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def scene(ctx, relay_server, retailer, devstore, drain, id_token):  # noqa: F811
    """A 1,234.50 EUR order sent to a portal supplier (cost 7.50 EUR per mug)."""
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    placed = devstore.control.post(
        f"/_devstore/shops/{retailer}/orders",
        json={
            "line_items": [{"sku": MUG, "quantity": 1, "price": "1234.50"}],
            "currency": "EUR",
            "financial_status": "paid",
        },
    )
    placed.raise_for_status()
    gid = f"gid://shopify/Order/{placed.json()['id']}"

    def synced() -> bool:
        drain()
        db.session.expire_all()
        return db.session.scalar(select(Order).where(Order.shopify_gid == gid)) is not None

    wait_for(synced, timeout=15)
    order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
    assert order.total == Decimal("1234.50") and order.currency == "EUR"
    supplier_order = order.supplier_orders[0]
    assert requests.request_fulfillment([supplier_order], actor="merchant").done == 1
    db.session.commit()
    drain()
    assert refreshed(supplier_order.id).status == "requested"
    return {
        "merchant": Merchant(relay_server.url, retailer, id_token),
        "portal": Portal(relay_server, supplier),
        "order": order,
        "supplier_id": supplier.id,
        "supplier_order_id": supplier_order.id,
    }


def drawer(scene, locale: str) -> str:
    """The drawer as app.js asks for it: htmx, with the admin's locale in X-Relay-Locale."""
    merchant = scene["merchant"]
    response = httpx.get(
        f"{merchant.url}/orders/{scene['order'].id}",
        headers={
            "Authorization": f"Bearer {merchant.mint(merchant.domain)}",
            "HX-Request": "true",
            "X-Relay-Locale": locale,
        },
        timeout=30,
    )
    assert response.status_code == 200
    return plain(response.text)


PAGES = {
    # locale: what the grid, drawer, supplier page, settings and portal must say
    "fr": {
        "grid": [
            '<html lang="fr">',
            "Commandes",
            "Statut boutique",
            "Envoyé au fournisseur",
            "Commande, client, e-mail ou SKU",
            "1 234,50 €",
        ],
        "drawer": [
            "Fournisseurs",
            "Chronologie",
            "Remboursements",
            "Livrer à",
            "Traitement demandé à Atelier Nord",
            "1 234,50 €",
            "Client : payé",
        ],
        "supplier": [
            "Associations de SKU",
            "SKU fournisseur",
            "Lien du portail fournisseur",
            "7,50 €",
        ],
        "settings": [
            "Paramètres",
            "Délai de blocage",
            "Synchroniser uniquement les commandes payées",
            "Enregistrer",
        ],
        "portal": [
            '<html lang="fr">',
            "Portail fournisseur",
            "Nouveau",
            "Accepter",
            "À expédier",
            "Bordereau d'expédition",
        ],
        "portal_order": [
            "Nouvelle commande : pouvez-vous l'expédier ?",
            "Accepter la commande",
            "Rupture de stock",
            "Livrer à",
        ],
    },
    "hu": {
        "grid": [
            '<html lang="hu">',
            "Rendelések",
            "Áruházi állapot",
            "Beszállítóhoz küldve",
            "Rendelés, vásárló, e-mail vagy SKU",
            "1 234,50 EUR",
        ],
        "drawer": [
            "Beszállítók",
            "Idővonal",
            "Visszatérítések",
            "Szállítási cím",
            "Teljesítés kérve a beszállítótól (Atelier Nord)",
            "1 234,50 EUR",
            "Vevő: fizetve",
        ],
        "supplier": [
            "SKU-hozzárendelések",
            "Beszállítói SKU",
            "Beszállítói portál linkje",
            "7,50 EUR",
        ],
        "settings": [
            "Beállítások",
            "Visszatartási idő",
            "Csak a kifizetett rendelések szinkronizálása",
            "Mentés",
        ],
        "portal": [
            '<html lang="hu">',
            "Beszállítói portál",
            "Új",
            "Elfogadás",
            "Kiszállítandó",
            "Szállítólevél",
        ],
        "portal_order": [
            "Új rendelés: ki tudja szállítani?",
            "Rendelés elfogadása",
            "Nincs készleten",
            "Szállítási cím",
        ],
    },
    "en": {
        "grid": [
            '<html lang="en">',
            "Orders",
            "Store status",
            "Sent to supplier",
            "Search order, customer, email or SKU",
            "€1,234.50",
        ],
        "drawer": [
            "Suppliers",
            "Timeline",
            "Refunds",
            "Ship to",
            "Fulfillment requested from Atelier Nord",
            "€1,234.50",
            "Customer: paid",
        ],
        "supplier": ["SKU mappings", "Supplier SKU", "Supplier portal link", "€7.50"],
        "settings": ["Settings", "Hold window", "Only sync paid orders", "Save"],
        "portal": [
            '<html lang="en">',
            "Supplier portal",
            "New",
            "Accept",
            "To ship",
            "Packing slip",
        ],
        "portal_order": ["New order: can you ship it?", "Accept order", "Out of stock", "Ship to"],
    },
}


def pages(scene, *, locale: str | None, accept_language: str | None) -> dict[str, str]:
    merchant, portal = scene["merchant"], scene["portal"]
    params = {"locale": locale} if locale else {}
    headers = {"Accept-Language": accept_language} if accept_language else {}
    texts = {
        "grid": merchant.get("/orders", **params).text,
        "drawer": drawer(scene, locale) if locale else None,
        "supplier": merchant.get(f"/suppliers/{scene['supplier_id']}", **params).text,
        "settings": merchant.get("/settings", **params).text,
        "portal": portal.get("", headers=headers).text,
        "portal_order": portal.get(f"orders/{scene['supplier_order_id']}", headers=headers).text,
    }
    if texts["drawer"] is None:
        texts["drawer"] = merchant.get(f"/orders/{scene['order'].id}", htmx=True).text
    return {name: plain(text) for name, text in texts.items()}


def assert_speaks(texts: dict[str, str], language: str) -> None:
    for page, expected in PAGES[language].items():
        for phrase in expected:
            assert phrase in texts[page], f"{page} ({language}) lacks {phrase!r}"


@pytest.mark.parametrize(
    ("locale", "accept_language"), [("fr", "fr-FR,fr;q=0.9,en;q=0.5"), ("hu", "hu-HU,hu;q=0.9")]
)
def test_merchant_pages_follow_the_admins_locale_and_the_portal_the_browsers_language(
    scene, locale, accept_language
):
    texts = pages(scene, locale=locale, accept_language=accept_language)
    assert_speaks(texts, locale)
    # Dates in the locale's words too (the drawer's order date, CLDR medium format).
    created = format_datetime(
        scene["order"].created_at, "medium", tzinfo=get_timezone("UTC"), locale=locale
    )
    assert plain(created) in texts["drawer"]
    # Nothing English left on the main labels.
    for english in ("Store status", "Timeline", "SKU mappings", "Hold window", "Accept order"):
        assert all(english not in text for text in texts.values())


def test_a_regional_locale_uses_its_language(scene):
    texts = pages(scene, locale="fr-CA", accept_language="fr-CA")
    assert "Statut boutique" in texts["grid"] and "Chronologie" in texts["drawer"]
    assert "1 234,50 €" in texts["grid"]  # fr-CA's own money format
    assert "Portail fournisseur" in texts["portal"]


def test_english_by_default_and_for_a_language_relay_does_not_speak(scene):
    assert_speaks(pages(scene, locale=None, accept_language=None), "en")
    german = pages(scene, locale="de", accept_language="de-DE,de;q=0.9")
    for page in ("grid", "drawer", "supplier", "settings", "portal", "portal_order"):
        for phrase in PAGES["en"][page]:
            if "€" in phrase or "lang=" in phrase:
                continue  # money follows the admin's locale even where the words are English
            assert phrase in german[page], f"{page} (de) lacks {phrase!r}"
    assert '<html lang="en">' in german["grid"] and '<html lang="en">' in german["portal"]
