"""The measuring side of bench/grid.py, run in a process of its own per code tree:

    python bench/grid_measure.py CODE_ROOT DATABASE_URL REQUESTS [LABEL_FILTER]

imports the app from CODE_ROOT (this checkout, or the baseline's code exported by grid.py),
times every scenario against DATABASE_URL through Flask's test client and prints one JSON
line: per scenario the p50/p95 per kind, SQL and CPU time, queries per request, and what the
page showed (its order ids and its count line), which grid.py compares between the two runs.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
import uuid
from contextlib import contextmanager

import jwt

API_KEY = "bench-grid-client-id"
API_SECRET = "bench-grid-client-secret-long-enough-for-hs256"
BENCH_SHOP = 1  # shop 1 of grid_data's shops: its suppliers have ids 1..8
MUG_CO, LAMP_WORKS, BRASS = 1, 2, 7
# (label, query). Shop 1 holds 100,000 orders; how many each matches is in the comments.
SCENARIOS = [
    ("no filter, page 1", {}),
    # the goal case of the README's first row: a filter plus a surname (1 % of orders)
    ("supplier + search surname", {"supplier": LAMP_WORKS, "q": "nagy"}),
    ("search surname", {"q": "nagy"}),
    ("search customer email", {"q": "anna.nagy"}),  # ~20 orders
    ("search email domain", {"q": "@orange.fr"}),  # 25 %
    ("search order no.", {"q": "#1042"}),  # 111 orders (#1042, #10420-9, #104200-99)
    ("supplier + search order no.", {"supplier": MUG_CO, "q": "#1042"}),
    ("search 1 letter", {"q": "z"}),  # common
    ("search 2 letters, common", {"q": "na"}),  # 6 %
    ("search 2 letters, none", {"q": "zq"}),  # no order: every one is looked at
    ("search 3 letters", {"q": "ova"}),  # trigram: kovacs, ...
    ("search SKU, common", {"q": "brs-lamp"}),  # 12 %
    ("search SKU, rare", {"q": "brs-lamp-019"}),  # 254 orders
    ("status + search SKU, common", {"status": "shipped", "q": "brs-lamp"}),
    ("status + search SKU, rare", {"status": "on_hold", "q": "brs-lamp-019"}),
    ("supplier + status + search 2 l.", {"supplier": BRASS, "status": "shipped", "q": "na"}),
    ("supplier only, page 5", {"supplier": LAMP_WORKS, "page": 5}),
    ("unassigned parts", {"supplier": "unassigned"}),
    ("Relay status, page 40", {"status": "in_progress", "page": 40}),
    ("Relay status, rare", {"status": "on_hold"}),
    ("supplier not paid", {"supplier_payment": "not_paid"}),
    ("store status + dates, p. 3", {"store_status": "ON_HOLD", "from": "2025-01-01", "page": 3}),
    ("dates + search 2 letters", {"from": "2026-01-01", "to": "2026-06-30", "q": "na"}),
    ("sorted by created, oldest", {"dir": "asc"}),
    ("sorted by name", {"sort": "name", "dir": "asc"}),
    ("sorted by total, page 20", {"sort": "total", "dir": "asc", "page": 20}),
    ("sorted by name + search 2 l.", {"sort": "name", "q": "na"}),
    ("sorted by total + SKU common", {"sort": "total", "dir": "asc", "q": "brs-lamp"}),
    ("sorted by total + surname", {"sort": "total", "q": "nagy"}),
    ("search 2 letters, page 30", {"q": "na", "page": 30}),
]
GOAL_SCENARIO = "supplier + search surname"
# htmx: the grid partial a filter change or a keystroke swaps in (every scenario); page: a
# document load (dashboard strip with its counts cached); cold: the same right after a
# supplier order changed (the goal scenario).
KINDS = ("htmx", "page", "cold")


def id_token(shop_domain: str) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop_domain}/admin",
        "dest": f"https://{shop_domain}",
        "aud": API_KEY,
        "sub": "1",
        "exp": now + 3600,
        "nbf": now,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": uuid.uuid4().hex,
    }
    return jwt.encode(claims, API_SECRET, algorithm="HS256")


def make_app(database_uri: str):
    from app import create_app

    return create_app(
        {
            "RELAY_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SHOPIFY_API_KEY": API_KEY,
            "SHOPIFY_API_SECRET": API_SECRET,
            "TOKEN_ENCRYPTION_KEYS": ["2N1fVt3R4m5cL8qkzVJd3hQq4bq1n2h0rV1Zb7m6sCw="],
            # The dashboard counts' cache (keys are namespaced per database).
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        }
    )


def server_cpu_ms(pids: set[int]) -> float:
    """CPU time the PostgreSQL backends serving us have used (Linux schedstat, ns)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as stat:
                total += int(stat.read().split()[0])
        except (OSError, ValueError):
            pass
    return total / 1e6


