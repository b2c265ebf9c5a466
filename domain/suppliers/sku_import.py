"""Import SKU mappings from a CSV file: sku,supplier,supplier_sku,cost,currency.

All or nothing: a file with any bad line changes nothing, and every bad line is reported with
its line number, so the merchant fixes the file and uploads it again. Applying the good lines
of a half-bad file would re-route live orders by a file the merchant is about to correct
(a wrong supplier name on one line is usually a wrong column everywhere).
Re-uploading the same file is harmless: unchanged lines change nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from domain.errors import InvalidInput
from domain.models.orders import Supplier, VariantMapping
from domain.models.shop import Shop
from domain.orders import rerouting
from domain.suppliers.sku_mappings import sku as parse_sku
from domain.transaction import unit_of_work
from domain.validation import FieldError, currency, money
from extensions import db

COLUMNS = ("sku", "supplier", "supplier_sku", "cost", "currency")
MAX_BYTES = 1024 * 1024
MAX_ROWS = 10_000
ERRORS_SHOWN = 50


@dataclass
class LineError:
    line: int
    message: str


class CsvRejected(InvalidInput):
    """The file is refused as a whole; `line_errors` says which lines are wrong and why."""

    def __init__(self, message: str, errors: list[LineError] | None = None):
        super().__init__(message)
        self.line_errors = errors or []


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reroute: rerouting.RerouteReport = field(default_factory=rerouting.RerouteReport)


def read_upload(stream) -> bytes:
    """At most MAX_BYTES from the uploaded file; larger files are refused unread."""
    data = stream.read(MAX_BYTES + 1) if stream is not None else b""
    if not data:
        raise CsvRejected(_("Choose a CSV file to import."))
    if len(data) > MAX_BYTES:
        raise CsvRejected(_("The file is larger than 1 MB; split it into smaller files."))
    return data


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError:
        raise CsvRejected(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from None


def _header(reader, first_line: str) -> list[str]:
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise CsvRejected(_("The file is empty."))
    names = [cell.strip().lower() for cell in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise CsvRejected(
            _(
                "Line 1 must be the header: %(expected)s (got: %(got)s).",
                expected=",".join(COLUMNS),
                got=first_line[:120],
            )
        )
    return names


def parse(shop: Shop, data: bytes) -> tuple[list[dict], list[LineError]]:
    text = _decode(data)
    first_line = text.splitlines()[0] if text else ""
    # Excel in French or Hungarian saves "CSV" with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = _header(reader, first_line)
    by_name = {
        name.lower(): (sid, cur)
        for sid, name, cur in db.session.execute(
            select(Supplier.id, Supplier.name, Supplier.currency).where(Supplier.shop_id == shop.id)
        )
    }
    rows, errors, seen = [], [], {}
    line = reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(errors) >= MAX_ROWS:
                raise CsvRejected(
                    _("The file has more than %(n)s lines; split it.", n=f"{MAX_ROWS:,}")
                )
            if len(cells) != len(names):
                errors.append(
                    LineError(
                        start,
                        _(
                            "Expected %(expected)s values, found %(found)s.",
                            expected=len(names),
                            found=len(cells),
                        ),
                    )
                )
                continue
            row, problem = _row(dict(zip(names, cells, strict=True)), by_name, seen, start)
            if problem:
                errors.append(LineError(start, problem))
            else:
                rows.append(row)
    except csv.Error as exc:
        errors.append(LineError(line, _("Unreadable CSV: %(error)s", error=str(exc))))
    return rows, errors


def _row(cells: dict, by_name: dict, seen: dict, line: int) -> tuple[dict, str | None]:
    problems = []
    try:
        value = parse_sku(cells["sku"], label=_("SKU"))
    except FieldError as exc:
        value, problems = None, [exc.message]
    if value and value in seen:
        problems.append(_("SKU %(sku)s is already on line %(line)s.", sku=value, line=seen[value]))
    supplier_name = " ".join(cells["supplier"].split())
    found = by_name.get(supplier_name.lower())
    if not supplier_name:
        problems.append(_("The supplier is missing."))
    elif found is None:
        problems.append(_("No supplier called “%(name)s”: add it first.", name=supplier_name[:80]))
    row = {"sku": value, "supplier_id": found and found[0]}
    for key, column, parse_value, args in (
        ("supplier_sku", "supplier_sku", parse_sku, {"required": False}),
        ("cost_currency", "currency", currency, {"default": found[1] if found else "USD"}),
        # After the currency: a cost has at most its currency's decimals.
        ("cost", "cost", lambda raw: money(raw, row.get("cost_currency")), {}),
    ):
        try:
            row[key] = parse_value(cells[column], **args)
        except FieldError as exc:
            problems.append(f"{column}: {exc.message}")
    if value:
        seen.setdefault(value, line)
    return row, "; ".join(problems) or None


@unit_of_work
def import_csv(shop: Shop, data: bytes) -> ImportReport:
    rows, errors = parse(shop, data)
    if errors:
        raise CsvRejected(
            ngettext(
                "Nothing was imported: %(num)d line needs fixing. Correct the file and upload "
                "it again.",
                "Nothing was imported: %(num)d lines need fixing. Correct the file and upload "
                "it again.",
                len(errors),
            ),
            errors,
        )
    if not rows:
        raise CsvRejected(_("The file has a header but no mappings."))
    report = ImportReport()
    moved: set[str] = set()
    existing = _existing(shop, [r["sku"] for r in rows])
    for row in rows:
        mapping = existing.get(row["sku"])
        if mapping is None:
            db.session.add(VariantMapping(shop_id=shop.id, **row))
            report.created += 1
            moved.add(row["sku"])
            continue
        if all(getattr(mapping, k) == v for k, v in row.items()):
            report.unchanged += 1
            continue
        if mapping.supplier_id != row["supplier_id"]:
            moved.add(row["sku"])
        for key, value in row.items():
            setattr(mapping, key, value)
        report.updated += 1
    db.session.flush()
    report.reroute = rerouting.reroute_skus(shop.id, moved)
    return report


def _existing(shop: Shop, skus: list[str]) -> dict[str, VariantMapping]:
    found = {}
    for start in range(0, len(skus), 1000):
        chunk = skus[start : start + 1000]
        found.update(
            (m.sku, m)
            for m in db.session.scalars(
                select(VariantMapping).where(
                    VariantMapping.shop_id == shop.id, VariantMapping.sku.in_(chunk)
                )
            )
        )
    return found


def sample() -> str:
    return ",".join(COLUMNS) + "\nMUG-STN-SPK,Mug Co,MC-1001,4.50,EUR\n"
