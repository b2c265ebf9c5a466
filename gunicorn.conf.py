"""Gunicorn settings Relay always wants; gunicorn reads ./gunicorn.conf.py by itself.

Access logs must never hold a credential: a supplier portal link is the supplier's only key
(its token sits in the URL path), and document loads carry an App Bridge `id_token`, OAuth
callbacks a `code` and `state`. The access logger writes those as `[redacted]`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from gunicorn.glogging import Logger

PORTAL_TOKEN = re.compile(r"(/portal/)[^/?#\s]+")
SECRET_PARAMS = frozenset({"id_token", "code", "state", "token", "session", "hmac"})
REDACTED = "[redacted]"


def redact_url(url: str) -> str:
    path, sep, query = url.partition("?")
    path = PORTAL_TOKEN.sub(r"\1" + REDACTED, path)
    if not sep:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return path + "?" + urlencode(kept, safe="[]")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        method, _, rest = atoms["r"].partition(" ")
        uri, _, protocol = rest.rpartition(" ")
        atoms["r"] = f"{method} {redact_url(uri)} {protocol}"
        atoms["U"] = redact_url(atoms["U"] or "")
        query = redact_url("?" + (atoms["q"] or ""))[1:]
        atoms["q"] = query
        atoms["f"] = redact_url(atoms["f"])
        return {
            key: redact_url(value) if key.endswith("}i") and key.startswith("{referer") else value
            for key, value in atoms.items()
        }


logger_class = RedactingLogger
