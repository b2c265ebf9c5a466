"""An error's text made safe to show a merchant: no database or Redis URL, no credentials,
no SQL or its parameters (SQLAlchemy and psycopg put all of these in their messages)."""

from __future__ import annotations

import re

HIDDEN = "[hidden]"
# scheme://user:password@host/db, and any database or Redis URL even without credentials.
URL_WITH_SECRETS = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://[^\s/'\"@]*@[^\s'\"]*"
    r"|(?:postgres(?:ql)?|mysql|sqlite|redis|rediss|amqp)(?:\+\w+)?://[^\s'\"]*)",
    re.IGNORECASE,
)
# libpq's key=value connection strings: password=…, user=…, host=…
DSN_KEY = re.compile(r"\b(password|passwd|user|host|hostaddr|dbname)=(\"[^\"]*\"|'[^']*'|\S+)")
# SQLAlchemy's "[SQL: …]" and "[parameters: …]" (customer data) and its help link.
SQL_PARTS = re.compile(r"\[(?:SQL|parameters): .*?\](?=\s*(?:\[|\(Background|$))", re.DOTALL)
BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")
# psycopg: connection to server at "db.internal" (10.0.0.5), port 5432 failed
SERVER_AT = re.compile(r'server at "[^"]*" \([^)]*\)|server at "[^"]*"')
FOR_USER = re.compile(r'for user "[^"]*"')


def without_secrets(text: str | None) -> str:
    if not text:
        return ""
    text = URL_WITH_SECRETS.sub(HIDDEN, text)
    text = DSN_KEY.sub(lambda m: f"{m[1]}={HIDDEN}", text)
    text = SQL_PARTS.sub("", text)
    text = BACKGROUND.sub("", text)
    text = SERVER_AT.sub(f"server at {HIDDEN}", text)
    text = FOR_USER.sub(f"for user {HIDDEN}", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