class QueryCounter:
    """Statements sent, the time spent waiting for their results, and the PostgreSQL backends
    they went to (their CPU time, which the machine's load does not stretch, is read around
    each request; SQLite's work is in the app's own CPU time)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count, self.seconds, self._started = 0, 0.0, 0.0
        self.backends: set[int] = set()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "checkout", self._checkout)

    def _checkout(self, dbapi_connection, record, proxy) -> None:
        self.backends.add(dbapi_connection.info.backend_pid)

    def reset(self) -> None:
        self.count, self.seconds = 0, 0.0

    def _before(self, *args) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, *args) -> None:
        self.seconds += time.perf_counter() - self._started


@contextmanager
def page_size(rows: int):
    from domain.orders import grid

    saved = grid.PAGE_SIZE
    grid.PAGE_SIZE = rows
    try:
        yield
    finally:
        grid.PAGE_SIZE = saved


def forget_dashboard_counts() -> None:
    """What a write to the shop's supplier orders does: the next page load counts afresh."""
    from domain.orders import grid_counts
    from extensions import redis_connection

    redis_connection().incr(f"{grid_counts._namespace()}:v:{BENCH_SHOP}")


def request_once(client, counter, params: dict, kind: str, token: str):
    headers = {"Authorization": f"Bearer {token}"}
    if kind == "htmx":
        headers["HX-Request"] = "true"
    elif kind == "cold":
        forget_dashboard_counts()
    counter.reset()
    server = server_cpu_ms(counter.backends)
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get("/orders", query_string=params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu) * 1000 + server_cpu_ms(counter.backends) - server
    assert response.status_code == 200, response.text[:300]
    return elapsed, counter.count, counter.seconds * 1000, cpu, response.text


def shown(html: str) -> dict:
    """What the page showed: its rows' order ids and its count line."""
    ids = [int(i) for i in re.findall(r'<tr id="order-row-(\d+)"', html)]
    line = re.search(
        r'<nav class="pagination"[^>]*>\s*<span class="subdued">(.*?)</span>', html, re.S
    )
    return {"ids": ids, "count": " ".join(line.group(1).split()) if line else "(empty)"}


def measure(client, counter, params: dict, kind: str, token: str, n: int) -> dict:
    for _ in range(3):
        request_once(client, counter, params, kind, token)
    times, counts, sql, cpu = [], set(), [], []
    for _ in range(n):
        elapsed, queries, in_sql, app_cpu, _html = request_once(
            client, counter, params, kind, token
        )
        times.append(elapsed)
        counts.add(queries)
        sql.append(in_sql)
        cpu.append(app_cpu)
    times.sort()
    cpu.sort()
    return {
        "sql": statistics.median(sql),
        "cpu": statistics.median(cpu),
        "cpu95": cpu[min(len(cpu) - 1, int(len(cpu) * 0.95))],
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
        "queries": "/".join(str(c) for c in sorted(counts)),
    }


def run_scenarios(database_url: str, n: int, only: str) -> dict:
    app = make_app(database_url)
    from extensions import db

    results = {}
    token = id_token(f"bench-{BENCH_SHOP}.myshopify.com")
    with app.app_context():
        counter = QueryCounter(db.engine)
        client = app.test_client()
        for label, params in SCENARIOS:
            if only not in label:
                continue
            kinds = KINDS if label == GOAL_SCENARIO else ("htmx",)
            results[label] = {
                kind: measure(client, counter, params, kind, token, n) for kind in kinds
            }
            html = request_once(client, counter, params, "htmx", token)[4]
            results[label]["shown"] = shown(html)
        if GOAL_SCENARIO in results:
            goal = dict(SCENARIOS)[GOAL_SCENARIO]
            results["_sizes"] = {}
            for rows in (10, 50, 200):
                with page_size(rows):
                    results["_sizes"][rows] = [
                        request_once(client, counter, goal, kind, token)[1] for kind in KINDS
                    ]
    return results


if __name__ == "__main__":
    code_root, url, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.path.insert(0, code_root)
    figures = run_scenarios(url, requests, sys.argv[4] if len(sys.argv) > 4 else "")
    print(json.dumps(figures))
