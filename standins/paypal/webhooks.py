"""Webhooks as PayPal sends them: the event JSON, PAYPAL-TRANSMISSION-* headers and an
RSA-SHA256 signature over `transmission_id|transmission_time|webhook_id|crc32(body)`, the
certificate at PAYPAL-CERT-URL, and POST /v1/notifications/verify-webhook-signature.
Deliveries go out in order from one thread, retried a few times, and are recorded."""

from __future__ import annotations

import base64
import binascii
import json
import queue
import threading
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Blueprint, current_app, jsonify

from standins.paypal import server
from standins.paypal.ids import new_id, now

bp = Blueprint("webhooks", __name__)
CERT_PATH = "/v1/notifications/certs/CERT-360caa42-fca2a594-standin"
AUTH_ALGO = "SHA256withRSA"
SUMMARIES = {
    "CHECKOUT.ORDER.APPROVED": "An order has been approved by buyer",
    "PAYMENT.CAPTURE.COMPLETED": "Payment completed",
    "PAYMENT.CAPTURE.DENIED": "A payment capture was denied",
    "PAYMENT.CAPTURE.REFUNDED": "A capture payment was refunded",
    "VAULT.PAYMENT-TOKEN.CREATED": "A payment token has been created",
}


def event_bytes(event: dict) -> bytes:
    """The body as sent; verification re-serialises webhook_event the same way."""
    return json.dumps(event, separators=(",", ":")).encode()


def signed_message(transmission_id, transmission_time, webhook_id, body: bytes) -> bytes:
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()


class Signer:
    """The stand-in's signing key (kept in its state, so a restart still verifies old events)
    and the self-signed certificate served at CERT_PATH."""

    def __init__(self, store):
        pem = store.setting("signing_key")
        if pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            store.set_setting("signing_key", pem)
        self.key = serialization.load_pem_private_key(pem.encode(), password=None)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts")])
        start = datetime(2026, 1, 1, tzinfo=UTC)
        self.cert_pem = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.key.public_key()).serial_number(1)
            .not_valid_before(start).not_valid_after(start + timedelta(days=3650))
            .sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        )  # fmt: skip

    def sign(self, message: bytes) -> str:
        signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def verifies(self, message: bytes, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature, validate=True)
            self.key.public_key().verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


class Deliverer:
    """One thread posting events in the order they happened."""

    def __init__(self, store, settings):
        self.store, self.settings = store, settings
        self.jobs: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, daemon=True, name="paypal-webhooks").start()

    def _run(self) -> None:
        while True:
            seq, url, headers, body = self.jobs.get()
            status = 0
            for attempt in range(self.settings.webhook_attempts):
                try:
                    status = httpx.post(url, content=body, headers=headers, timeout=10).status_code
                except httpx.HTTPError:
                    status = 0
                if 200 <= status < 300:
                    break
                time.sleep(self.settings.webhook_retry_seconds * (attempt + 1))
            self.store.set_delivery_status(seq, status)
            self.jobs.task_done()


def deliverer() -> Deliverer:
    app = current_app
    with server.store().lock:
        if "DELIVERER" not in app.config:
            app.config["DELIVERER"] = Deliverer(server.store(), server.settings())
    return app.config["DELIVERER"]


def emit(event_type: str, resource_type: str, resource: dict) -> dict:
    """Send the event to every configured webhook, signed for that webhook's id."""
    base = server.base_url()
    event_id = "WH-" + new_id(26)
    event = {
        "id": event_id, "event_version": "1.0", "create_time": now(),
        "resource_type": resource_type, "resource_version": "2.0", "event_type": event_type,
        "summary": SUMMARIES.get(event_type, event_type), "resource": resource,
        "links": [{"href": f"{base}/v1/notifications/webhooks-events/{event_id}", "rel": "self",
                   "method": "GET"}],
    }  # fmt: skip
    body = event_bytes(event)
    signer: Signer = current_app.config["SIGNER"]
    for webhook_id, url in server.store().webhooks():
        transmission_id, transmission_time = str(uuid.uuid4()), now()
        message = signed_message(transmission_id, transmission_time, webhook_id, body)
        headers = {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": signer.sign(message),
            "PAYPAL-CERT-URL": base + CERT_PATH,
            "PAYPAL-AUTH-ALGO": AUTH_ALGO,
        }
        seq = server.store().record_delivery(event_id, webhook_id, url, headers, body)
        if server.settings().deliver_webhooks:
            deliverer().jobs.put((seq, url, headers, body))
    return event


@bp.get(CERT_PATH)
def certificate():
    return current_app.config["SIGNER"].cert_pem, 200, {"Content-Type": "application/x-pem-file"}


FIELDS = ("auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time",
          "webhook_id", "webhook_event")  # fmt: skip


def _verification(body: dict) -> str:
    if body["auth_algo"] != AUTH_ALGO or body["cert_url"] != server.base_url() + CERT_PATH:
        return "FAILURE"
    if not isinstance(body["webhook_event"], dict):
        return "FAILURE"
    message = signed_message(
        body["transmission_id"], body["transmission_time"], body["webhook_id"],
        event_bytes(body["webhook_event"]),
    )  # fmt: skip
    signer: Signer = current_app.config["SIGNER"]
    return "SUCCESS" if signer.verifies(message, str(body["transmission_sig"])) else "FAILURE"


@bp.post("/v1/notifications/verify-webhook-signature")
def verify():
    server.require_token()
    body = server.json_body()
    missing = [field for field in FIELDS if not body.get(field)]
    if missing:
        error = {
            "name": "VALIDATION_ERROR",
            "message": "Invalid request - see details",
            "debug_id": new_id(13).lower(),
            "details": [{"field": f, "location": "body", "issue": "MISSING_REQUIRED_PARAMETER"}
                        for f in missing],
        }  # fmt: skip
        return jsonify(error), 400
    return jsonify({"verification_status": _verification(body)})
