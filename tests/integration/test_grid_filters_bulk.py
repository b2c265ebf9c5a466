"""The grid's filters, bulk results, strip and sort (issue 17): a status chosen on the dashboard
strip shows in the filter form's status select (swapped out of band) and the form's next change
or search keeps it and the sort; a bulk action answers with one compact summary grouped by
reason; Request fulfillment and Pay now refuse a selection spanning suppliers by name while
Hold spans them; Total sorts by the shop-currency amount; each status has its own colour on
the strip, its legend and the grid's badges."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from domain import states
from domain.clock import utcnow
from domain.models.orders import Order, SupplierOrder
from extensions import db
from tests.integration.test_fulfillment_ui import post
from tests.integration.test_grid import grid_request, grid_shop, shop_row

ROW = re.compile(r'<tr id="order-row-(\d+)".*?</tr>', re.S)


class FormValues(HTMLParser):
    """What the browser sends for the form #grid-filters: its inputs and selected options,
    with the out-of-band #grid-state swapped in first (as htmx does)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "grid-filters":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None


def form_values(page: str, swap: str | None = None) -> dict[str, str]:
    if swap is not None:
        state = re.search(r'<span id="grid-state" hx-swap-oob="true">.*?</span>', swap, re.S)
        assert state, "the grid swap carries the filter form's state out of band"
        page = re.sub(
            r'<span id="grid-state">.*?</span>',
            state.group(0).replace(' hx-swap-oob="true"', ""),
            page,
            flags=re.S,
        )
    parser = FormValues()
    parser.feed(page)
    return {k: v for k, v in parser.values.items() if v}


def rows(html: str) -> list[str]:
    return [m.group(0) for m in ROW.finditer(html)]


def statuses_in(html: str) -> set[str]:
    return set(re.findall(r'<span class="badge \w+" data-status="(\w+)"', html))


@pytest.fixture
def shop(ctx, devstore, make_shop, oauth_install, drain):
    return grid_shop(devstore, make_shop, oauth_install, drain, orders=5, prefix="gridfix")


def test_a_strip_status_shows_in_the_select_and_survives_a_search_with_the_sort(
    ctx, app, shop, id_token
):
    """The strip's link for "Ready to request" (an htmx grid swap) also swaps the form's status
    select to that status; the form's next request (a search typed after sorting by Total)
    still filters on it and keeps the sort."""
    token = id_token(shop)
    page, _ = grid_request(app, token, htmx=False)
    link = re.search(r'<li data-status="ready"><a href="\?([^"]*)"', page.text).group(1)
    assert link.startswith("status=ready&")
    swap, _ = grid_request(app, token, htmx=True, status="ready", sort="total", dir="asc")
    assert all("ready" in statuses_in(row) for row in rows(swap.text))
    sent = form_values(page.text, swap=swap.text)
    assert {k: sent[k] for k in ("status", "sort", "dir")} == {
        "status": "ready",
        "sort": "total",
        "dir": "asc",
    }
    searched, _ = grid_request(app, token, htmx=True, **{**sent, "q": "example.com"})
    assert rows(searched.text), "the search matches"
    assert all("ready" in statuses_in(row) for row in rows(searched.text)), "it kept the status"
    assert len(rows(searched.text)) < len(rows(page.text)), "which filters some orders out"
    total_header = re.search(r'<th class="num"([^>]*)>', searched.text).group(1)
    assert 'aria-sort="ascending"' in total_header, "and the sort"
    full, _ = grid_request(app, token, htmx=False, status="ready")
    assert re.search(r'<option value="ready" selected>', full.text)


def test_bulk_hold_spans_suppliers_and_answers_with_one_summary_grouped_by_reason(
    ctx, relay_server, shop, id_token
):
    """Hold over every order (three suppliers, no supplier filter) holds each ready part and
    answers with one summary: "n orders updated, m skipped.", then one <details> per reason
    listing its orders; no banner per row, and the toast has no dangling colon."""
    shop_id = shop_row(shop).id
    parts = db.session.scalars(select(SupplierOrder).where(SupplierOrder.shop_id == shop_id)).all()
    ready = [so for so in parts if so.status == "ready"]
    skipped = [so for so in parts if so.status != "ready"]
    assert len({so.supplier_id for so in ready}) == 3 and skipped
    order_ids = sorted({so.order_id for so in parts})
    response = post(
        relay_server, "/orders/bulk", id_token(shop), {"action": "hold", "order": order_ids}
    )
    html = response.text
    assert html.count('id="bulk-summary"') == 1
    assert f"{len(ready)} orders updated, {len(skipped)} skipped." in html
    assert 'class="notice attention" role="status"' not in html, "no banner per row"
    groups = dict(
        re.findall(
            r"<details data-skip-reason>\s*<summary>(.*?) · .*?</summary>(.*?)</details>",
            html,
            re.S,
        )
    )
    by_status = {}
    for so in skipped:
        by_status.setdefault(states.STATUSES[so.status].label, set()).add(so.order.name)
    assert {r: set(re.findall(r"<li>(.*?)</li>", g)) for r, g in groups.items()} == {
        f"Not possible while “{label}”": names for label, names in by_status.items()
    }
    toast = json.loads(response.headers["HX-Trigger"])["relay:toast"]["message"]
    assert toast == f"{len(ready)} orders updated, {len(skipped)} skipped."
    db.session.expire_all()
    assert all(db.session.get(SupplierOrder, so.id).status == "on_hold" for so in ready)


