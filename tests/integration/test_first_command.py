"""The README's first command, as a new user runs it: `./scripts/dev.sh` on the embedded
defaults (SQLite file, one embedded Redis) sets up the demo stores, installs Relay, seeds
orders and syncs them, and the Jobs page then has nothing failed to greet the user with (it
used to show 10–34 failed jobs: the backfill and the order webhooks raced to insert the same
orders). Ctrl-C stops everything it started."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest
import redis
from rq import Queue

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.integration
DEADLINE_S = 600  # generous: a loaded 2-core machine; the run itself takes ~1 minute


def wait(condition, what: str, process: subprocess.Popen, log) -> None:
    give_up = time.monotonic() + DEADLINE_S
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"dev.sh exited ({process.returncode}) before {what}: {log()[-3000:]}")
        if time.monotonic() > give_up:
            pytest.fail(f"no {what} within {DEADLINE_S} s: {log()[-3000:]}")
        time.sleep(0.5)


def test_a_fresh_first_command_leaves_no_failed_jobs_and_ctrl_c_stops_everything(tmp_path):
    var = tmp_path / "var"
    out = tmp_path / "dev.out"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL")
    }
    env.update(
        RELAY_VAR_DIR=str(var),
        DEVSTORE_PORT=str(free_port()),
        RELAY_PORT=str(free_port()),
        PAYPAL_STANDIN_PORT=str(free_port()),
        ECB_STANDIN_PORT=str(free_port()),
        MAILBOX_SMTP_PORT=str(free_port()),
        MAILBOX_WEB_PORT=str(free_port()),
    )
    with open(out, "w") as sink:
        dev = subprocess.Popen(
            ["bash", "scripts/dev.sh"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )

    def log() -> str:
        return out.read_text(errors="replace")

    try:
        wait(lambda: "Relay is running." in log(), "'Relay is running.'", dev, log)
        queues_redis = redis.Redis(unix_socket_path=str(var / "redis.sock"))
        push, sync = (Queue(name, connection=queues_redis) for name in ("push", "sync"))

        def settled() -> bool:  # nothing waiting or running (sweeps stay scheduled)
            return all(q.count + q.started_job_registry.count == 0 for q in (push, sync))

        wait(settled, "quiet queues after the demo setup", dev, log)
        with sqlite3.connect(var / "relay.sqlite3") as database:
            orders = database.execute("SELECT count(*) FROM orders").fetchone()[0]
            parked = database.execute(
                "SELECT count(*) FROM webhook_receipts WHERE parked_at IS NOT NULL"
            ).fetchone()[0]
        assert orders >= 40, "the demo orders arrived"
        assert push.failed_job_registry.count == 0, push.failed_job_registry.get_job_ids()
        assert sync.failed_job_registry.count == 0, sync.failed_job_registry.get_job_ids()
        assert parked == 0
        paypal = env["PAYPAL_STANDIN_PORT"]
        merchants = subprocess.run(
            ["curl", "-fs", f"http://127.0.0.1:{paypal}/_standin/merchants"],
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert "supplier@demo-supplier.example" in merchants, "the PayPal stand-in runs"
        inbox = f"http://127.0.0.1:{env['MAILBOX_WEB_PORT']}/"
        assert f"Inbox (every email Relay sends): {inbox}" in log()
        mailbox = subprocess.run(
            ["curl", "-fs", f"{inbox}_mailbox/health"], capture_output=True, text=True
        ).stdout
        assert f'"port": {env["MAILBOX_SMTP_PORT"]}' in mailbox, "the mailbox runs"
    finally:
        os.killpg(dev.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole group
        dev.wait(timeout=120)

    def still_running(*pgrep_args: str) -> list[str]:
        return subprocess.run(["pgrep", *pgrep_args], capture_output=True, text=True).stdout.split()

    assert still_running("-g", str(dev.pid)) == [], "everything dev.sh started has stopped"
    assert still_running("-f", str(var)) == [], "the embedded Redis of this var/ too"
