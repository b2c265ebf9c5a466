"""Web Vitals of the orders grid and the order drawer inside devstore's admin (issue 17).

The demo store holds 10,000 orders (bench/grid_data.py: 100,000 orders over 10 shops, the
bench opens shop 1). devstore serves the admin (`python -m devstore serve`), Relay runs under
gunicorn as scripts/dev.sh starts it (2 workers), PostgreSQL and Redis are the servers. Debian's
chromium (Playwright, /usr/bin/chromium) opens the app in the admin's iframe, a fresh browser
context (cold cache) per run, and measures inside the app's frame with PerformanceObserver
(buffered), as the web-vitals library does:

- LCP: the last `largest-contentful-paint` entry before the first input;
- CLS: the largest session window of `layout-shift` entries without recent input (gaps < 1 s,
  windows < 5 s), over the whole visit: the load and the interactions that follow;
- INP: the longest `event` timing entry with an interactionId (durationThreshold 16 ms) for
  the interactions: opening the drawer from a row, closing it, changing the supplier filter.
  The time from the click to the drawer's content in place is printed beside it.

Pages: the grid (`/orders`, 50 rows, dashboard strip), the drawer opened on it, and the order
page (`/orders/<id>`, the drawer as a page, the deep link). Baseline in the same run: a static
page with the same stylesheet and a 50-row table, served by the same gunicorn
(bench/web_vitals_app.py) and opened in the same admin, with one click on a button.

    python bench/web_vitals.py [--runs 10] [--reuse] [--verbose]

The rows are filled once into the database `web_vitals_bench` on TEST_DATABASE_URL's server
(kept for `--reuse`; drop it when done); Relay's cache is TEST_REDIS_URL's database.

Ports: RELAY_PORT (default 21000) and DEVSTORE_PORT (default 21765). Goals (p75 over runs):
LCP <= 1 s, CLS <= 0.02, INP <= 100 ms (Built for Shopify: 2.5 s, 0.1, 200 ms).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import grid  # noqa: E402
from bench.fulfillment_rig import percentile, wait_until  # noqa: E402

ORDERS = 100_000  # over grid_data.SHOPS = 10 shops: 10,000 in the bench's shop
SHOP = f"bench-{grid.BENCH_SHOP}.myshopify.com"
CHROMIUM = "/usr/bin/chromium"
GOALS = {"LCP": 1000.0, "CLS": 0.02, "INP": 100.0}
BASELINE_KEY = "web-vitals-baseline"

# Runs in every frame before its scripts: the app's frame keeps what it observed in __vitals.
VITALS_JS = """
(() => {
  const v = window.__vitals = {lcp: null, lcpElement: null, shifts: [], events: [], inputAt: null};
  const observe = (type, fn, extra) => {
    try { new PerformanceObserver((list) => list.getEntries().forEach(fn))
            .observe(Object.assign({type: type, buffered: true}, extra || {})); } catch (e) {}
  };
  observe('largest-contentful-paint', (e) => {
    if (v.inputAt !== null) return;
    v.lcp = e.renderTime || e.loadTime || e.startTime;
    const el = e.element;
    v.lcpElement = el ? (el.id || el.tagName + '.' + el.className) : null;
  });
  observe('layout-shift', (e) => {
    if (e.hadRecentInput) return;
    v.shifts.push({t: e.startTime, value: e.value, sources: (e.sources || []).map((s) => s.node ?
      (s.node.id ? '#' + s.node.id : s.node.nodeName + '.' + (s.node.className || '')) : '?')});
  });
  observe('event', (e) => {
    if (!e.interactionId) return;
    v.events.push({name: e.name, duration: e.duration, id: e.interactionId,
      target: e.target ? (e.target.id || e.target.className || e.target.tagName) : null});
  }, {durationThreshold: 16});
  ['pointerdown', 'keydown'].forEach((t) => addEventListener(t, () => {
    if (v.inputAt === null) v.inputAt = performance.now();
  }, true));
})();
"""
# CLS as web-vitals computes it: the largest session window.
CLS_JS = """
() => {
  let best = 0, current = 0, first = 0, last = 0;
  for (const s of window.__vitals.shifts) {
    if (current && s.t - last < 1000 && s.t - first < 5000) { current += s.value; }
    else { current = s.value; first = s.t; }
    last = s.t;
    best = Math.max(best, current);
  }
  return best;
}
"""


def relay_env(devstore_url: str, relay_url: str, database_url: str) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        APP_URL=relay_url,
        SHOPIFY_API_KEY=grid.API_KEY,
        SHOPIFY_API_SECRET=grid.API_SECRET,
        SHOPIFY_SHOP_URL_TEMPLATE=devstore_url + "/store/{shop}",
        SHOPIFY_ADMIN_ORIGINS=devstore_url,
        APP_BRIDGE_URL=devstore_url + "/cdn/shopifycloud/app-bridge.js",
        TOKEN_ENCRYPTION_KEYS="2N1fVt3R4m5cL8qkzVJd3hQq4bq1n2h0rV1Zb7m6sCw=",
        SECRET_KEY="bench-secret-key",
        RELAY_ENV="test",
    )


class Servers:
    """devstore and Relay (gunicorn, 2 workers, with the baseline page) as processes."""

    def __init__(self, database_url: str):
        self.devstore_url = f"http://127.0.0.1:{os.environ.get('DEVSTORE_PORT', '21765')}"
        self.relay_url = f"http://127.0.0.1:{os.environ.get('RELAY_PORT', '21000')}"
        self.tmp = Path(tempfile.mkdtemp(prefix="relay-web-vitals-"))
        self.env = relay_env(self.devstore_url, self.relay_url, database_url)
        self.env["RELAY_VAR_DIR"] = str(self.tmp / "var")
        self.processes: list[subprocess.Popen] = []

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "a")  # noqa: SIM115 - lives with the process
        self.processes.append(
            subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        )

    def start(self) -> Servers:
        port = self.devstore_url.rsplit(":", 1)[1]
        self._spawn("devstore", ["-m", "devstore", "serve", "--port", port,
                                 "--db", str(self.tmp / "devstore.sqlite3")])  # fmt: skip
        bind = "127.0.0.1:" + self.relay_url.rsplit(":", 1)[1]
        gunicorn = ["-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", bind]
        self._spawn("relay", [*gunicorn, "--log-level", "warning", "bench.web_vitals_app:create()"])
        wait_until(lambda: self._up(self.devstore_url + "/_devstore/health"), 60, what="devstore")
        wait_until(lambda: self._up(self.relay_url + "/healthz"), 60, what="Relay")
        control = httpx.Client(base_url=self.devstore_url, timeout=60)
        for key, name, url in [
            (grid.API_KEY, "Relay", self.relay_url),
            (BASELINE_KEY, "Baseline", self.relay_url + "/_bench/baseline"),
        ]:
            control.post("/_devstore/apps", json={
                "client_id": key, "client_secret": grid.API_SECRET, "name": name, "app_url": url,
                "redirect_urls": [f"{self.relay_url}/auth/callback"], "scopes": ["read_orders"],
            }).raise_for_status()  # fmt: skip
        control.post("/_devstore/shops", json={"domain": SHOP}).raise_for_status()
        return self

    @staticmethod
    def _up(url: str) -> bool:
        with suppress(httpx.HTTPError):
            return httpx.get(url, timeout=2).status_code == 200
        return False

    def admin(self, key: str, path: str = "") -> str:
        return f"{self.devstore_url}/store/{SHOP}/admin/apps/{key}" + (f"/{path}" if path else "")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()


def app_frame(page, ready: str):
    try:
        page.frame_locator("#app-iframe").locator(ready).first.wait_for(timeout=30000)
    except Exception:
        frame = page.frame(name="app-iframe")
        print("the app frame never showed", ready, page.url, (frame or page).content()[:800])
        raise
    return page.frame(name="app-iframe")


def settle(frame) -> None:
    """Two animation frames and a quiet moment: late shifts and paints are reported."""
    frame.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    time.sleep(0.5)


def vitals(frame) -> dict:
    v = frame.evaluate("() => window.__vitals")
    inp = max((e["duration"] for e in v["events"]), default=0.0)
    ttfb = frame.evaluate("() => performance.getEntriesByType('navigation')[0].responseStart")
    return {"LCP": v["lcp"] or 0.0, "CLS": frame.evaluate(CLS_JS), "INP": inp, "TTFB": ttfb,
            "lcp_element": v["lcpElement"], "shifts": v["shifts"],
            "events": v["events"]}  # fmt: skip


def grid_run(browser, servers: Servers) -> dict:
    """The grid: load, open the drawer from a row, close it, change the supplier filter."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(VITALS_JS)
    page = context.new_page()
    page.goto(servers.admin(grid.API_KEY, "orders"))
    frame = app_frame(page, "#orders-grid tbody tr")
    settle(frame)
    row = frame.locator("#orders-grid tbody tr .order-link").nth(2)
    started = time.perf_counter()
    row.click()
    frame.locator("#order-drawer .timeline, #order-drawer h2").first.wait_for(timeout=30000)
    drawer_ms = (time.perf_counter() - started) * 1000
    settle(frame)
    page.keyboard.press("Escape")
    settle(frame)
    # A keyboard choice in the select (a real input, unlike select_option, so it is an
    # interaction with event timing): the next supplier, and htmx swaps the grid.
    frame.locator("#grid-filters select[name=supplier]").focus()
    started = time.perf_counter()
    with page.expect_response(lambda r: "supplier=" in r.url and "/orders" in r.url):
        page.keyboard.press("ArrowDown")
    frame.wait_for_function("() => !document.querySelector('.htmx-request')")
    filter_ms = (time.perf_counter() - started) * 1000
    settle(frame)
    result = vitals(frame) | {"drawer_ms": drawer_ms, "filter_ms": filter_ms}
    context.close()
    return result


