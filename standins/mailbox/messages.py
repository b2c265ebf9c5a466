"""Reading a received message for the inbox and its JSON API: headers as text, the plain and
HTML parts, attachments; never raising on a malformed message (it is shown as it came)."""

from __future__ import annotations

from email.message import EmailMessage

from standins.mailbox.store import StoredMessage

SHOWN_HEADERS = ("From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID")


def header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except (ValueError, TypeError, IndexError, AttributeError):  # one the parser cannot model
        raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
        return " ".join(str(raw).split())


def all_headers(message: EmailMessage) -> list[tuple[str, str]]:
    pairs = []
    for name, value in message.raw_items():
        pairs.append((name, " ".join(str(value).split())))
    return pairs


def part_text(message: EmailMessage, subtype: str) -> str | None:
    try:
        part = message.get_body(preferencelist=(subtype,))
    except (KeyError, TypeError, ValueError):
        part = None
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def attachments(message: EmailMessage) -> list[dict]:
    found = []
    try:
        parts = list(message.iter_attachments())
    except (KeyError, TypeError, ValueError):
        return found
    for part in parts:
        payload = part.get_payload(decode=True) or b""
        found.append(
            {
                "filename": part.get_filename() or "(no name)",
                "content_type": part.get_content_type(),
                "size": len(payload),
            }
        )
    return found


def summary(stored: StoredMessage, message: EmailMessage | None = None) -> dict:
    """What the inbox list and the JSON API say about one message."""
    message = message or stored.parsed()
    return {
        "id": stored.id,
        "received_at": stored.received_at.isoformat(),
        "from": header(message, "From"),
        "reply_to": header(message, "Reply-To"),
        "to": header(message, "To"),
        "cc": header(message, "Cc"),
        "subject": header(message, "Subject"),
        "date": header(message, "Date"),
        "message_id": header(message, "Message-ID"),
        "envelope": {"mail_from": stored.mail_from, "rcpt_tos": list(stored.rcpt_tos)},
    }


def as_json(stored: StoredMessage) -> dict:
    message = stored.parsed()
    return summary(stored, message) | {
        "text": part_text(message, "plain"),
        "html": part_text(message, "html"),
        "headers": [list(pair) for pair in all_headers(message)],
        "attachments": attachments(message),
    }