@pytest.mark.parametrize("action", ["request_fulfillment", "pay_now"])
def test_request_fulfillment_and_pay_now_refuse_a_selection_spanning_suppliers_by_name(
    ctx, relay_server, shop, id_token, action
):
    """With no supplier filter, a selection holding Mug Co's and Lamp Works' parts is refused
    for Request fulfillment and Pay now, naming both; nothing changes. The grid's hint says
    which bulk actions need one supplier and which may span them."""
    shop_id = shop_row(shop).id
    parts = db.session.scalars(select(SupplierOrder).where(SupplierOrder.shop_id == shop_id)).all()
    # An order with Mug Co's and Lamp Works' parts (ORDER_CYCLE[0]), found by its parts: the
    # orders' ids follow the order their webhooks were processed in, not their creation.
    suppliers_of: dict[int, set[str]] = {}
    for so in parts:
        suppliers_of.setdefault(so.order_id, set()).add(so.supplier.name if so.supplier else "")
    first = min(o for o, names in suppliers_of.items() if {"Lamp Works", "Mug Co"} <= names)
    response = post(
        relay_server, "/orders/bulk", id_token(shop), {"action": action, "order": [first]}
    )
    label = states.ACTION_LABELS[action]
    toast = json.loads(response.headers["HX-Trigger"])["relay:toast"]
    assert toast["error"] and "Lamp Works, Mug Co" in toast["message"]
    assert f"{label} works on one supplier at a time" in response.text
    assert "parts for Lamp Works, Mug Co." in response.text
    db.session.expire_all()
    assert [db.session.get(SupplierOrder, so.id).status for so in parts] == [
        so.status for so in parts
    ]
    assert "Hold, Release hold and Mark supplier paid can span suppliers." in response.text


def test_total_sorts_by_the_shop_currency_amount_not_the_presentment_one(
    ctx, app, installed_shop, id_token
):
    """A HUF order (382 Ft, 0.97 in the shop's USD) and a EUR one (339.90 €, 369.00 USD): Total
    descending puts the EUR order first, by the shop's amounts, whatever the HUF figure."""
    shop = shop_row(installed_shop)
    now = utcnow()
    made = {}
    for name, total, currency, presentment in (
        ("#HUF", "0.97", "HUF", "382.00"),
        ("#EUR", "369.00", "EUR", "339.90"),
    ):
        order = Order(
            shop_id=shop.id,
            shopify_gid=f"gid://shopify/Order/{name[1:]}",
            name=name,
            created_at=now,
            shopify_updated_at=now,
            financial_status="paid",
            store_status="UNFULFILLED",
            currency="USD",
            total=Decimal(total),
            presentment_currency=currency,
            presentment_total=Decimal(presentment),
        )
        db.session.add(order)
        db.session.flush()
        made[name] = order.id
    db.session.commit()
    token = id_token(installed_shop)
    for direction, expected in (("desc", ["#EUR", "#HUF"]), ("asc", ["#HUF", "#EUR"])):
        response, _ = grid_request(app, token, htmx=True, sort="total", dir=direction)
        ids = [int(i) for i in ROW.findall(response.text)]
        assert ids == [made[n] for n in expected], direction
    assert "Sorted by the amount in the store’s currency" in response.text


def test_each_status_has_its_own_colour_on_the_strip_legend_and_badges(ctx, app, shop, id_token):
    """Every Relay status has a colour of its own in app.css; the strip's segment, its legend
    dot and the grid rows' badge dot of a status all carry that status's colour class."""
    css = (Path(__file__).parents[2] / "static" / "app.css").read_text()
    colours = dict(re.findall(r"\.st-(\w+) \{ --st: (#[0-9a-f]{6}); \}", css))
    assert set(colours) == set(states.STATUSES)
    assert len(set(colours.values())) == len(states.STATUSES), "no two statuses share a colour"
    page, _ = grid_request(app, id_token(shop), htmx=False)
    html = page.text
    segments = set(re.findall(r'<span class="seg \w+ st-(\w+)" data-status="\1"', html))
    legend = set(re.findall(r'<li data-status="(\w+)">.*?<span class="dot \w+ st-\1"', html, re.S))
    badges = set(re.findall(r'data-status="(\w+)"><span class="dot st-\1"', html))
    assert segments == legend and segments >= badges >= {"ready", "unassigned"}
