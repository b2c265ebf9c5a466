"""Orders grid server time and query count: 100,000 orders of one shop among 1,000,000 rows.

Times the whole server side of a grid request: Flask's test client calls GET /orders with a
valid App Bridge ID token, so the ID-token check, the shop lookup, domain/grid.py and the
template render are all inside the figure (no network, no browser). Every search and filter
kind (bench/grid_measure.py's SCENARIOS: name, email, order number, 1-2-3-letter fragments,
SKU common and rare, supplier, Relay status, store status, dates, payment, combined, each
sort) is timed as an htmx request (what a filter change or a keystroke sends); the goal
scenario also as a document load and a load right after a supplier order changed.

The baseline in the same run, on the same rows: the code of --baseline (default 786ea93,
the grid before issue 18's search work, exported with `git archive`) with the sort indexes
it had; then this checkout's code with its covering sort indexes (each switch drops and
builds them). Each side runs in a process of its own (bench/grid_measure.py); the report
says per scenario whether the page showed the same orders and count, and the queries per
request (for the goal scenario with 10, 50 and 200 rows a page: it must not move).

    python bench/grid.py [--orders 1000000] [--requests 100] [--reuse] [--keep]
                         [--engines postgresql,sqlite] [--scenarios TEXT] [--baseline REF]

PostgreSQL: a dedicated database (`grid_bench`, or $GRID_BENCH_DB) on TEST_DATABASE_URL's
server (default postgresql://postgres@127.0.0.1:5432), filled by INSERT ... SELECT
generate_series (see
bench/grid_data.py). SQLite: var/bench-grid.sqlite3 with the same rows copied over.
`--reuse` skips the fill when the databases already hold the rows; `--keep` keeps them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import grid_data, grid_measure  # noqa: E402

PG_NAME = os.environ.get("GRID_BENCH_DB", "grid_bench")  # a database of its own
SQLITE_PATH = ROOT / "var" / "bench-grid.sqlite3"
# The scenarios, the baseline commit (the grid before issue 18's search work).
BASELINE = "786ea93"
make_app = grid_measure.make_app
BENCH_SHOP = grid_measure.BENCH_SHOP  # bench/supplier_pages.py reads the same shop


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


# -- the two runs: the baseline's code and indexes, then this checkout's -----------------------

# The sort indexes before issue 18's search work (the baseline's) and after (the models').
SORT_KEYS = {"created": "created_at", "name": "name", "total": "total"}
CARRIED = ("created_at", "store_status", "search_text")


def index_ddl(dialect: str, covering: bool) -> dict[str, str]:
    ddl = {}
    for short, sort in SORT_KEYS.items():
        keys = f"shop_id, {sort}, id"
        if not covering:
            ddl[f"ix_orders_shop_{short}"] = (
                f"CREATE INDEX ix_orders_shop_{short} ON orders ({keys})"
            )
            continue
        carried = ", ".join(c for c in CARRIED if c != sort)
        columns = (
            f"({keys}) INCLUDE ({carried})" if dialect == "postgresql" else f"({keys}, {carried})"
        )
        ddl[f"ix_orders_shop_{short}_q"] = (
            f"CREATE INDEX ix_orders_shop_{short}_q ON orders {columns}"
        )
    return ddl


def use_indexes(url: str, covering: bool) -> float:
    """Make the sort indexes the code being measured expects; the seconds that took."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    dialect = engine.dialect.name
    wanted, unwanted = index_ddl(dialect, covering), index_ddl(dialect, not covering)
    started = time.perf_counter()
    with engine.begin() as conn:
        if dialect == "postgresql":
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'"))
        else:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        present = {row[0] for row in rows}
        for name in unwanted.keys() & present:
            conn.execute(text(f'DROP INDEX "{name}"'))
        for name, statement in wanted.items():
            if name not in present:
                conn.execute(text(statement))
        if wanted.keys() - present:
            conn.execute(text("ANALYZE orders"))
    if dialect == "postgresql":  # index-only scans need the visibility map, as autovacuum keeps it
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM orders"))
    engine.dispose()
    return time.perf_counter() - started


