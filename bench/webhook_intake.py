"""Webhook intake throughput and latency: Relay vs a bare Flask endpoint, same server.

Both run under gunicorn with 2 workers on loopback. Relay verifies the HMAC, records the
receipt (unique per X-Shopify-Webhook-Id) in PostgreSQL and enqueues an RQ job in Redis; the
bare endpoint returns 200. Prints requests/s of each (closed loop, fixed concurrency), their
ratio (goal >= 0.5), and Relay's p50/p99 latency at a fixed 200 req/s (goal p99 < 50 ms).

    python bench/webhook_intake.py [--seconds 12] [--rounds 4] [--concurrency 16]

The closed loops alternate bare/Relay in rounds (the machine's 2 cores are shared, so a burst
of outside load lands on both alike) and report each side's median round. The run checks that
every stored receipt got exactly one job.

Uses TEST_DATABASE_URL / TEST_REDIS_URL servers (a throwaway database is created and dropped).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import redis
from rq import Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from integrations.shopify_admin.webhooks import body_signature  # noqa: E402

SECRET = "bench-secret-that-is-long-enough-for-hmac"
PAYLOAD = json.loads(
    (ROOT / "devstore/vendor/webhook-schemas/metadatas/2026-07/orders/create.json").read_text()
)["response"]
BODY = json.dumps(PAYLOAD).encode()
SIGNATURE = body_signature(SECRET, BODY)


def headers() -> dict:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": SIGNATURE,
        "X-Shopify-Shop-Domain": "bench.myshopify.com",
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-24T10:00:00.000000Z",
    }


def start_gunicorn(app_spec: str, port: int, env: dict, threads: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{app_spec} did not start")


def closed_loop(url: str, seconds: float, concurrency: int) -> tuple[float, int]:
    """As many requests as `concurrency` clients can push: requests/s and non-200 count."""
    done, errors = [0], [0]
    deadline = time.time() + seconds
    lock = threading.Lock()

    def client():
        with httpx.Client(timeout=10) as http:
            while time.time() < deadline:
                response = http.post(url, content=BODY, headers=headers())
                with lock:
                    done[0] += 1
                    errors[0] += response.status_code != 200

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.time() - start), errors[0]


def alternating(urls: dict[str, str], seconds: float, concurrency: int, rounds: int) -> dict:
    """Closed loops that take turns (bare, Relay, bare, Relay, ...), so a burst of load from
    elsewhere on the machine hits both alike; per endpoint: median req/s, all rounds, non-200s."""
    results = {name: {"rates": [], "errors": 0} for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            rate, errors = closed_loop(url, seconds / rounds, concurrency)
            results[name]["rates"].append(rate)
            results[name]["errors"] += errors
    for result in results.values():
        result["median"] = statistics.median(result["rates"])
    return results


def fixed_rate(url: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Open loop at `rate` req/s: each request's latency in ms (a timed-out request counts
    with the time it waited), and how many did not get a 200."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    interval = 1.0 / rate
    total = int(rate * seconds)
    clients = [httpx.Client(timeout=10) for _ in range(32)]

    def fire(i: int):
        started = time.perf_counter()
        try:
            ok = clients[i % len(clients)].post(url, content=BODY, headers=headers()).is_success
        except httpx.HTTPError:
            ok = False
        with lock:
            latencies.append((time.perf_counter() - started) * 1000)
            failures[0] += not ok

    threads = []
    start = time.perf_counter()
    for i in range(total):
        target = start + i * interval
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=fire, args=(i,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return latencies, failures[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12, help="closed-loop time per endpoint")
    parser.add_argument("--rounds", type=int, default=4, help="alternations bare/Relay")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="gunicorn threads per worker: 1 = sync workers; scripts/dev.sh serves Relay with 4",
    )
    args = parser.parse_args()

    base = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parts = urlsplit(base)
    admin = psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")), autocommit=True)
    run_id = uuid.uuid4().hex[:8]
    name = f"relay_bench_{run_id}"
    admin.execute(f'CREATE DATABASE "{name}"')
    env = dict(
        os.environ,
        DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")),
        REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14"),
        SHOPIFY_API_SECRET=SECRET,
        RELAY_ENV="test",
        # Job ids are per receipt id and this database is new: a prefix of its own, and the
        # queue emptied at the end, keep runs from finding each other's jobs.
        RQ_QUEUE_PREFIX=f"bench-{run_id}-",
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    push = Queue(env["RQ_QUEUE_PREFIX"] + "push", connection=redis.Redis.from_url(env["REDIS_URL"]))
    servers = []
    try:
        servers.append(start_gunicorn("bench.bare_app:app", 8911, env, args.threads))
        servers.append(start_gunicorn("app:create_app()", 8912, env, args.threads))
        urls = {
            "bare": "http://127.0.0.1:8911/webhooks",
            "relay": "http://127.0.0.1:8912/webhooks",
        }
        closed_loop(urls["relay"], 1, 4)  # warm up connections and imports
        closed_loop(urls["bare"], 1, 4)
        loops = alternating(urls, args.seconds, args.concurrency, args.rounds)
        latencies, late_failures = fixed_rate(urls["relay"], args.rate, args.seconds)
    finally:
        for server in servers:  # graceful: requests still in flight finish first
            server.terminate()
            server.wait(timeout=30)
    try:
        stored = (
            psycopg.connect(env["DATABASE_URL"].replace("+psycopg", ""))
            .execute("select count(*) from webhook_receipts")
            .fetchone()[0]
        )
        queued = push.count
    finally:
        push.empty()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    bare, relay = loops["bare"], loops["relay"]

    def rounds(result: dict) -> str:
        return ", ".join(f"{rate:.0f}" for rate in result["rates"])

    print(
        f"bare Flask endpoint : {bare['median']:8.1f} req/s  median of rounds [{rounds(bare)}] "
        f"(non-200: {bare['errors']})"
    )
    print(
        f"Relay intake        : {relay['median']:8.1f} req/s  median of rounds [{rounds(relay)}] "
        f"(non-200: {relay['errors']})"
    )
    print(f"ratio Relay / bare  : {relay['median'] / bare['median']:8.2f}   (goal >= 0.5)")
    print(f"server              : gunicorn, 2 workers x {args.threads} thread(s), both apps")
    print(
        f"Relay at {args.rate:.0f} req/s  : p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms over {len(latencies)} requests, "
        f"non-200 or timed out: {late_failures} (goal p99 < 50 ms)"
    )
    print(f"receipts stored     : {stored} (one per unique webhook id)")
    print(f"jobs enqueued       : {queued} (one per stored receipt)")
    return 0 if stored == queued else 1


if __name__ == "__main__":
    raise SystemExit(main())
