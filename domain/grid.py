"""The orders grid: filters parsed from the URL, one page of orders, dashboard counts.

Every query is scoped by shop. A page costs a constant number of queries whatever its size:
count, page, supplier orders (selectin), line items (selectin), suppliers (selectin), the
status counts and the late count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import selectinload

from domain import states
from domain.models.orders import LineItem, Order, Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.shop_settings import settings_of
from extensions import db

PAGE_SIZE = 50
SORTS = {"created": Order.created_at, "name": Order.name, "total": Order.total}
STORE_STATUSES = tuple(states.STORE_STATUS_TONES)
LATE_STATUSES = ("requested", "in_progress")


@dataclass(frozen=True)
class GridFilters:
    supplier: int | str | None = None  # supplier id, "unassigned", or None for all
    status: str | None = None
    store_status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "created"
    direction: str = "desc"
    page: int = 1

    def query_string(self, **changes) -> str:
        """The shareable URL query for these filters (with changes), defaults left out."""
        values = replace(self, **changes)
        params = {
            "supplier": values.supplier,
            "status": values.status,
            "store_status": values.store_status,
            "from": values.date_from.isoformat() if values.date_from else None,
            "to": values.date_to.isoformat() if values.date_to else None,
            "q": values.q or None,
            "sort": None if values.sort == "created" else values.sort,
            "dir": None if values.direction == "desc" else values.direction,
            "page": None if values.page == 1 else values.page,
        }
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@dataclass
class GridPage:
    filters: GridFilters
    orders: list[Order]
    total: int
    pages: int
    status_counts: dict[str, int]
    late_count: int
    suppliers: list[Supplier]
    notices: list[str] = field(default_factory=list)


def _parse_date(raw: str | None, label: str, notices: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        notices.append(f"“{raw[:40]}” is not a date ({label}); use YYYY-MM-DD. Ignored.")
        return None


def parse_filters(args, supplier_ids: set[int]) -> tuple[GridFilters, list[str]]:
    """Unknown or malformed values are dropped with a notice the grid shows, never a 500."""
    notices: list[str] = []
    supplier: int | str | None = None
    raw_supplier = args.get("supplier") or None
    if raw_supplier == "unassigned":
        supplier = "unassigned"
    elif raw_supplier:
        if raw_supplier.isdigit() and int(raw_supplier) in supplier_ids:
            supplier = int(raw_supplier)
        else:
            notices.append("That supplier does not exist in this store; showing all suppliers.")
    status = args.get("status") or None
    if status and status not in states.STATUSES:
        notices.append(f"Unknown Relay status “{status[:40]}”; showing all.")
        status = None
    store_status = (args.get("store_status") or "").upper() or None
    if store_status and store_status not in STORE_STATUSES:
        notices.append(f"Unknown store status “{store_status[:40]}”; showing all.")
        store_status = None
    date_from = _parse_date(args.get("from"), "from", notices)
    date_to = _parse_date(args.get("to"), "to", notices)
    if date_from and date_to and date_from > date_to:
        notices.append("The start date is after the end date; dates swapped.")
        date_from, date_to = date_to, date_from
    sort = args.get("sort") if args.get("sort") in SORTS else "created"
    direction = "asc" if args.get("dir") == "asc" else "desc"
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    q = (args.get("q") or "").strip()[:200]
    return GridFilters(
        supplier, status, store_status, date_from, date_to, q, sort, direction, page
    ), notices


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(shop: Shop, filters: GridFilters) -> Select:
    statement = select(Order).where(Order.shop_id == shop.id)
    split_conditions = []
    if filters.supplier == "unassigned":
        split_conditions.append(SupplierOrder.supplier_id.is_(None))
    elif filters.supplier is not None:
        split_conditions.append(SupplierOrder.supplier_id == filters.supplier)
    if filters.status:
        split_conditions.append(SupplierOrder.status == filters.status)
    if split_conditions:
        statement = statement.where(
            exists().where(SupplierOrder.order_id == Order.id, *split_conditions)
        )
    if filters.store_status:
        statement = statement.where(Order.store_status == filters.store_status)
    if filters.date_from:
        statement = statement.where(
            Order.created_at >= datetime.combine(filters.date_from, time.min, UTC)
        )
    if filters.date_to:
        statement = statement.where(
            Order.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        )
    if filters.q:
        pattern = f"%{_escape_like(filters.q.lower())}%"
        statement = statement.where(Order.search_text.like(pattern, escape="\\"))
    return statement


def late_condition(shop: Shop):
    days = settings_of(shop).late_after_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    return and_(
        SupplierOrder.shop_id == shop.id,
        SupplierOrder.status.in_(LATE_STATUSES),
        SupplierOrder.tracking_count == 0,
        SupplierOrder.status_changed_at < cutoff,
    )


def load_page(shop: Shop, filters: GridFilters, notices: list[str]) -> GridPage:
    statement = _filtered(shop, filters)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if filters.page > pages:
        if total:
            notices.append(f"There are only {pages} pages; showing the last one.")
        filters = replace(filters, page=pages)
    column = SORTS[filters.sort]
    order_by = [
        column.asc() if filters.direction == "asc" else column.desc(),
        Order.id.asc() if filters.direction == "asc" else Order.id.desc(),
    ]
    orders = db.session.scalars(
        statement.options(
            selectinload(Order.supplier_orders).selectinload(SupplierOrder.supplier),
            selectinload(Order.line_items),
        )
        .order_by(*order_by)
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    counts = dict(
        db.session.execute(
            select(SupplierOrder.status, func.count())
            .where(SupplierOrder.shop_id == shop.id)
            .group_by(SupplierOrder.status)
        ).all()
    )
    late = db.session.scalar(
        select(func.count()).select_from(SupplierOrder).where(late_condition(shop))
    )
    suppliers = list(
        db.session.scalars(
            select(Supplier).where(Supplier.shop_id == shop.id).order_by(Supplier.name)
        )
    )
    return GridPage(filters, list(orders), total, pages, counts, late, suppliers, notices)


def grid(shop: Shop, args) -> GridPage:
    supplier_ids = set(db.session.scalars(select(Supplier.id).where(Supplier.shop_id == shop.id)))
    filters, notices = parse_filters(args, supplier_ids)
    return load_page(shop, filters, notices)


def order_for_drawer(shop: Shop, order_id: int) -> Order | None:
    """One order of this shop, with everything the drawer shows; None for another shop's id."""
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.shop_id == shop.id)
        .options(
            selectinload(Order.line_items).selectinload(LineItem.supplier),
            selectinload(Order.supplier_orders).selectinload(SupplierOrder.supplier),
            selectinload(Order.events),
        )
    )