def baseline_tree(ref: str) -> Path:
    """The baseline's code, exported from git (the working tree is not touched)."""
    target = Path(tempfile.mkdtemp(prefix="grid-baseline-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def measure_code(code_root: Path, url: str, n: int, only: str) -> dict:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "grid_measure.py"),
            str(code_root),
            url,
            str(n),
            only,
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=code_root,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def cell(r: dict | None) -> str:
    return f"{r['p50']:6.1f} {r['p95']:6.1f}" if r else f"{'-':>6} {'-':>6}"


def same_rows(before: dict, after: dict) -> str:
    """Whether the page showed the same orders (and, unless now capped, the same count)."""
    if before["ids"] != after["ids"]:
        return "DIFFERENT ROWS"
    if before["count"] == after["count"]:
        return "same"
    return "same rows" if after["count"].startswith("more than") else "COUNT DIFFERS"


def report(engine_label: str, after: dict, before: dict, base_ref: str) -> bool:
    print(
        f"\n{engine_label}: htmx server time in ms, p50 p95;"
        f" baseline = {base_ref}'s code and indexes"
    )
    print(
        f"{'scenario':32} {'now p50 p95':>13} {'CPU p95':>7} {'q':>3}   {'baseline':>13}"
        f" {'CPU p95':>7} {'q':>3}  ratio  rows       count shown now"
    )
    worst, all_same = 0.0, True
    scenarios = dict(grid_measure.SCENARIOS)
    for label, _ in grid_measure.SCENARIOS:
        if label not in after:
            continue
        a, b = after[label], before.get(label, {})
        worst = max(worst, a["htmx"]["p95"])
        verdict = same_rows(b["shown"], a["shown"]) if b else "-"
        all_same = all_same and verdict.startswith("same")
        ratio = a["htmx"]["p95"] / b["htmx"]["p95"] if b else float("nan")
        print(
            f"{label:32} {cell(a['htmx'])} {a['htmx']['cpu95']:7.1f} {a['htmx']['queries']:>3}"
            f"   {cell(b.get('htmx'))} {b['htmx']['cpu95'] if b else float('nan'):7.1f}"
            f" {b['htmx']['queries'] if b else '-':>3}  {ratio:5.2f}  {verdict:10}"
            f" {a['shown']['count']}"
        )
    goal = grid_measure.GOAL_SCENARIO
    if goal in after:
        a, b = after[goal], before.get(goal, {})
        for kind in ("page", "cold"):
            print(f"{goal}, {kind}: now {cell(a[kind])}, baseline {cell(b.get(kind))}")
        sizes = "; ".join(
            f"{rows} rows: " + "/".join(map(str, c)) for rows, c in after["_sizes"].items()
        )
        print(f"queries (htmx/page/cold) by page size, {goal}: {sizes}")
    worst_cpu = max(after[label]["htmx"]["cpu95"] for label in after if label in scenarios)
    verdict = "met" if worst < 50 else "NOT met"
    print(
        "CPU p95: the app's CPU time plus the PostgreSQL backend's per request (what the"
        f" machine's load does not stretch); worst {worst_cpu:.1f} ms"
    )
    print(
        f"every scenario's htmx p95 < 50 ms: worst {worst:.1f} ms, {verdict};"
        f" same rows as the baseline: {'yes' if all_same else 'NO'}"
    )
    return all_same


def bench_engine(label: str, url: str, n: int, only: str, base_ref: str) -> bool:
    base = baseline_tree(base_ref)
    try:
        took = use_indexes(url, covering=False)
        print(f"{label}: baseline indexes ready ({took:.0f} s); measuring {base_ref}'s code")
        before = measure_code(base, url, n, only)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    took = use_indexes(url, covering=True)
    print(f"{label}: covering indexes ready ({took:.0f} s); measuring this checkout")
    after = measure_code(ROOT, url, n, only)
    return report(label, after, before, base_ref)


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--sqlite-orders", type=int, default=None)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--scenarios", default="", help="only scenarios containing this text")
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the baseline's code")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    engines = args.engines.split(",")
    sqlite_orders = args.sqlite_orders or args.orders
    admin_url, _ = pg_urls()
    print(f"machine: {os.cpu_count()} cores, {load()} at start")
    pg_url = prepare_postgresql(args.orders, args.reuse)
    options = (args.requests, args.scenarios, args.baseline)
    same = True
    try:
        if "postgresql" in engines:
            shop_orders = args.orders // grid_data.SHOPS
            label = f"PostgreSQL: {shop_orders:,} orders of one shop among {args.orders:,}"
            same &= bench_engine(label, pg_url, *options)
        if "sqlite" in engines:
            sqlite_url = prepare_sqlite(sqlite_orders, args.reuse, pg_url)
            shop_orders = sqlite_orders // grid_data.SHOPS
            label = f"SQLite: {shop_orders:,} orders of one shop among {sqlite_orders:,}"
            same &= bench_engine(label, sqlite_url, *options)
        print(f"\n{load()} at the end (the figures stretch with the machine's load)")
    finally:
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            SQLITE_PATH.unlink(missing_ok=True)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
