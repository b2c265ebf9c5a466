"""The mailbox's messages: kept in memory, and as `<id>.eml` (the bytes exactly as received)
plus `<id>.json` (the envelope and the time) under a directory when one is given, so a restart
of the development stand-in keeps its inbox."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path


@dataclass(frozen=True)
class StoredMessage:
    id: int
    received_at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def is_to(self, address: str) -> bool:
        wanted = address.strip().lower()
        return any(rcpt.lower() == wanted for rcpt in self.rcpt_tos)


class MessageStore:
    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory else None
        self._lock = threading.Lock()
        self._messages: list[StoredMessage] = []
        self._next_id = 1
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._load()

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> StoredMessage:
        with self._lock:
            message = StoredMessage(
                id=self._next_id,
                received_at=datetime.now(UTC),
                mail_from=mail_from,
                rcpt_tos=tuple(rcpt_tos),
                raw=raw,
            )
            self._next_id += 1
            self._messages.append(message)
            if self.directory:
                self._write(message)
        return message

    def all(self, to: str | None = None) -> list[StoredMessage]:
        """Oldest first; only those with `to` among their envelope recipients when given."""
        with self._lock:
            messages = list(self._messages)
        return [m for m in messages if to is None or m.is_to(to)]

    def get(self, message_id: int) -> StoredMessage | None:
        with self._lock:
            return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            if self.directory:
                for path in self.directory.glob("*.eml"):
                    path.unlink(missing_ok=True)
                for path in self.directory.glob("*.json"):
                    path.unlink(missing_ok=True)

    def _write(self, message: StoredMessage) -> None:
        stem = self.directory / f"{message.id:06d}"
        envelope = {
            "id": message.id,
            "received_at": message.received_at.isoformat(),
            "mail_from": message.mail_from,
            "rcpt_tos": list(message.rcpt_tos),
        }
        stem.with_suffix(".eml").write_bytes(message.raw)
        stem.with_suffix(".json").write_text(json.dumps(envelope), encoding="utf-8")

    def _load(self) -> None:
        for eml in sorted(self.directory.glob("*.eml")):
            try:
                envelope = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
                message = StoredMessage(
                    id=int(envelope["id"]),
                    received_at=datetime.fromisoformat(envelope["received_at"]),
                    mail_from=str(envelope["mail_from"]),
                    rcpt_tos=tuple(str(r) for r in envelope["rcpt_tos"]),
                    raw=eml.read_bytes(),
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a half-written pair from a killed process: left out
            self._messages.append(message)
        self._messages.sort(key=lambda m: m.id)
        self._next_id = max((m.id for m in self._messages), default=0) + 1
