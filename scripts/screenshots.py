"""Screenshots of Relay for the README (issue 17), taken in Debian's chromium against a running
`./scripts/dev.sh` (its ports from the same environment variables): the grid, an order's
drawer, a bulk summary, the supplier portal and the supplier's store, in English, French and
Hungarian, into docs/screenshots/<page>-<lang>.png at 1280x800 (optipng -o2 when installed).

It changes the demo: the bulk summary is a Hold on the grid's first eight rows, then Release
hold on them, and a released order goes on as Release hold sends it (an automatic supplier gets
it). Run it on a fresh demo (its own RELAY_VAR_DIR), not on one you are trying things in:

    RELAY_VAR_DIR=/tmp/relay-shots DEVSTORE_PORT=22765 RELAY_PORT=22000 ./scripts/dev.sh &
    DEVSTORE_PORT=22765 RELAY_PORT=22000 .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import demo_payments  # scripts/: run as a script, its folder is on the path
import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("en", "fr", "hu")
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BULK_ROWS = 8
RETAILER, SUPPLIER = "demo-retailer.myshopify.com", "demo-supplier.myshopify.com"


def portal_link(devstore: str, relay: str, client_id: str, retailer: str, name: str) -> str:
    """The portal link of supplier `name`, read from its page in Relay as the merchant sees it."""
    token = httpx.post(f"{devstore}/store/{retailer}/admin/apps/{client_id}/id_token").json()
    merchant = httpx.Client(
        base_url=relay, headers={"Authorization": f"Bearer {token['id_token']}"}, timeout=30
    )
    supplier_id = demo_payments.supplier_ids(merchant)[name]
    page = merchant.get(f"/suppliers/{supplier_id}").text
    link = re.search(r'id="portal-link-url"[^>]*value="([^"]+)"', page)
    if link is None:
        sys.exit(f"{name} has no portal link on its page: is the demo set up?")
    return html.unescape(link.group(1))


def app_frame(page, ready: str):
    page.frame_locator("#app-iframe").locator(ready).first.wait_for(timeout=30000)
    frame = page.frame(name="app-iframe")
    frame.wait_for_load_state("load")
    return frame


def bulk(frame, row_ids: list[str], action: str) -> None:
    for row_id in row_ids:
        frame.locator(f"#{row_id} input[name=order]").check()
    frame.locator("#bulk-form select[name=action]").select_option(action)
    frame.evaluate(
        "() => { const s = document.getElementById('bulk-summary'); if (s) s.remove(); }"
    )
    frame.locator("#bulk-form button[type=submit]").click()
    frame.locator("#bulk-summary").wait_for(timeout=30000)


def merchant_shots(page, admin: str, lang: str, shoot) -> None:
    page.goto(f"{admin}?locale={lang}")
    frame = app_frame(page, "#orders-grid tbody tr")
    shoot(page, "grid", lang)
    rows = frame.locator("#orders-grid tbody tr")
    widest = max(range(rows.count()), key=lambda i: rows.nth(i).locator(".split").count())
    rows.nth(widest).locator("a.order-link").click()
    frame.locator("#order-drawer .timeline li").first.wait_for(timeout=30000)
    shoot(page, "drawer", lang)
    page.keyboard.press("Escape")
    frame.wait_for_function("() => document.getElementById('drawer').children.length === 0")
    row_ids = [rows.nth(i).get_attribute("id") for i in range(min(BULK_ROWS, rows.count()))]
    bulk(frame, row_ids, "hold")
    details = frame.locator("#bulk-summary details")
    if details.count():
        details.first.locator("summary").click()
    shoot(page, "bulk-summary", lang)
    bulk(frame, row_ids, "release")


def portal_shots(browser, link: str, lang: str, shoot) -> None:
    context = browser.new_context(locale=lang, viewport=VIEWPORT)
    page = context.new_page()
    page.goto(link)
    page.locator("main h1").first.wait_for(timeout=30000)
    shoot(page, "portal", lang)
    orders = page.locator("a.order-link")
    if orders.count():
        orders.first.click()
        page.locator("#items").wait_for(timeout=30000)
        shoot(page, "portal-order", lang)
    context.close()


def optimise(path: Path) -> None:
    optipng = shutil.which("optipng")
    if optipng:  # our own file, a fixed command line
        subprocess.run([optipng, "-quiet", "-o2", "-strip", "all", str(path)], check=True)  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--retailer", default=os.environ.get("RETAILER", "demo-retailer.myshopify.com")
    )
    parser.add_argument(
        "--supplier", default=os.environ.get("SUPPLIER", "demo-supplier.myshopify.com")
    )
    parser.add_argument("--portal-supplier", default="Atelier Lin")
    args = parser.parse_args()
    devstore = f"http://127.0.0.1:{os.environ.get('DEVSTORE_PORT', '8765')}"
    relay = f"http://127.0.0.1:{os.environ.get('RELAY_PORT', '8000')}"
    client_id = os.environ.get("SHOPIFY_API_KEY", "relay-dev-client-id")
    link = portal_link(devstore, relay, client_id, args.retailer, args.portal_supplier)
    args.out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def shoot(page, name: str, lang: str | None) -> None:
        path = args.out / (f"{name}-{lang}.png" if lang else f"{name}.png")
        page.screenshot(path=str(path))
        optimise(path)
        taken.append(path)
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new"])
        page = browser.new_page(viewport=VIEWPORT)
        for lang in LANGUAGES:
            merchant_shots(
                page, f"{devstore}/store/{args.retailer}/admin/apps/{client_id}", lang, shoot
            )
            portal_shots(browser, link, lang, shoot)
            # Relay inside the supplier's own store (it installed Relay too).
            page.goto(f"{devstore}/store/{args.supplier}/admin/apps/{client_id}?locale={lang}")
            app_frame(page, "main h1")
            shoot(page, "supplier-store", lang)
        # devstore's admin of the supplier store: the orders Relay placed there (English only,
        # as devstore's own pages are).
        page.goto(f"{devstore}/store/{args.supplier}/admin")
        page.locator("h2").first.wait_for(timeout=30000)
        shoot(page, "supplier-store-admin", None)
        browser.close()
    print(f"{len(taken)} screenshots in {args.out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
