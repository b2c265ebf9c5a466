"""The real parts the fulfillment benches run on, each in its own process as in production:
devstore (`python -m devstore serve`), Relay over HTTP (gunicorn as scripts/dev.sh starts it,
or werkzeug's threaded server), one `python -m jobs.worker`, PostgreSQL and Redis.

A throwaway database on the TEST_DATABASE_URL server, removed at the end, and the Redis
database TEST_REDIS_URL (default redis://127.0.0.1:6379/15), which is EMPTIED at the start
and at the end, as the test suite empties it between tests: RQ job ids (forward-<id>,
webhook-<id>, ...) are global in a Redis database, so a job left over from an earlier run
would read as "already queued". The bench process itself
drives devstore's control API and calls Relay's domain for what a merchant does (add a
supplier, Request Fulfillment on a selection), in an app of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import redis
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API_KEY = "relay-bench-client-id"
API_SECRET = "relay-bench-client-secret-long-enough-for-hs256"
SKU = "MUG-STN-SPK"


def free_port() -> int:
    """Any free port, or the first free one of RELAY_BENCH_PORTS ("27000-27999") when set (a
    range of one's own on a machine shared with other runs)."""
    low, _, high = os.environ.get("RELAY_BENCH_PORTS", "0-0").partition("-")
    for port in range(int(low), int(high or low) + 1) if int(low) else [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            if port and port in _TAKEN:
                continue
            _TAKEN.add(sock.getsockname()[1])
            return sock.getsockname()[1]
    raise SystemExit(f"no free port in RELAY_BENCH_PORTS={os.environ['RELAY_BENCH_PORTS']}")


_TAKEN: set[int] = set()  # handed out in this process but maybe not bound yet


def wait_until(condition, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(interval)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p * len(ordered) + 0.5)) - 1))]


