"""Relay scaled out: several `python -m jobs.worker` processes per queue, as if on several
hosts, against one PostgreSQL and one Redis, and gunicorn with several processes.

Each worker is started with RELAY_WORKER_HOST set to its "host": workers on another host can
tell a dead worker only by its heartbeat (background/liveness.py), never by its pid, which is
what this rig makes them do. Used by bench/load.py and tests/integration/test_scale_out.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from fulfillment_rig import ROOT, SKU, Rig, wait_until


class ScaleRig(Rig):
    def __init__(self, *, web_processes: int = 2, label: str = "scale"):
        super().__init__(server="gunicorn", label=label)
        self.web_processes = web_processes
        self.start_timeout = 300.0  # a loaded machine starts several gunicorn processes slowly
        self.workers: dict[str, subprocess.Popen] = {}
        self.started = 0

    def start_worker(self):  # Rig.start() calls it: workers are started by name here instead
        return None

    def start(self) -> ScaleRig:
        original = self._spawn

        def spawn(name, args):  # gunicorn with more processes than the benches' default 2
            if name == "relay":
                args = [str(self.web_processes) if a == "2" else a for a in args]
            return original(name, args)

        self._spawn = spawn
        try:
            super().start()
        except BaseException:
            self.stop()  # nothing left running when the start itself failed
            raise
        finally:
            self._spawn = original
        return self

    def add_worker(self, queues: str, host: str) -> str:
        """A worker on `queues` (e.g. "push,mail" or "sync") on `host`; returns its name."""
        self.started += 1
        name = f"{queues.split(',')[0]}-{self.started}@{host}"
        log = open(self.tmp / f"worker-{name}.log", "a")  # noqa: SIM115
        env = dict(self.env, RELAY_WORKER_HOST=host)
        self.workers[name] = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker", "--queues", queues],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return name

    def wait_for_workers(self, timeout: float = 300) -> None:
        """Until every worker started beats its heartbeat (an app import takes a while on a
        loaded machine)."""
        import redis

        connection = redis.Redis.from_url(self.env["REDIS_URL"])
        wait_until(
            lambda: len(connection.keys("relay:heartbeat:*")) >= len(self.alive()),
            timeout,
            interval=0.5,
            what="workers up",
        )

    def kill(self, name: str) -> None:
        """SIGKILL, as the OOM killer or a lost host would: the job in hand abandoned."""
        process = self.workers.pop(name)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    def alive(self) -> list[str]:
        return [name for name, p in self.workers.items() if p.poll() is None]

    def stop(self, keep: bool = False) -> None:
        for process in self.workers.values():
            process.terminate()
        for process in self.workers.values():
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
        super().stop(keep=keep)

    # -- the flow ---------------------------------------------------------------------------

    def auto_place(self, retailer: str) -> None:
        """The supplier is sent every paid order by itself (no click), hold window 0."""
        from domain.models.orders import Supplier
        from domain.models.shop import Shop
        from extensions import db

        with self.app.app_context():
            shop = db.session.query(Shop).filter_by(domain=retailer).one()
            for supplier in db.session.query(Supplier).filter_by(shop_id=shop.id):
                supplier.place_mode = "auto"
            db.session.commit()

    def place_at_rate(self, domain: str, count: int, rate: float, threads: int = 16) -> float:
        """Open loop: order i is placed (paid) at start + i / rate; returns the seconds taken."""
        start = time.monotonic()

        def place(i: int) -> None:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.control.post(
                f"/_devstore/shops/{domain}/orders",
                json={"line_items": [{"sku": SKU, "quantity": 1}], "financial_status": "paid"},
            ).raise_for_status()

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(place, range(count)))
        return time.monotonic() - start

    def forwarded(self, retailer: str) -> int:
        from sqlalchemy import func, select

        from domain.models.orders import SupplierOrder
        from domain.models.shop import Shop
        from extensions import db

        with self.app.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(SupplierOrder)
                .join(Shop, Shop.id == SupplierOrder.shop_id)
                .where(Shop.domain == retailer, SupplierOrder.forwarded_at.is_not(None))
            )

    def queue_depths(self) -> dict[str, int]:
        from background import queues

        with self.app.app_context():
            return {
                name: queues.queue(name).count + queues.queue(name).scheduled_job_registry.count
                for name in queues.QUEUE_ORDER
            }


class DepthSampler:
    """Samples every queue's depth (waiting + scheduled) every `every` seconds; keeps peaks."""

    def __init__(self, rig: ScaleRig, every: float = 0.5):
        self.rig, self.every = rig, every
        self.peak: dict[str, int] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> DepthSampler:
        self.thread.start()
        return self

    def stop(self) -> dict[str, int]:
        self.stopped.set()
        self.thread.join()
        return self.peak

    def _loop(self) -> None:
        while not self.stopped.wait(self.every):
            with suppress(Exception):
                for name, depth in self.rig.queue_depths().items():
                    self.peak[name] = max(self.peak.get(name, 0), depth)
