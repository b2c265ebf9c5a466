"""Signed, retried, at-least-once delivery of webhooks and callbacks.

Deliveries are documents (kind "webhook_delivery"), so a restart resumes what was pending.
A sender thread posts each one with Shopify's headers, 1 s connect / 5 s total timeout; only
2xx counts as delivered (3xx is a failure, as on Shopify). Failures retry with exponential
backoff up to 8 times; after 8 consecutive failures an API-created subscription is removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx

from devstore.schema import API_VERSION

log = logging.getLogger("devstore.delivery")
MAX_RETRIES = 8


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def record(
    store, *, shop: str, client_id: str, topic: str | None, uri: str, payload: dict, event_id: str
) -> dict:
    webhook_id = str(uuid.uuid4())
    doc = {
        "id": webhook_id,
        "shop": shop,
        "client_id": client_id,
        "topic": topic,
        "uri": uri,
        "body": json.dumps(payload, separators=(",", ":")),
        "event_id": event_id,
        "triggered_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "status": "pending",
        "attempts": 0,
        "responses": [],
        "next_attempt_at": time.time(),
        "duplicate_sent": False,
    }
    store.put("webhook_delivery", webhook_id, doc, shop=shop)
    Sender.wake()
    return doc


class Sender:
    """One background loop per process; HTTP happens in a small pool outside the store lock."""

    _wakeup = threading.Event()

    def __init__(self, store, settings):
        self.store = store
        self.settings = settings
        self._stop = threading.Event()
        self._in_flight: set[str] = set()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="devstore-send")
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, connect=1.0))
        self._thread = threading.Thread(target=self._run, name="devstore-sender", daemon=True)

    @classmethod
    def wake(cls) -> None:
        cls._wakeup.set()

    def start(self) -> Sender:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wakeup.clear()
            now = time.time()
            due = [
                d
                for d in self.store.peek("webhook_delivery")
                if d["status"] == "pending"
                and d["next_attempt_at"] <= now
                and d["id"] not in self._in_flight
            ]
            for doc in sorted(due, key=lambda d: d["next_attempt_at"]):
                self._in_flight.add(doc["id"])
                self._pool.submit(self._attempt, doc["id"])
            self._wakeup.wait(timeout=0.05)

    def _attempt(self, delivery_id: str) -> None:
        try:
            doc = self.store.get("webhook_delivery", delivery_id)
            if doc is None or doc["status"] != "pending":
                return
            outcome = self._post(doc)
            with self.store.transaction():
                doc = self.store.get("webhook_delivery", delivery_id)
                doc["attempts"] += 1
                doc["responses"].append(outcome)
                if outcome.get("status") and 200 <= outcome["status"] < 300:
                    doc["status"] = "delivered"
                    doc["delivered_at"] = time.time()
                    if self.settings.duplicate_deliveries and not doc["duplicate_sent"]:
                        doc["duplicate_sent"] = True
                        doc["status"] = "pending"  # at-least-once: send the same id again
                        doc["next_attempt_at"] = time.time()
                elif doc["attempts"] > MAX_RETRIES:
                    doc["status"] = "failed"
                    self._drop_failing_subscription(doc)
                else:
                    backoff = self.settings.retry_base_seconds * (2 ** (doc["attempts"] - 1))
                    doc["next_attempt_at"] = time.time() + backoff
                self.store.put("webhook_delivery", delivery_id, doc, shop=doc["shop"])
        except Exception:  # a sender bug must not kill the loop
            log.exception("delivery %s crashed", delivery_id)
        finally:
            self._in_flight.discard(delivery_id)
            self.wake()

    def _post(self, doc: dict) -> dict:
        app = self.store.get("app", doc["client_id"]) or {}
        body = doc["body"].encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": sign(app.get("client_secret", ""), body),
            "X-Shopify-Shop-Domain": doc["shop"],
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": doc["id"],
            "X-Shopify-Event-Id": doc["event_id"],
            "X-Shopify-Triggered-At": doc["triggered_at"],
            "User-Agent": "Shopify-Captain-Hook",
        }
        if doc["topic"]:
            headers["X-Shopify-Topic"] = doc["topic"]
        started = time.time()
        try:
            response = self._client.post(
                doc["uri"], content=body, headers=headers, follow_redirects=False
            )
            return {
                "status": response.status_code,
                "at": started,
                "ms": round((time.time() - started) * 1000, 1),
            }
        except httpx.HTTPError as exc:
            return {"status": None, "error": type(exc).__name__, "at": started}

    def _drop_failing_subscription(self, doc: dict) -> None:
        from devstore.events import topic_enum

        if not doc["topic"]:
            return
        for sub in self.store.find(
            "webhook_subscription",
            shop=doc["shop"],
            where=lambda s: (
                s["client_id"] == doc["client_id"]
                and s["uri"] == doc["uri"]
                and s["topic"] == topic_enum(doc["topic"])
            ),
        ):
            self.store.delete("webhook_subscription", sub["id"])
