"""The notification boards' pages: the merchant's bell and list in the admin, a supplier's in
the portal; mark read, mark all read; a board never reaches another shop's or supplier's."""

from __future__ import annotations

import re

import pytest

from domain.models.notices import Notification
from domain.models.orders import Supplier
from domain.notices import board, recipients
from domain.orders.timeline import N_
from domain.transaction import atomic
from extensions import db
from tests.integration.merchant_pages import Merchant
from tests.integration.test_portal import Portal


@pytest.fixture
def merchant(ctx, relay_server, installed_shop, id_token):
    return Merchant(relay_server.url, installed_shop, id_token)


def post(shop_id: int, recipient: str, key: str, **params) -> Notification:
    with atomic():
        entry = board.post(
            shop_id,
            recipient=recipient,
            event_key=key,
            kind="declined",
            message=N_("%(supplier)s declined order %(order)s: %(reason)s"),
            params={"supplier": "Atelier Nord", "order": "#1001", "reason": "Out of stock"}
            | params,
        )
    return entry


def entry(notification_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def bell_count(html: str) -> int:
    return int(re.search(r'id="notification-bell"[^>]*data-unread="(\d+)"', html).group(1))


def add_supplier(shop, name: str) -> Supplier:
    supplier = Supplier(shop_id=shop.id, name=name, channel="portal", currency="EUR")
    db.session.add(supplier)
    db.session.commit()
    return supplier


def test_the_merchants_bell_counts_unread_and_the_list_marks_read(merchant):
    """Every admin page shows the bell with the unread count; its partial (what htmx polls)
    answers the same count; the list shows entries newest first, unread ones marked, in the
    admin's language; Mark as read and Mark all as read change the count."""
    shop = merchant.shop
    first = post(shop.id, recipients.MERCHANT, "e1", order="#1001")
    second = post(shop.id, recipients.MERCHANT, "e2", order="#1002")
    orders_page = merchant.get("/orders").text
    assert bell_count(orders_page) == 2
    assert 'id="home-notifications"' in orders_page and "order #1002" in orders_page
    bell = merchant.get("/notifications/bell", htmx=True)
    assert bell.status_code == 200 and bell.text.lstrip().startswith('<a id="notification-bell"')
    # The poll's interval is BELL_POLL_SECONDS (20 s; the tests' config says 2 s).
    assert bell_count(bell.text) == 2 and 'hx-trigger="every 2s' in bell.text
    listing = merchant.get("/notifications").text
    assert listing.index("order #1002") < listing.index("order #1001"), "newest first"
    assert "Atelier Nord declined order #1002: Out of stock" in listing
    assert listing.count('class="notification kind-declined unread"') == 2

    marked = merchant.post(f"/notifications/{first.id}/read")
    assert marked.status_code == 200 and 'id="notifications-list"' in marked.text
    assert marked.headers["HX-Trigger"] == "relay-notifications", "bells ask again"
    assert entry(first.id).read_at is not None and entry(second.id).read_at is None
    assert bell_count(merchant.get("/notifications/bell", htmx=True).text) == 1

    merchant.post("/notifications/read-all")
    assert entry(second.id).read_at is not None
    assert bell_count(merchant.get("/notifications/bell", htmx=True).text) == 0
    assert 'id="home-notifications"' not in merchant.get("/orders").text, "nothing unread"
    french = merchant.get("/notifications", locale="fr").text
    assert "Atelier Nord a refusé la commande #1002\u00a0: Out of stock" in french


def test_opening_an_entry_marks_it_read_and_goes_to_its_order(merchant):
    """Clicking an entry reads it and opens its order's page (the drawer's)."""
    shop = merchant.shop
    with atomic():
        entry_row = board.post(
            shop.id,
            recipient=recipients.MERCHANT,
            event_key="attention:job:x",
            kind="attention",
            message=N_("Work Relay could not finish needs you: %(job)s"),
            params={"job": "Process a webhook from Shopify"},
        )
    opened = merchant.get(f"/notifications/{entry_row.id}/open")
    assert opened.status_code == 302 and "/jobs?" in opened.headers["Location"]
    assert entry(entry_row.id).read_at is not None
    assert "Process a webhook from Shopify" in merchant.get("/notifications").text


def test_the_list_pages_on_to_older_entries(merchant):
    """More than a page: the oldest are on the next page, reached by "Older"."""
    shop = merchant.shop
    for n in range(board.PAGE_SIZE + 2):
        post(shop.id, recipients.MERCHANT, f"page-{n}", order=f"#{2000 + n}")
    first = merchant.get("/notifications").text
    assert "#2031" in first and "#2001" not in first
    before = re.search(r'href="[^"]*before=(\d+)[^"]*" rel="next"', first).group(1)
    second = merchant.get("/notifications", before=before).text
    assert "#2001" in second and "#2000" in second and "#2031" not in second


@pytest.mark.attack
def test_another_shops_entry_is_not_found_and_untouched(
    merchant, relay_server, make_shop, oauth_install, id_token
):
    """Another shop's notification id in mark-read or open is a 404 and stays unread; mark all
    read reaches this shop's board only; a supplier's board is not the merchant's."""
    other_domain = make_shop("boards-other")
    oauth_install(other_domain)
    other = Merchant(relay_server.url, other_domain, id_token)
    theirs = post(other.shop.id, recipients.MERCHANT, "theirs")
    supplier = add_supplier(merchant.shop, "Atelier Nord")
    suppliers_entry = post(merchant.shop.id, recipients.board_key(supplier), "for-supplier")
    mine = post(merchant.shop.id, recipients.MERCHANT, "mine")

    for foreign in (theirs.id, suppliers_entry.id):
        assert merchant.post(f"/notifications/{foreign}/read").status_code == 404
        assert merchant.get(f"/notifications/{foreign}/open").status_code == 404
    assert merchant.post("/notifications/99999999999/read").status_code == 404
    merchant.post("/notifications/read-all")
    assert entry(mine.id).read_at is not None
    assert entry(theirs.id).read_at is None and entry(suppliers_entry.id).read_at is None
    assert bell_count(other.get("/notifications/bell", htmx=True).text) == 1
    assert "for-supplier" not in merchant.get("/notifications").text


@pytest.mark.attack
def test_a_supplier_sees_its_own_board_in_the_portal_only(ctx, relay_server, installed_shop):
    """The portal's bell and list show this supplier's entries; its home shows the latest;
    another supplier's or the merchant's entry is a 404 and untouched; a click opens the
    portal order page with a freshly signed link."""
    from tests.integration.test_portal import shop_row

    shop = shop_row(installed_shop)
    nord, sud = add_supplier(shop, "Atelier Nord"), add_supplier(shop, "Atelier Sud")
    mine = post(shop.id, recipients.board_key(nord), "n1", order="#3001")
    other = post(shop.id, recipients.board_key(sud), "s1", order="#3002")
    merchants = post(shop.id, recipients.MERCHANT, "m1", order="#3003")
    me = Portal(relay_server, nord)

    home = me.get("")
    assert bell_count(home.text) == 1
    assert 'id="home-notifications"' in home.text and "#3001" in home.text
    assert "#3002" not in home.text and "#3003" not in home.text
    listing = me.get("notifications")
    assert listing.status_code == 200 and "#3001" in listing.text and "#3002" not in listing.text
    bell = me.get("notifications/bell", headers={"HX-Request": "true"})
    assert bell_count(bell.text) == 1

    for foreign in (other.id, merchants.id):
        assert me.post(f"notifications/{foreign}/read", {}).status_code == 404
        assert me.get(f"notifications/{foreign}/open").status_code == 404
    me.post("notifications/read-all", {})
    assert entry(mine.id).read_at is not None
    assert entry(other.id).read_at is None and entry(merchants.id).read_at is None
    assert bell_count(me.get("").text) == 0

    fresh = post(shop.id, recipients.board_key(nord), "n2", order="#3004")
    with atomic():
        fresh.supplier_order_id = None  # an entry without an order opens the list
    htmx = me.post(f"notifications/{fresh.id}/read", {}, htmx=True)
    assert htmx.status_code == 200
    assert htmx.text.lstrip().startswith('<section id="notifications-list"')
    assert entry(fresh.id).read_at is not None
