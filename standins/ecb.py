"""A stand-in for the European Central Bank's daily reference rates, in its XML format.

    python -m standins.ecb serve --port 8768

GET /stats/eurofxref/eurofxref-daily.xml  today's rates (the ECB's path and document shape)
GET /_ecb/health                          200 once serving
POST /_ecb/control  JSON, every key optional (tests; a development session may use it too):
    {"date": "2026-12-04"}               the reference date served (default: today)
    {"rates": {"USD": "1.10"}}           override some rates (merged into the defaults)
    {"status": 503}                      answer this status instead of the document
    {"body": "<not xml"}                 serve this body instead of the document
    {"reset": true}                      back to today's defaults first

Like the real ECB it publishes ~30 currencies and not, for example, KWD or AED.
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import date

from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

DAILY_PATH = "/stats/eurofxref/eurofxref-daily.xml"
# Units per euro, the ECB's list and order, at about late-2024 levels.
DEFAULT_RATES = {
    "USD": "1.0823",
    "JPY": "162.45",
    "BGN": "1.9558",
    "CZK": "25.130",
    "DKK": "7.4589",
    "GBP": "0.84650",
    "HUF": "395.20",
    "PLN": "4.2780",
    "RON": "4.9750",
    "SEK": "11.4925",
    "CHF": "0.9541",
    "ISK": "148.70",
    "NOK": "11.7215",
    "TRY": "37.0325",
    "AUD": "1.6405",
    "BRL": "6.3540",
    "CAD": "1.4960",
    "CNY": "7.6450",
    "HKD": "8.2310",
    "IDR": "16864.55",
    "ILS": "3.8945",
    "INR": "89.4210",
    "KRW": "1479.80",
    "MXN": "21.3450",
    "MYR": "4.7230",
    "NZD": "1.7985",
    "PHP": "61.845",
    "SGD": "1.4215",
    "THB": "36.512",
    "ZAR": "19.1230",
}


class EcbState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.date: str | None = None  # None: today
        self.rates = dict(DEFAULT_RATES)
        self.status = 200
        self.body: str | None = None

    def control(self, payload: dict) -> None:
        with self.lock:
            if payload.get("reset"):
                self.reset()
            if "date" in payload:
                self.date = payload["date"]
            self.rates.update({str(k): str(v) for k, v in (payload.get("rates") or {}).items()})
            self.status = int(payload.get("status", self.status))
            if "body" in payload:
                self.body = payload["body"]

    def document(self) -> str:
        with self.lock:
            if self.body is not None:
                return self.body
            day = self.date or date.today().isoformat()
            cubes = "\n".join(
                f"\t\t\t<Cube currency='{currency}' rate='{rate}'/>"
                for currency, rate in self.rates.items()
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
            'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
            "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
            "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n"
            f"\t</gesmes:Sender>\n\t<Cube>\n\t\t<Cube time='{day}'>\n{cubes}\n"
            "\t\t</Cube>\n\t</Cube>\n</gesmes:Envelope>\n"
        )


def create_app(state: EcbState | None = None):
    state = state or EcbState()

    @Request.application
    def app(request: Request) -> Response:
        if request.path == DAILY_PATH and request.method == "GET":
            if state.status != 200:
                return Response("Service unavailable", status=state.status)
            return Response(state.document(), content_type="text/xml; charset=UTF-8")
        if request.path == "/_ecb/health":
            return Response("ok")
        if request.path == "/_ecb/control" and request.method == "POST":
            payload = request.get_json(silent=True)
            if not isinstance(payload, dict):
                return Response("JSON object expected", status=400)
            try:
                state.control(payload)
            except (TypeError, ValueError) as exc:
                return Response(str(exc), status=400)
            return Response(json.dumps({"ok": True}), content_type="application/json")
        return Response("Not found", status=404)

    app.state = state
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standins.ecb")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the daily rates")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8768)
    args = parser.parse_args(argv)
    run_simple(args.host, args.port, create_app(), threaded=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
