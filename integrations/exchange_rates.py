"""The European Central Bank's daily euro reference rates (eurofxref-daily.xml), read over HTTP.

The ECB publishes one day's rates as units of each currency per euro, about thirty currencies,
on working days around 16:00 CET. Its XML:

    <gesmes:Envelope ...><Cube><Cube time="2026-12-07">
        <Cube currency="USD" rate="1.0823"/> ...

The document comes from the network, so it is parsed with care: a size cap, and no DTD (no
DOCTYPE, no entities: the billion-laughs and external-entity attacks need one)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

import httpx

DEFAULT_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
SOURCE = "European Central Bank"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_BYTES = 256 * 1024  # the real document is under 2 KB
_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class RatesUnavailable(Exception):
    """The rates could not be read: the source is down, answered an error, or sent a document
    that is not the ECB's format."""


@dataclass(frozen=True)
class DailyRates:
    date: str  # the reference date the ECB gives, YYYY-MM-DD
    per_euro: dict[str, Decimal]  # currency -> units per euro
    source: str


def fetch_daily(url: str = DEFAULT_URL) -> DailyRates:
    try:
        with (
            httpx.Client(timeout=TIMEOUT, follow_redirects=True, max_redirects=3) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise RatesUnavailable(f"{url} answered {response.status_code}")
            body = _read_capped(response)
    except httpx.HTTPError as exc:
        raise RatesUnavailable(f"{url} unreachable: {exc.__class__.__name__}") from exc
    return parse_daily(body)


def _read_capped(response: httpx.Response) -> bytes:
    body = b""
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_BYTES:
            raise RatesUnavailable(f"rates document over {MAX_BYTES} bytes")
    return body


def parse_daily(body: bytes) -> DailyRates:
    """The day's rates from the ECB's XML; RatesUnavailable when it is anything else."""
    root = _parse_without_dtd(body)
    days = root.findall(f"{_NAMESPACE}Cube/{_NAMESPACE}Cube[@time]")
    if len(days) != 1:
        raise RatesUnavailable("rates document has no single reference day")
    day = days[0]
    date = day.get("time", "")
    if not _DATE.match(date):
        raise RatesUnavailable("rates document has a malformed date")
    per_euro = {}
    for cube in day.findall(f"{_NAMESPACE}Cube"):
        currency, rate = cube.get("currency", ""), _positive_decimal(cube.get("rate"))
        if not _CURRENCY.match(currency) or rate is None:
            raise RatesUnavailable("rates document has a malformed rate")
        per_euro[currency] = rate
    if not per_euro:
        raise RatesUnavailable("rates document lists no currency")
    return DailyRates(date=date, per_euro=per_euro, source=SOURCE)


def _positive_decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal(text or "")
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 < value < Decimal("1e9") else None


def _forbid(*_args) -> None:
    raise RatesUnavailable("rates document declares a DTD or entities; refused")


def _parse_without_dtd(body: bytes) -> ET.Element:
    # First pass with expat's own hooks: any DOCTYPE or entity declaration stops it before
    # anything is expanded; only a document without one reaches ElementTree.
    guard = expat.ParserCreate()
    guard.StartDoctypeDeclHandler = _forbid
    guard.EntityDeclHandler = _forbid
    guard.UnparsedEntityDeclHandler = _forbid
    guard.ExternalEntityRefHandler = _forbid
    try:
        guard.Parse(body, True)
        return ET.fromstring(body)  # noqa: S314 - the guard above refused any DTD
    except (expat.ExpatError, ET.ParseError) as exc:
        raise RatesUnavailable(f"rates document is not well-formed XML: {exc}") from exc
