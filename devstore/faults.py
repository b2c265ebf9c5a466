"""Shopify having a bad day, switched on per shop through the settings (tests, benches):

outage  the next `outage_requests` Admin GraphQL calls (-1: until switched off) fail as
        Shopify's do: "503", "502", "504" or "500" answer Shopify's generic HTML error page
        with that status; "internal_error" answers 200 with an INTERNAL_SERVER_ERROR error
        (Shopify's usual GraphQL answer to a failure on its side, with a request id); "drop"
        closes the connection without an answer.
answer_delay  mutations (or only the operation named `answer_delay_operation`) run, then
        their answer is held back this many seconds: the change is made in the store (or the
        app's read is already stale) but the app has not heard about it yet; a worker can be
        killed while it waits.

`outage_shop` / `answer_delay_shop` name the shop ("" = every shop).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import time
import uuid
from collections import Counter

from flask import Response

OPERATION = re.compile(r"^\s*(query|mutation)\s*(\w+)?")
# Answers held back so far, by operation name: in-process tests wait on it to act while an
# answer is held (after the request took effect, before the app hears back).
held: Counter[str] = Counter()
ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"><title>{title}</title></head>
  <body>
    <h1>{title}</h1>
    <p>There was a problem loading this website. Please try again later.</p>
    <p>Request ID: {request_id}</p>
  </body>
</html>
"""
TITLES = {
    "500": "Internal Server Error",
    "502": "Bad Gateway",
    "503": "Service Unavailable",
    "504": "Gateway Timeout",
}
OUTAGES = (*TITLES, "internal_error", "drop")


def outage(settings, shop: str, environ: dict) -> Response | None:
    """The failing answer for this call, or None to serve it normally."""
    if settings.outage not in OUTAGES or settings.outage_requests == 0:
        return None
    if settings.outage_shop not in ("", shop):
        return None
    if settings.outage_requests > 0:
        settings.outage_requests -= 1
    request_id = str(uuid.uuid4())
    if settings.outage == "drop":
        _drop_connection(environ)
        return Response(status=503)  # only reached when the server gives no socket
    if settings.outage == "internal_error":
        body = {
            "errors": [
                {
                    "message": "Internal error. Looks like something went wrong on our end.\n"
                    f"Request ID: {request_id} (include this in support requests).",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                }
            ]
        }
        return Response(json.dumps(body), status=200, mimetype="application/json")
    page = ERROR_PAGE.format(title=TITLES[settings.outage], request_id=request_id)
    return Response(
        page,
        status=int(settings.outage),
        mimetype="text/html",
        headers={"X-Request-Id": request_id},
    )


def hold_answer(settings, shop: str, body: dict) -> None:
    """After a request ran: wait before answering, if this shop's answers are delayed."""
    if settings.answer_delay_seconds <= 0 or settings.answer_delay_shop not in ("", shop):
        return
    found = OPERATION.match(str(body.get("query") or ""))
    kind, name = found.groups() if found else ("query", None)
    wanted = settings.answer_delay_operation
    if (name == wanted) if wanted else kind == "mutation":
        held[name or kind] += 1
        time.sleep(settings.answer_delay_seconds)


def _drop_connection(environ: dict) -> None:
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None:
        return
    # Shut down, not closed: the server's own write then fails as a dropped connection.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