class Rig:
    def __init__(self, *, server: str = "gunicorn", label: str = "bench", split: bool = False):
        self.server = server
        self.split = split  # a push-only worker, and a second one for the sync queue
        self.run_id = uuid.uuid4().hex[:8]
        self.tmp = Path(tempfile.mkdtemp(prefix=f"relay-{label}-"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.devstore_url = f"http://127.0.0.1:{free_port()}"
        self.relay_url = f"http://127.0.0.1:{free_port()}"
        self.control = httpx.Client(base_url=self.devstore_url, timeout=120)
        base = os.environ.get(
            "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        parts = urlsplit(base)
        self._admin_dsn = urlunsplit(parts._replace(scheme="postgresql"))
        self.db_name = f"relay_bench_{self.run_id}"
        self.env = dict(
            os.environ,
            DATABASE_URL=urlunsplit(parts._replace(path=f"/{self.db_name}")),
            REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            RQ_QUEUE_PREFIX=f"bench-{self.run_id}-",
            APP_URL=self.relay_url,
            SHOPIFY_API_KEY=API_KEY,
            SHOPIFY_API_SECRET=API_SECRET,
            SHOPIFY_SHOP_URL_TEMPLATE=self.devstore_url + "/store/{shop}",
            SHOPIFY_ADMIN_ORIGINS=self.devstore_url,
            TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            SECRET_KEY="bench-secret-key",
            RELAY_ENV="test",
            RELAY_VAR_DIR=str(self.tmp / "var"),
        )
        self.app = None
        self.start_timeout = 60.0  # seconds for devstore and Relay to answer

    # -- processes ------------------------------------------------------------------------

    def start(self) -> Rig:
        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        with psycopg.connect(self._admin_dsn, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.db_name}"')
        self.spawn_devstore()
        wait_until(self._devstore_up, self.start_timeout, what="devstore")
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "init-db"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        port = self.relay_url.rsplit(":", 1)[1]
        if self.server == "gunicorn":  # as scripts/dev.sh runs it
            self._spawn(
                "relay",
                [
                    "-m",
                    "gunicorn",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    "app:create_app()",
                ],
            )
        else:
            self._spawn(
                "relay", ["-m", "flask", "--app", "app", "run", "--port", port, "--with-threads"]
            )
        wait_until(self._relay_up, self.start_timeout, what="Relay")
        self.control.post(
            "/_devstore/apps",
            json={
                "client_id": API_KEY,
                "client_secret": API_SECRET,
                "name": "Relay",
                "app_url": self.relay_url,
                "redirect_urls": [f"{self.relay_url}/auth/callback"],
                "scopes": ["read_orders", "write_orders", "write_fulfillments"],
                "webhooks_uri": f"{self.relay_url}/webhooks",
            },
        ).raise_for_status()
        self.start_worker()
        os.environ.update(self.env)  # the bench's own app reads the same configuration
        from app import create_app

        self.app = create_app()
        return self

    def start_worker(self) -> subprocess.Popen:
        if not self.split:
            return self._spawn("worker", ["-m", "jobs.worker"])
        self._spawn("sync-worker", ["-m", "jobs.worker", "--queues", "mail,sync"])
        return self._spawn("worker", ["-m", "jobs.worker", "--queues", "push"])

    def kill_worker(self) -> None:
        """SIGKILL, as the OOM killer would: no warm shutdown, the job in hand abandoned."""
        worker = self.processes.pop("worker")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    def spawn_devstore(self) -> subprocess.Popen:
        """devstore on this rig's port and database (kept across a restart)."""
        port = self.devstore_url.rsplit(":", 1)[1]
        database = str(self.tmp / "devstore.sqlite3")
        return self._spawn(
            "devstore",
            ["-m", "devstore", "serve", "--port", port, "--db", database, "--retry-base", "1"],
        )

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
        self.processes[name] = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        return self.processes[name]

    def _devstore_up(self) -> bool:
        with suppress(httpx.HTTPError):
            return self.control.get("/_devstore/health").status_code == 200
        return False

    def _relay_up(self) -> bool:
        with suppress(httpx.HTTPError):
            return httpx.get(self.relay_url + "/healthz", timeout=2).status_code == 200
        return False

    def stop(self, keep: bool = False) -> None:
        """Stop the processes; drop the database and the queues unless `keep` (to look)."""
        for process in reversed(list(self.processes.values())):
            process.terminate()
        for process in self.processes.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
        if keep:
            print(f"kept: database {self.db_name}, logs in {self.tmp}")
            return
        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        if self.app is not None:
            from extensions import db

            with self.app.app_context():
                db.engine.dispose()
        with psycopg.connect(self._admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    # -- stores -----------------------------------------------------------------------------

    def shop(self, prefix: str, plan: str = "standard") -> str:
        domain = f"{prefix}-{self.run_id}.myshopify.com"
        self.control.post(
            "/_devstore/shops", json={"domain": domain, "plan": plan}
        ).raise_for_status()
        self.control.post("/_devstore/settings", json={"auto_approve": True}).raise_for_status()
        with httpx.Client(follow_redirects=True, timeout=60) as browser:
            answer = browser.get(f"{self.devstore_url}/store/{domain}/admin/apps/{API_KEY}/install")
        if answer.status_code != 200:
            raise SystemExit(f"install into {domain} failed: {answer.status_code}")
        wait_until(lambda: self._registered(domain), 120, what=f"post-install of {domain}")
        return domain

    def _registered(self, domain: str) -> bool:
        from domain.models.shop import Shop
        from extensions import db

        with self.app.app_context():
            shop = db.session.query(Shop).filter_by(domain=domain).one_or_none()
            return bool(shop and shop.fulfillment_location_gid)

    def stock_at_relay(self, domain: str) -> None:
        self.control.post(
            f"/_devstore/shops/{domain}/stock", json={"client_id": API_KEY, "skus": [SKU]}
        ).raise_for_status()

    def store_supplier(self, retailer: str, supplier_store: str) -> None:
        """The retailer's supplier is another store running Relay (channel `store`), and the
        hold window is over at once (the benches measure what happens after it)."""
        from domain.models.orders import Supplier, VariantMapping
        from domain.models.shop import Shop
        from domain.shop import settings as shop_settings
        from extensions import db

        with self.app.app_context():
            shop = db.session.query(Shop).filter_by(domain=retailer).one()
            shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
            supplier = Supplier(
                shop_id=shop.id,
                name="Bench Supplier",
                channel="store",
                store_domain=supplier_store,
                place_mode="manual",
                pay_mode="manual",
                currency="EUR",
            )
            db.session.add(supplier)
            db.session.flush()
            db.session.add(
                VariantMapping(
                    shop_id=shop.id,
                    sku=SKU,
                    supplier_id=supplier.id,
                    supplier_sku="SUP-" + SKU,
                    cost=Decimal("7.50"),
                    cost_currency="EUR",
                )
            )
            db.session.commit()

    def place_orders(self, domain: str, count: int, threads: int = 4) -> None:
        from concurrent.futures import ThreadPoolExecutor

        def place(_):
            self.control.post(
                f"/_devstore/shops/{domain}/orders",
                json={"line_items": [{"sku": SKU, "quantity": 1}], "financial_status": "paid"},
            ).raise_for_status()

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(place, range(count)))

    def supplier_orders(self, domain: str, status: str | None = None) -> int:
        from sqlalchemy import func, select

        from domain.models.orders import SupplierOrder
        from domain.models.shop import Shop
        from extensions import db

        with self.app.app_context():
            query = (
                select(func.count())
                .select_from(SupplierOrder)
                .join(Shop, Shop.id == SupplierOrder.shop_id)
                .where(Shop.domain == domain)
            )
            if status:
                query = query.where(SupplierOrder.status == status)
            return db.session.scalar(query)

    def request_all(self, domain: str) -> int:
        """The merchant selects every ready order of the supplier and clicks Request
        Fulfillment (the grid's bulk action, in pages of 500)."""
        from sqlalchemy import select

        from domain.fulfillment import requesting as requests
        from domain.models.orders import SupplierOrder
        from domain.models.shop import Shop
        from extensions import db

        done = 0
        with self.app.app_context():
            shop = db.session.query(Shop).filter_by(domain=domain).one()
            while True:
                rows = db.session.scalars(
                    select(SupplierOrder)
                    .where(SupplierOrder.shop_id == shop.id, SupplierOrder.status == "ready")
                    .order_by(SupplierOrder.id)
                    .limit(500)
                ).all()
                if not rows:
                    return done
                done += requests.request_fulfillment(rows, actor="merchant").done
                db.session.commit()

    def queues_idle(self) -> bool:
        from background import queues

        with self.app.app_context():
            return all(
                queues.queue(name).count == 0 and queues.queue(name).started_job_registry.count == 0
                for name in queues.QUEUE_ORDER
            )

    def slow_jobs(self, since: float, over: float = 1.0) -> str:
        """Jobs that started after `since` and ran longer than `over` seconds, by function:
        what held a worker (a worker runs one job at a time)."""
        from collections import defaultdict

        from rq.job import Job

        from background import queues

        found = defaultdict(list)
        with self.app.app_context():
            for name in queues.QUEUE_ORDER:
                registry = queues.queue(name).finished_job_registry
                ids = registry.get_job_ids()
                for start in range(0, len(ids), 500):
                    for job in Job.fetch_many(ids[start : start + 500], registry.connection):
                        if job is None or not job.started_at or not job.ended_at:
                            continue
                        took = (job.ended_at - job.started_at).total_seconds()
                        if job.started_at.timestamp() >= since and took > over:
                            found[job.func_name.rsplit(".", 1)[-1]].append(took)
        return ", ".join(
            f"{name} x{len(times)} (up to {max(times):.0f} s)" for name, times in found.items()
        )

    def jobs_by_function(self, since: float) -> dict[str, tuple[int, float]]:
        """Job runs that started after `since`, by function: (runs, seconds a worker spent on
        them). Runs deferred for their shop's throttle (RQ counts them as attempts that
        raised) are counted apart as "(deferred)", from the workers' logs."""
        from rq.job import Job

        from background import queues

        found: dict[str, tuple[int, float]] = {}
        with self.app.app_context():
            for name in queues.QUEUE_ORDER:
                queue = queues.queue(name)
                for registry in (queue.finished_job_registry, queue.failed_job_registry):
                    ids = registry.get_job_ids()
                    for start in range(0, len(ids), 500):
                        for job in Job.fetch_many(ids[start : start + 500], registry.connection):
                            if job is None or not job.started_at or not job.ended_at:
                                continue
                            if job.started_at.timestamp() >= since:
                                key = job.func_name.rsplit(".", 1)[-1]
                                runs, seconds = found.get(key, (0, 0.0))
                                took = (job.ended_at - job.started_at).total_seconds()
                                found[key] = (runs + 1, seconds + took)
        deferred = sum(
            (self.tmp / f"{name}.log").read_text().count(" deferred: ")
            for name in self.processes
            if "worker" in name and (self.tmp / f"{name}.log").exists()
        )
        if deferred:
            found["(deferred)"] = (deferred, 0.0)
        return dict(sorted(found.items(), key=lambda item: -item[1][0]))

    def store_orders(self, domain: str, limit: int) -> list[dict]:
        return self.control.get(f"/_devstore/shops/{domain}/orders?limit={limit}").json()

    def usage(self, domain: str) -> dict:
        rows = [
            r
            for r in self.control.get("/_devstore/usage", params={"shop": domain}).json()
            if r["client_id"] == API_KEY
        ]
        return rows[0] if rows else {"calls": 0, "throttled": 0, "actual_cost": 0, "operations": {}}
