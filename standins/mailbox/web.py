"""The mailbox's web side: an inbox a person reads, a JSON API, and the control endpoint.

GET  /                          the inbox, newest first (?to=address: only mail to it)
GET  /messages/<id>             one message: headers, the HTML part in a sandboxed iframe
                                (no scripts), the plain-text part, attachments
GET  /messages/<id>.eml         the message exactly as received (download)
GET  /messages/<id>/source      the same as text, to read in the browser
POST /delete-all                empty the inbox
GET  /_mailbox/messages[?to=]   JSON list, newest first: id, from, to, subject, date,
                                message_id, text, html, headers, envelope, attachments
GET  /_mailbox/health           200 with the state (smtp up/down, faults, message count)
GET  /_mailbox/certificate.pem  the self-signed certificate, when TLS is on
POST /_mailbox/control          JSON {"action": "accept" | "refuse_temporarily" | "down" | "up"
                                | "clear"} or {"action": "refuse_recipients",
                                "addresses": ["a@b.test", ...]}; answers the new state
Every value shown is escaped; pages load nothing from elsewhere.
"""

from __future__ import annotations

import json
import re

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from standins.mailbox import pages
from standins.mailbox.messages import as_json, summary
from standins.mailbox.server import Mailbox

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
URLS = Map(
    [
        Rule("/", endpoint="inbox", methods=["GET"]),
        Rule("/messages/<int:message_id>", endpoint="message", methods=["GET"]),
        Rule("/messages/<int:message_id>.eml", endpoint="raw", methods=["GET"]),
        Rule("/messages/<int:message_id>/source", endpoint="source", methods=["GET"]),
        Rule("/delete-all", endpoint="delete_all", methods=["POST"]),
        Rule("/_mailbox/messages", endpoint="api_messages", methods=["GET"]),
        Rule("/_mailbox/health", endpoint="health", methods=["GET"]),
        Rule("/_mailbox/certificate.pem", endpoint="certificate", methods=["GET"]),
        Rule("/_mailbox/control", endpoint="control", methods=["POST"]),
    ]
)
INBOX_ROWS = 500  # newest first; a bench run of 1,000 mails stays quick to show
ADDRESS = re.compile(r"^[^\s@<>]+@[^\s@<>]+$")


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def _html(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _recipient_filter(request: Request) -> str | None:
    return (request.args.get("to") or "").strip()[:320] or None


class Views:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.store = mailbox.store

    def _stored(self, message_id: int):
        stored = self.store.get(message_id)
        if stored is None:
            raise NotFound()
        return stored

    def inbox(self, request: Request) -> Response:
        to = _recipient_filter(request)
        found = list(reversed(self.store.all(to)))
        rows = [summary(m) for m in found[:INBOX_ROWS]]
        total, state = len(self.store.all()), self._state()
        return _html(pages.inbox(rows, to=to, matching=len(found), total=total, state=state))

    def message(self, request: Request, message_id: int) -> Response:
        return _html(pages.message(as_json(self._stored(message_id))))

    def raw(self, request: Request, message_id: int) -> Response:
        response = Response(self._stored(message_id).raw, content_type="message/rfc822")
        response.headers["Content-Disposition"] = f'attachment; filename="{message_id}.eml"'
        return response

    def source(self, request: Request, message_id: int) -> Response:
        text = self._stored(message_id).raw.decode("utf-8", "replace")
        response = Response(text, content_type="text/plain; charset=utf-8")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def delete_all(self, request: Request) -> Response:
        self.store.clear()
        return redirect("/", code=303)

    def api_messages(self, request: Request) -> Response:
        to = _recipient_filter(request)
        return _json([as_json(m) for m in reversed(self.store.all(to))])

    def health(self, request: Request) -> Response:
        return _json({"ok": True} | self._state())

    def certificate(self, request: Request) -> Response:
        if self.mailbox.certificate_pem is None:
            raise NotFound()
        return Response(self.mailbox.certificate_pem, content_type="application/x-pem-file")

    def control(self, request: Request) -> Response:
        payload = request.get_json(force=True, silent=True)
        if not isinstance(payload, dict):
            return _json({"error": "a JSON object expected"}, 400)
        action = payload.get("action")
        simple = {
            "accept": self.mailbox.accept,
            "refuse_temporarily": self.mailbox.refuse_temporarily,
            "down": self.mailbox.go_down,
            "up": self.mailbox.come_up,
            "clear": self.store.clear,
        }
        if action in simple:
            simple[action]()
        elif action == "refuse_recipients":
            addresses = payload.get("addresses")
            if not isinstance(addresses, list) or not all(
                isinstance(a, str) and ADDRESS.match(a) for a in addresses
            ):
                return _json({"error": "addresses: a list of e-mail addresses expected"}, 400)
            self.mailbox.refuse_recipients(*addresses)
        else:
            known = sorted([*simple, "refuse_recipients"])
            return _json({"error": f"action must be one of {known}"}, 400)
        return _json({"ok": True} | self._state())

    def _state(self) -> dict:
        return self.mailbox.state()


def create_app(mailbox: Mailbox):
    views = Views(mailbox)

    @Request.application
    def app(request: Request) -> Response:
        adapter = URLS.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
            return getattr(views, endpoint)(request, **arguments)
        except NotFound:
            return _html(pages.not_found(), status=404)
        except HTTPException as exc:
            return exc.get_response(request.environ)

    app.mailbox = mailbox
    return app