def page_run(browser, url: str, ready: str, click: str | None = None) -> dict:
    """A document load (the order page, the baseline), and one click when `click` is given."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(VITALS_JS)
    page = context.new_page()
    page.goto(url)
    frame = app_frame(page, ready)
    settle(frame)
    if click:
        frame.locator(click).click()
        settle(frame)
    result = vitals(frame)
    context.close()
    return result


def first_order_id(database_url: str) -> int:
    import psycopg

    with psycopg.connect(grid.plain(database_url)) as conn:
        return conn.execute(
            "SELECT id FROM orders WHERE shop_id = %s ORDER BY created_at DESC LIMIT 1",
            (grid.BENCH_SHOP,),
        ).fetchone()[0]


def report(label: str, runs: list[dict], keys=("LCP", "CLS", "INP")) -> None:
    cells = []
    for key in keys:
        p75 = percentile([r[key] for r in runs], 0.75)
        unit = "" if key == "CLS" else " ms"
        value = f"{p75:.3f}" if key == "CLS" else f"{p75:.0f}"
        verdict = "met" if p75 <= GOALS[key] else "MISSED"
        cells.append(f"{key} p75 {value}{unit} ({verdict})")
    print(f"{label:<34} " + ", ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier fill")
    parser.add_argument("--verbose", action="store_true", help="print each run's shifts")
    args = parser.parse_args()
    grid.PG_NAME = "web_vitals_bench"
    database_url = grid.prepare_postgresql(ORDERS, args.reuse)
    order_id = first_order_id(database_url)
    servers = Servers(database_url).start()
    print(f"load before: {os.getloadavg()[0]:.2f}; shop {SHOP}: {ORDERS // 10:,} orders")
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new"])
            # One warm-up of each (gunicorn workers import templates, PostgreSQL caches).
            grid_run(browser, servers)
            page_run(browser, servers.admin(BASELINE_KEY), "#baseline")
            grid_runs, order_runs, base_runs = [], [], []
            for _ in range(args.runs):
                grid_runs.append(grid_run(browser, servers))
                order_runs.append(
                    page_run(
                        browser, servers.admin(grid.API_KEY, f"orders/{order_id}"), "#order-drawer"
                    )  # fmt: skip
                )
                base_runs.append(
                    page_run(browser, servers.admin(BASELINE_KEY), "#baseline", "#baseline-toggle")
                )
            browser.close()
    finally:
        servers.stop()
    print(f"{args.runs} runs each, chromium inside devstore's admin; load after: "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    report("grid page (+ drawer, filter)", grid_runs)
    report("order page (drawer as a page)", order_runs, ("LCP", "CLS"))
    report("baseline: static page, same server", base_runs)
    for label, runs in [("grid", grid_runs), ("order page", order_runs), ("baseline", base_runs)]:
        ttfb = percentile([r["TTFB"] for r in runs], 0.75)
        print(f"{label}: time to first byte of the app's document p75 {ttfb:.0f} ms")
    drawer = percentile([r["drawer_ms"] for r in grid_runs], 0.75)
    filtered = percentile([r["filter_ms"] for r in grid_runs], 0.75)
    print(f"click -> drawer content p75 {drawer:.0f} ms; filter change -> grid swapped p75 "
          f"{filtered:.0f} ms (network + server + swap, not part of INP)")  # fmt: skip
    print("LCP elements:", sorted({r["lcp_element"] or "-" for r in grid_runs + order_runs}))
    if args.verbose:
        for r in grid_runs + order_runs:
            print("shifts", r["shifts"], "events", r["events"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
