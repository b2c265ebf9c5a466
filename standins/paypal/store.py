"""The stand-in's state: JSON documents in SQLite (a file in development so restarts keep it,
`:memory:` in tests). One lock serialises every request, as one PayPal account would."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, status INTEGER, body TEXT);
CREATE TABLE IF NOT EXISTS merchants (email TEXT PRIMARY KEY, merchant_id TEXT UNIQUE);
CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, url TEXT);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT, webhook_id TEXT, url TEXT,
    headers TEXT, body TEXT, status INTEGER);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
"""


class Store:
    def __init__(self, path: str | Path = ":memory:"):
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.executescript(SCHEMA)

    # -- documents (orders, captures, refunds, setup tokens, payment tokens, access tokens) --

    def get(self, kind: str, doc_id: str) -> dict | None:
        with self.lock:
            row = self.db.execute(
                "SELECT body FROM docs WHERE kind = ? AND id = ?", (kind, doc_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, doc_id: str, body: dict) -> dict:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO docs (kind, id, body) VALUES (?, ?, ?)",
                (kind, doc_id, json.dumps(body)),
            )
        return body

    def all(self, kind: str) -> list[dict]:
        with self.lock:
            rows = self.db.execute("SELECT body FROM docs WHERE kind = ?", (kind,)).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -- PayPal-Request-Id: the first response, replayed --------------------------------------

    def replay(self, key: str) -> tuple[int, dict] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT status, body FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def remember(self, key: str, status: int, body: dict) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO idempotency (key, status, body) VALUES (?, ?, ?)",
                (key, status, json.dumps(body)),
            )

    # -- merchants (payee accounts that exist) ------------------------------------------------

    def add_merchant(self, email: str, merchant_id: str) -> str:
        with self.lock:
            row = self.db.execute(
                "SELECT merchant_id FROM merchants WHERE email = ?", (email.lower(),)
            ).fetchone()
            if row:
                return row[0]
            self.db.execute(
                "INSERT INTO merchants (email, merchant_id) VALUES (?, ?)",
                (email.lower(), merchant_id),
            )
        return merchant_id

    def merchant(self, *, email: str | None = None, merchant_id: str | None = None):
        """(email, merchant_id) of an existing payee account, or None."""
        with self.lock:
            if email:
                query, value = "SELECT email, merchant_id FROM merchants WHERE email = ?", email
                value = value.lower()
            else:
                query = "SELECT email, merchant_id FROM merchants WHERE merchant_id = ?"
                value = merchant_id or ""
            row = self.db.execute(query, (value,)).fetchone()
        return tuple(row) if row else None

    def merchants(self) -> list[dict]:
        with self.lock:
            rows = self.db.execute("SELECT email, merchant_id FROM merchants").fetchall()
        return [{"email_address": e, "merchant_id": m} for e, m in rows]

    # -- webhooks and their deliveries --------------------------------------------------------

    def add_webhook(self, webhook_id: str, url: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO webhooks (id, url) VALUES (?, ?)", (webhook_id, url)
            )

    def webhooks(self) -> list[tuple[str, str]]:
        with self.lock:
            return self.db.execute("SELECT id, url FROM webhooks").fetchall()

    def record_delivery(self, event_id, webhook_id, url, headers, body: bytes) -> int:
        with self.lock:
            cursor = self.db.execute(
                "INSERT INTO deliveries (event_id, webhook_id, url, headers, body, status)"
                " VALUES (?, ?, ?, ?, ?, NULL)",
                (event_id, webhook_id, url, json.dumps(headers), body.decode()),
            )
            return cursor.lastrowid

    def set_delivery_status(self, seq: int, status: int) -> None:
        with self.lock:
            self.db.execute("UPDATE deliveries SET status = ? WHERE seq = ?", (status, seq))

    def deliveries(self) -> list[dict]:
        with self.lock:
            rows = self.db.execute(
                "SELECT seq, event_id, webhook_id, url, headers, body, status FROM deliveries"
                " ORDER BY seq"
            ).fetchall()
        keys = ("seq", "event_id", "webhook_id", "url", "headers", "body", "status")
        return [dict(zip(keys, row, strict=True)) | {"headers": json.loads(row[4])} for row in rows]

    # -- settings (the signing key) and reset -------------------------------------------------

    def setting(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value)
            )

    def reset(self) -> None:
        """Forget orders, payments, tokens and deliveries; keep merchants, webhooks, the key."""
        with self.lock:
            for table in ("docs", "idempotency", "deliveries"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
