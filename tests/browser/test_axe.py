"""axe-core (every WCAG 2.0, 2.1 and 2.2 level A and AA rule) on every page of Relay, in
English, French and Hungarian: the merchant's pages inside devstore's admin (the grid with
rows, with the drawer open and with a bulk summary, suppliers, settings, jobs, mail log,
notifications, balances, payments and checkout, an order's own page) and the supplier portal
(orders, an order with its messages, notifications, settings, payment setup, an expired link,
"send me my link"). Not one violation anywhere."""

from sqlalchemy import select

from domain.models.orders import Supplier, SupplierOrder
from extensions import db
from tests.browser.axe import TAGS, describe, rules_checked, run_axe
from tests.browser.test_languages_ui import varied_statuses
from tests.conftest import API_KEY
from tests.integration.test_grid import grid_shop

LANGUAGES = ("en", "fr", "hu")


def app_frame(page, ready: str):
    """Relay's document inside the admin, once `ready` (a selector) is in it."""
    page.frame_locator("#app-iframe").locator(ready).first.wait_for(timeout=15000)
    frame = page.frame(name="app-iframe")
    frame.wait_for_load_state("load")
    return frame


def merchant_pages(page, admin: str, found: dict, lang: str, paths: list[tuple[str, str]]):
    for name, path in paths:
        page.goto(f"{admin}?locale={lang}&path={path}")
        found[f"{name} [{lang}]"] = run_axe(app_frame(page, "main h1, main h2"))


def grid_states(page, admin: str, found: dict, lang: str) -> None:
    """The grid with its rows, then with an order's drawer open, then after a bulk Hold on a
    mixed selection (one summary: held, and skipped grouped by reason)."""
    page.goto(f"{admin}?locale={lang}")
    frame = app_frame(page, "#orders-grid tbody tr")
    found[f"orders grid [{lang}]"] = run_axe(frame)
    rows = frame.locator("#orders-grid tbody tr")
    widest = max(range(rows.count()), key=lambda i: rows.nth(i).locator(".split").count())
    rows.nth(widest).locator("a.order-link").click()
    frame.locator("#order-drawer .timeline li").first.wait_for(timeout=10000)
    found[f"order drawer [{lang}]"] = run_axe(frame)
    frame.locator("#drawer [data-close-drawer]").click()
    frame.wait_for_function("() => document.getElementById('drawer').children.length === 0")
    for i in range(4):
        rows.nth(i).locator("input[name=order]").check()
    frame.locator("#bulk-form select[name=action]").select_option("hold")
    frame.locator("#bulk-form button[type=submit]").click()
    frame.locator("#bulk-summary").wait_for(timeout=10000)
    found[f"bulk summary [{lang}]"] = run_axe(frame)


def portal_pages(browser, base: str, found: dict, lang: str, sent: SupplierOrder) -> None:
    context = browser.new_context(locale=lang, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for name, path in [
        ("portal orders", ""),
        ("portal link expired", "../not-a-valid-link/"),
        ("portal send my link", "../send-my-link"),
        ("portal order and messages", f"orders/{sent.id}"),
        ("portal notifications", "notifications"),
        ("portal settings", "settings"),
        ("portal payment setup", "payments"),
    ]:
        page.goto(f"{base}{path}")
        page.locator("h1").first.wait_for(timeout=15000)
        found[f"{name} [{lang}]"] = run_axe(page)
    context.close()


def test_every_page_has_no_wcag_a_or_aa_violation_in_three_languages(
    ctx, browser, devstore, relay_server, make_shop, oauth_install, drain
):
    from domain.suppliers import portal

    domain = grid_shop(devstore, make_shop, oauth_install, drain, orders=14, prefix="axe")
    varied_statuses(domain)
    mug = db.session.scalar(select(Supplier).where(Supplier.name == "Mug Co"))
    sent = db.session.scalar(
        select(SupplierOrder)
        .where(SupplierOrder.supplier_id == mug.id, SupplierOrder.status == "requested")
        .order_by(SupplierOrder.id)
    )
    ready = db.session.scalars(
        select(SupplierOrder.id).where(
            SupplierOrder.supplier_id == mug.id, SupplierOrder.status == "ready"
        )
    ).all()
    assert sent is not None and ready, "the shop has a requested and a ready Mug Co order"
    paths = [
        ("order page", f"orders/{sent.order_id}"),
        ("suppliers", "suppliers"),
        ("supplier", f"suppliers/{mug.id}"),
        ("supplier edit", f"suppliers/{mug.id}/edit"),
        ("supplier new", "suppliers/new"),
        ("settings", "settings"),
        ("payment methods", "payments/methods"),
        ("jobs", "jobs"),
        ("mail log", "mail"),
        ("notifications", "notifications"),
        ("balances", "balances"),
        ("payments", "payments"),
        ("checkout", "payments/checkout?" + "&".join(f"so={i}" for i in ready)),
        ("reconciliation", f"payments/suppliers/{mug.id}/reconciliation"),
    ]
    admin = f"{devstore.url}/store/{domain}/admin/apps/{API_KEY}"
    portal_base = f"{relay_server.url}/portal/{portal.link_token(mug)}/"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    found: dict[str, list[dict]] = {}
    for lang in LANGUAGES:
        grid_states(page, admin, found, lang)
        merchant_pages(page, admin, found, lang, paths)
        portal_pages(browser, portal_base, found, lang, sent)

    rules = rules_checked(page.frame(name="app-iframe"))
    print(f"axe-core: {len(rules)} rules ({', '.join(TAGS)}) on {len(found)} pages")
    assert len(found) == 3 * (3 + len(paths) + 7)
    assert len(rules) > 50, rules
    failing = {where: v for where, v in found.items() if v}
    assert not failing, f"axe violations:\n{describe(failing)}"
