"""Webhook intake throughput and latency: Relay vs a bare Flask endpoint, same server.

Both run under the same gunicorn configuration on loopback (by default 2 gthread workers x 4
threads, as scripts/dev.sh serves Relay; `--threads 1` gives sync workers). Relay verifies the
HMAC, records the receipt (unique per X-Shopify-Webhook-Id) in PostgreSQL and enqueues an RQ job
in Redis; the bare endpoint returns 200. Prints, for both, requests/s (closed loop, fixed
concurrency) and their ratio (goal >= 0.75), p50/p99 latency at a fixed 200 req/s (open loop,
below saturation; goal p99 < 20 ms), and the server CPU each request cost (gunicorn workers, and
for Relay its PostgreSQL backends) and the bench's own client: the figures other work on the
machine disturbs least, and on 2 shared cores the closed-loop ratio is set by them.

    python bench/webhook_intake.py [--seconds 12] [--rounds 4] [--concurrency 16] [--port 8911]

The closed loops alternate bare/Relay in rounds (the machine's 2 cores are shared, so a burst
of outside load lands on both alike) and report each side's median round; the open loops
alternate too. The load average (`uptime`) is printed before and after. The run checks that
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


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) these processes have used so far; a gone one counts 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def alternating(urls: dict[str, str], seconds: float, concurrency: int, rounds: int, pids) -> dict:
    """Closed loops that take turns (bare, Relay, bare, Relay, ...), so a burst of load from
    elsewhere on the machine hits both alike; per endpoint: median req/s, all rounds, non-200s,
    and the CPU (ms) per request over all rounds: the bench's own (the client) and each group of
    server processes (`pids[name]` lists them)."""
    results = {name: {"rates": [], "errors": 0, "cpu": {}, "done": 0} for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            groups = {group: listed() for group, listed in pids[name].items()}
            before = {group: process_cpu(processes) for group, processes in groups.items()}
            client_before = time.process_time()
            rate, errors = closed_loop(url, seconds / rounds, concurrency)
            used = time.process_time() - client_before
            results[name]["cpu"]["client"] = results[name]["cpu"].get("client", 0) + used
            for group, processes in groups.items():
                used = process_cpu(processes) - before[group]
                results[name]["cpu"][group] = results[name]["cpu"].get(group, 0) + used
            results[name]["done"] += rate * seconds / rounds
            results[name]["rates"].append(rate)
            results[name]["errors"] += errors
    for result in results.values():
        result["median"] = statistics.median(result["rates"])
        per_request = {g: 1000 * cpu / max(result["done"], 1) for g, cpu in result["cpu"].items()}
        result["client_ms"] = per_request.pop("client")
        result["cpu_ms"] = sum(per_request.values())
        result["cpu_split"] = " + ".join(f"{g} {ms:.2f}" for g, ms in per_request.items())
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


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 1)[0]


def report(loops: dict, latencies: dict, args, loads: tuple[str, str]) -> None:
    bare, relay = loops["bare"], loops["relay"]
    workers = "sync workers" if args.threads == 1 else f"gthread, {args.threads} threads each"
    print(f"server              : gunicorn, 2 workers ({workers}), the same for both apps")
    print(f"machine load        : {loads[0]} before, {loads[1]} after (1-minute load average)")
    for name, result in (("bare Flask endpoint", bare), ("Relay intake", relay)):
        rates = ", ".join(f"{rate:.0f}" for rate in result["rates"])
        print(
            f"{name:20s}: {result['median']:8.1f} req/s  median of rounds [{rates}] "
            f"(non-200: {result['errors']})\n{'':22s}server CPU {result['cpu_ms']:.2f} ms/request "
            f"({result['cpu_split']}); the bench's client {result['client_ms']:.2f} ms/request"
        )
    print(f"ratio Relay / bare  : {relay['median'] / bare['median']:8.2f}   (goal >= 0.75)")
    print(
        f"server CPU ratio    : {bare['cpu_ms'] / relay['cpu_ms']:8.2f}   (bare / Relay "
        "ms per request; Relay's includes its PostgreSQL backends)"
    )
    for name, (values, failures) in latencies.items():
        print(
            f"{name:5s} at {args.rate:.0f} req/s : p50 {statistics.median(values):.1f} ms, "
            f"p99 {percentile(values, 0.99):.1f} ms over {len(values)} requests, "
            f"non-200 or timed out: {failures}" + (" (goal p99 < 20 ms)" if name == "relay" else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12, help="closed-loop time per endpoint")
    parser.add_argument("--rounds", type=int, default=4, help="alternations bare/Relay")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--port", type=int, default=8911, help="bare app's port; Relay's is next")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="gunicorn threads per worker (gthread), as scripts/dev.sh; 1 = sync workers",
    )
    args = parser.parse_args()
    loads = [load_average()]

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

    def backends() -> list[int]:  # the PostgreSQL server processes serving the bench database
        query = "select pid from pg_stat_activity where datname = %s"
        return [row[0] for row in admin.execute(query, (name,))]

    servers = {}
    try:
        servers["bare"] = start_gunicorn("bench.bare_app:app", args.port, env, args.threads)
        servers["relay"] = start_gunicorn("app:create_app()", args.port + 1, env, args.threads)
        urls = {
            "bare": f"http://127.0.0.1:{args.port}/webhooks",
            "relay": f"http://127.0.0.1:{args.port + 1}/webhooks",
        }
        closed_loop(urls["relay"], 1, 8)  # warm up connections, pools and imports
        closed_loop(urls["bare"], 1, 8)
        pids = {
            "bare": {"gunicorn": lambda: worker_pids(servers["bare"])},
            "relay": {"gunicorn": lambda: worker_pids(servers["relay"]), "PostgreSQL": backends},
        }
        loops = alternating(urls, args.seconds, args.concurrency, args.rounds, pids)
        latencies = {"bare": ([], 0), "relay": ([], 0)}
        for _ in range(2):  # open loops, taking turns too
            for endpoint, url in urls.items():
                values, failures = fixed_rate(url, args.rate, args.seconds / 2)
                latencies[endpoint] = (
                    latencies[endpoint][0] + values,
                    latencies[endpoint][1] + failures,
                )
    finally:
        for server in servers.values():  # graceful: requests still in flight finish first
            server.terminate()
            server.wait(timeout=30)
    loads.append(load_average())
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
    report(loops, latencies, args, tuple(loads))
    print(f"receipts stored     : {stored} (one per unique webhook id)")
    print(f"jobs enqueued       : {queued} (one per stored receipt)")
    return 0 if stored == queued else 1


if __name__ == "__main__":
    raise SystemExit(main())
