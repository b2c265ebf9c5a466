"""Orders grid server time and query count: 100,000 orders of one shop among 1,000,000 rows.

Times the whole server side of a grid request: Flask's test client calls GET /orders with a
valid App Bridge ID token, so the ID-token check, the shop lookup, domain/grid.py and the
template render are all inside the figure (no network, no browser). Two kinds of request:

- htmx: what a filter change or a search keystroke sends (the grid partial is rendered);
- page: a document load of the same URL (full page: filters, dashboard strip, grid).

Each query a request sends is counted with a SQLAlchemy `before_cursor_execute` listener, and
the count is shown again with the page size set to 10, 50 and 200 rows: it must not move.
The baseline in the same run is the same requests with the grid's indexes dropped.

    python bench/grid.py [--orders 1000000] [--requests 100] [--reuse] [--keep]
                         [--sqlite-orders N | --skip-sqlite]

PostgreSQL: a dedicated database `grid_bench` on TEST_DATABASE_URL's server (default
postgresql://postgres@127.0.0.1:5432), filled by INSERT ... SELECT generate_series (see
bench/grid_data.py). SQLite: var/bench-grid.sqlite3 with the same rows copied over.
`--reuse` skips the fill when the databases already hold the rows; `--keep` keeps them.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jwt
import psycopg
from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import grid_data  # noqa: E402

API_KEY = "bench-grid-client-id"
API_SECRET = "bench-grid-client-secret-long-enough-for-hs256"
PG_NAME = "grid_bench"
SQLITE_PATH = ROOT / "var" / "bench-grid.sqlite3"
BENCH_SHOP = 1  # shop 1 of grid_data's shops: its suppliers have ids 1..8
LAMP_WORKS, MUG_CO = 2, 1
# The indexes the grid relies on (declared in domain/models/orders.py): the baseline drops them.
GRID_INDEXES = (
    "ix_orders_shop_created",
    "ix_orders_shop_name",
    "ix_orders_shop_total",
    "ix_orders_shop_store_status",
    "ix_orders_search_trgm",
    "ix_supplier_orders_shop_status",
    "ix_supplier_orders_shop_supplier",
    "ix_supplier_orders_status_order",
)
# (label, query): the goal case is a filter plus a search on the first page.
SCENARIOS = [
    ("no filter, page 1", {}),
    ("supplier + search surname", {"supplier": LAMP_WORKS, "q": "nagy"}),
    ("supplier + search order no.", {"supplier": MUG_CO, "q": "#1042"}),
    ("supplier only, page 5", {"supplier": LAMP_WORKS, "page": 5}),
    ("Relay status, page 40", {"status": "in_progress", "page": 40}),
    ("store status + dates, p. 3", {"store_status": "ON_HOLD", "from": "2025-01-01", "page": 3}),
    ("sorted by total, page 20", {"sort": "total", "dir": "asc", "page": 20}),
    # Hard cases: a SKU in 12% of orders with a status in 93% of them; a 2-letter search
    # (too short for trigrams: every order of the shop is read).
    ("status + search SKU (broad)", {"status": "shipped", "q": "brs-lamp"}),
    ("search 2 letters", {"q": "na"}),
]
GOAL_SCENARIO = "supplier + search surname"
# htmx: the grid partial a filter change swaps in; page: a document load (filters, dashboard
# strip with its counts cached, grid); cold: the same right after a supplier order changed.
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


# -- filling ----------------------------------------------------------------------------------


def pg_urls() -> tuple[str, str]:
    base = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    bench = urlunsplit(parts._replace(scheme="postgresql+psycopg", path=f"/{PG_NAME}"))
    return admin, bench


def plain(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg", "postgresql")


def catch_up_schema(url: str) -> None:
    """With --reuse: add the tables and columns the models gained since the fill."""
    from sqlalchemy import inspect
    from sqlalchemy.schema import CreateColumn

    app = make_app(url)
    with app.app_context():
        from extensions import db

        existing = inspect(db.engine)
        with db.engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                if not existing.has_table(table.name):
                    continue
                have = {column["name"] for column in existing.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in have:
                        ddl = CreateColumn(column).compile(dialect=db.engine.dialect)
                        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
        db.create_all()  # new tables, and what init-db adds to an existing database
        db.engine.dispose()


def holds_rows(count_rows, orders: int) -> bool:
    try:
        return count_rows() == orders
    except Exception:
        return False


def prepare_postgresql(orders: int, reuse: bool) -> str:
    admin_url, bench_url = pg_urls()
    if reuse and holds_rows(lambda: pg_filled_with(bench_url), orders):
        print(f"PostgreSQL: reusing {PG_NAME} ({orders:,} orders)")
        catch_up_schema(bench_url)
        return bench_url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    app = make_app(bench_url)
    with app.app_context():
        from extensions import db

        db.create_all()  # the schema exactly as `flask --app app init-db` makes it
        db.engine.dispose()
    started = time.perf_counter()
    with psycopg.connect(plain(bench_url), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers while filling
        recreate = drop_pg_secondary_indexes(conn)
        grid_data.fill_postgresql(conn, orders)
        for statement in recreate:
            conn.execute(statement)
        conn.execute("VACUUM ANALYZE")  # as autovacuum would: visibility map + statistics
        conn.execute(f"COMMENT ON DATABASE \"{PG_NAME}\" IS 'filled:{orders}'")
    print(f"PostgreSQL: filled {orders:,} orders in {time.perf_counter() - started:.0f} s")
    return bench_url


def pg_filled_with(url: str) -> int:
    """The order count a completed fill left in the database comment (0: none completed)."""
    with psycopg.connect(plain(url)) as conn:
        comment = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()"
        ).fetchone()[0]
    return int(comment.removeprefix("filled:")) if comment else 0


def drop_pg_secondary_indexes(conn) -> list[str]:
    """Drop unique constraints and indexes (not primary keys); return the DDL to remake them."""
    recreate = []
    for table, name, definition in conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'u' AND connamespace = 'public'::regnamespace"
    ).fetchall():
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        " AND indexname NOT LIKE '%\\_pkey'"
    ).fetchall():
        conn.execute(f'DROP INDEX "{name}"')
        recreate.append(definition)
    return recreate


def prepare_sqlite(orders: int, reuse: bool, pg_url: str) -> str:
    url = f"sqlite:///{SQLITE_PATH}"
    if reuse and holds_rows(sqlite_filled_with, orders):
        print(f"SQLite: reusing {SQLITE_PATH.relative_to(ROOT)} ({orders:,} orders)")
        catch_up_schema(url)
        return url
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    SQLITE_PATH.unlink(missing_ok=True)
    app = make_app(url)
    with app.app_context():
        from extensions import db

        db.create_all()
        db.engine.dispose()
    started = time.perf_counter()
    target = sqlite3.connect(SQLITE_PATH)
    target.execute("PRAGMA journal_mode = OFF")
    target.execute("PRAGMA synchronous = OFF")
    indexes = target.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        target.execute(f'DROP INDEX "{name}"')
    with psycopg.connect(plain(pg_url)) as source:
        grid_data.copy_to_sqlite(source, target, orders)
    for _, sql in indexes:
        target.execute(sql)
    target.execute("ANALYZE")
    target.execute(f"PRAGMA user_version = {int(orders)}")
    target.commit()
    target.close()
    print(f"SQLite: copied {orders:,} orders in {time.perf_counter() - started:.0f} s")
    return url


def sqlite_filled_with() -> int:
    """The order count a completed copy left in user_version (0: none completed)."""
    with sqlite3.connect(SQLITE_PATH) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


# -- measuring --------------------------------------------------------------------------------


class QueryCounter:
    """Statements sent and the time spent waiting for their results."""

    def __init__(self, engine):
        self.count, self.seconds, self._started = 0, 0.0, 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

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


def request_once(client, counter, params: dict, kind: str, token: str) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {token}"}
    if kind == "htmx":
        headers["HX-Request"] = "true"
    elif kind == "cold":
        forget_dashboard_counts()
    counter.reset()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get("/orders", query_string=params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu) * 1000
    assert response.status_code == 200, response.text[:300]
    return elapsed, counter.count, counter.seconds * 1000, cpu


def measure(client, counter, params: dict, kind: str, token: str, n: int) -> dict:
    for _ in range(3):
        request_once(client, counter, params, kind, token)
    times, counts, sql, cpu = [], set(), [], []
    for _ in range(n):
        elapsed, queries, in_sql, app_cpu = request_once(client, counter, params, kind, token)
        times.append(elapsed)
        counts.add(queries)
        sql.append(in_sql)
        cpu.append(app_cpu)
    times.sort()
    return {
        "sql": statistics.median(sql),
        "cpu": statistics.median(cpu),
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
        "queries": "/".join(str(c) for c in sorted(counts)),
    }


def run_scenarios(app, n: int, labels=None) -> dict:
    from extensions import db

    results = {}
    token = id_token(f"bench-{BENCH_SHOP}.myshopify.com")
    with app.app_context():
        counter = QueryCounter(db.engine)
        client = app.test_client()
        for label, params in SCENARIOS:
            if labels and label not in labels:
                continue
            results[label] = {
                kind: measure(client, counter, params, kind, token, n) for kind in KINDS
            }
        goal = dict(SCENARIOS)[GOAL_SCENARIO]
        results["_sizes"] = {}
        for rows in (10, 50, 200):
            with page_size(rows):
                results["_sizes"][rows] = tuple(
                    request_once(client, counter, goal, kind, token)[1] for kind in KINDS
                )
        rows_shown = client.get(
            "/orders", query_string=goal, headers={"Authorization": f"Bearer {token}"}
        ).text.count('<tr id="order-row-')
        results["_rows"] = rows_shown
    return results


@contextmanager
def without_grid_indexes(app):
    """The baseline: the same database without the grid's indexes (remade afterwards); on
    SQLite without its search table too."""
    from domain.models import order_search
    from extensions import db

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        with db.engine.begin() as conn:
            if sqlite:
                rows = conn.execute(text("SELECT name, sql FROM sqlite_master")).all()
                rows = [row for row in rows if row[0] in GRID_INDEXES]
            else:
                rows = conn.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:n)"),
                    {"n": list(GRID_INDEXES)},
                ).all()
            for name, _ in rows:
                conn.execute(text(f'DROP INDEX "{name}"'))
            if sqlite:
                conn.execute(text("DROP TABLE IF EXISTS orders_search"))
                for trigger in ("insert", "update", "delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS orders_search_{trigger}"))
            conn.execute(text("ANALYZE"))
        order_search._has_fts.clear()
    dropped = [name for name, _ in rows] + (["orders_search (FTS5)"] if sqlite else [])
    try:
        yield dropped
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                for _, definition in rows:
                    conn.execute(text(definition))
                conn.execute(text("ANALYZE"))
            db.create_all()  # SQLite: the search table again, filled
            order_search._has_fts.clear()


def report(engine_label: str, results: dict, baseline: dict, dropped: list[str]) -> None:
    def cell(r: dict | None) -> str:
        return f"{r['p50']:6.1f} {r['p95']:6.1f}" if r else f"{'-':>6} {'-':>6}"

    print(f"\n{engine_label}: server time in ms (p50 p95), queries per request")
    print(
        f"{'scenario':30} {'htmx':>13} {'SQL':>5} {'CPU':>5} {'page':>13} {'cold page':>13}"
        f" {'queries':>9}   {'no-index htmx':>13} {'page':>13}"
    )
    for label, _ in SCENARIOS:
        if label not in results:
            continue
        r, b = results[label], baseline.get(label, {})
        queries = "/".join(r[kind]["queries"] for kind in KINDS)
        mark = "  <- goal" if label == GOAL_SCENARIO else ""
        print(
            f"{label:30} {cell(r['htmx'])} {r['htmx']['sql']:5.1f} {r['htmx']['cpu']:5.1f}"
            f" {cell(r['page'])}"
            f" {cell(r['cold'])} {queries:>9}   {cell(b.get('htmx'))} {cell(b.get('page'))}{mark}"
        )
    sizes = "; ".join(
        f"{rows} rows: " + "/".join(str(c) for c in counts)
        for rows, counts in results["_sizes"].items()
    )
    print(
        "htmx: the grid partial a filter swaps in; page: a document load (dashboard counts"
        " cached); cold page: right after a supplier order changed.\nSQL, CPU: of the htmx"
        " request (p50 ms), waiting for the database, and the app's own CPU time (Python:"
        " ID token, ORM, template), which the machine's load does not stretch"
    )
    print(f"queries (htmx/page/cold) by page size, {GOAL_SCENARIO}: {sizes}")
    print(f"rows on the goal page: {results['_rows']}; no-index = without {', '.join(dropped)}")
    if GOAL_SCENARIO in results:
        goal = results[GOAL_SCENARIO]
        worst = max(goal["htmx"]["p95"], goal["page"]["p95"])
        verdict = "met" if worst < 50 else "NOT met"
        print(
            f"goal p95 < 50 ms, {GOAL_SCENARIO}, htmx and page: worst {worst:.1f} ms, {verdict}"
            f" (cold page p95 {goal['cold']['p95']:.1f} ms)"
        )


def bench_engine(label: str, url: str, n: int, only: str, baseline: bool) -> None:
    app = make_app(url)
    labels = {name for name, _ in SCENARIOS if only in name}
    results = run_scenarios(app, n, labels)
    without, dropped = {}, []
    if baseline:
        with without_grid_indexes(app) as dropped:
            few = {GOAL_SCENARIO, "no filter, page 1"} & labels
            without = run_scenarios(app, max(10, n // 5), few) if few else {}
    report(label, results, without, dropped)


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--sqlite-orders", type=int, default=None)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--scenarios", default="", help="only scenarios containing this text")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    engines = args.engines.split(",")
    sqlite_orders = args.sqlite_orders or args.orders
    admin_url, _ = pg_urls()
    print(f"machine: {os.cpu_count()} cores, {load()} at start")
    pg_url = prepare_postgresql(args.orders, args.reuse)
    options = (args.requests, args.scenarios, not args.no_baseline)
    try:
        if "postgresql" in engines:
            shop_orders = args.orders // grid_data.SHOPS
            label = f"PostgreSQL: {shop_orders:,} orders of one shop among {args.orders:,}"
            bench_engine(label, pg_url, *options)
        if "sqlite" in engines:
            sqlite_url = prepare_sqlite(sqlite_orders, args.reuse, pg_url)
            shop_orders = sqlite_orders // grid_data.SHOPS
            label = f"SQLite: {shop_orders:,} orders of one shop among {sqlite_orders:,}"
            bench_engine(label, sqlite_url, *options)
        print(f"\n{load()} at the end (the figures stretch with the machine's load)")
    finally:
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            SQLITE_PATH.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
