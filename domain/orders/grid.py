"""The orders grid: filters parsed from the URL, one page of orders, dashboard counts.

Every query is scoped by shop. A page costs the same queries whatever its size or data:
suppliers, the total, the page, its supplier orders (selectin; their suppliers come from the
identity map, loaded by the first query). The dashboard strip's counts run only when a
template reads them (a document load, not an htmx grid swap); see domain/grid_counts.py.

The total is counted where it is cheapest, with the same result:
- supplier/status filters alone: on supplier_orders' own indexes (index-only), since a
  supplier order always belongs to its order's shop;
- with a search: by the page query itself, which walks the sort's index (it carries the
  search text, domain/models/orders.py) and stops COUNT_CAP matches past the page's start.
  A search matching more shows "more than N orders" rather than visiting every match: a
  2-letter search or a SKU in most orders cannot be narrowed by an index, and counting all
  of a big shop's matches was most of its time (issue 18);
- otherwise: count(*) on the orders' indexes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, exists, func, literal, select
from sqlalchemy.orm import selectinload

from domain import states
from domain.models import order_search
from domain.models.orders import LineItem, Order, Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.orders import from_retailers, grid_counts, payment_badges
from domain.shop.settings import settings_of
from extensions import db

PAGE_SIZE = 50
SORTS = {"created": Order.created_at, "name": Order.name, "total": Order.total}
STORE_STATUSES = tuple(states.STORE_STATUS_TONES)
LATE_STATUSES = ("requested", "in_progress")
SEARCH_MAX = 200
# A search counts its matches up to this many past the page's first row ("more than" beyond).
COUNT_CAP = 1000


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
    # "not_paid": parts Relay pays whose supplier is not paid yet (domain/orders/payment_badges)
    supplier_payment: str | None = None

    def query_string(self, **changes) -> str:
        """The shareable URL query for these filters (with changes), defaults left out."""
        values = replace(self, **changes)
        params = {
            "supplier": values.supplier,
            "status": values.status,
            "supplier_payment": values.supplier_payment,
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
class Dashboard:
    """The dashboard strip: the shop's supplier orders per status and the late ones. Its status
    links keep the grid's other filters."""

    shop: Shop
    filters: GridFilters

    @cached_property
    def _counts(self) -> dict:
        return grid_counts.counts(self.shop.id)

    @property
    def status_counts(self) -> dict[str, int]:
        """Supplier orders per Relay status (the dashboard strip), all of the shop's."""
        return self._counts["statuses"]

    @property
    def supplier_not_paid_count(self) -> int:
        """Supplier orders Relay pays whose supplier is not paid (payment_badges)."""
        return self._counts["supplier_not_paid"]

    @property
    def payment_failed_count(self) -> int:
        """Parts whose automatic payment failed and are still not paid (told on the strip)."""
        return self._counts.get("payment_failed", 0)

    @cached_property
    def late_count(self) -> int:
        return db.session.scalar(
            select(func.count()).select_from(SupplierOrder).where(late_condition(self.shop))
        )

    @property
    def late_after_days(self) -> int:
        return settings_of(self.shop).late_after_days


@dataclass
class GridPage(Dashboard):
    orders: list[Order]
    total: int
    pages: int
    suppliers: list[Supplier]
    notices: list[str] = field(default_factory=list)
    # A search matched more than `total` orders (it stopped counting there): COUNT_CAP.
    total_capped: bool = False

    @cached_property
    def from_retailers(self) -> dict[int, from_retailers.RetailerOrder]:
        """The page's orders a retailer placed in this store through Relay (one query)."""
        return from_retailers.retailer_orders(self.shop, self.orders)


def _parse_date(raw: str | None, label: str, notices: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        notices.append(
            _(
                "“%(value)s” is not a date (%(field)s); use YYYY-MM-DD. Ignored.",
                value=raw[:40],
                field=label,
            )
        )
        return None


def _positive_int(raw: str | None) -> int | None:
    if raw and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def parse_filters(args, supplier_ids: set[int]) -> tuple[GridFilters, list[str]]:
    """Unknown or malformed values are dropped with a notice the grid shows, never a 500."""
    notices: list[str] = []
    supplier: int | str | None = None
    raw_supplier = args.get("supplier") or None
    if raw_supplier == "unassigned":
        supplier = "unassigned"
    elif raw_supplier:
        if _positive_int(raw_supplier) in supplier_ids:
            supplier = int(raw_supplier)
        else:
            notices.append(_("That supplier does not exist in this store; showing all suppliers."))
    status = args.get("status") or None
    if status and status not in states.STATUSES:
        notices.append(_("Unknown Relay status “%(value)s”; showing all.", value=status[:40]))
        status = None
    store_status = (args.get("store_status") or "").upper() or None
    if store_status and store_status not in STORE_STATUSES:
        notices.append(_("Unknown store status “%(value)s”; showing all.", value=store_status[:40]))
        store_status = None
    supplier_payment = args.get("supplier_payment") or None
    if supplier_payment and supplier_payment != payment_badges.NOT_PAID:
        notices.append(
            _(
                "Unknown supplier payment filter “%(value)s”; showing all.",
                value=supplier_payment[:40],
            )
        )
        supplier_payment = None
    date_from = _parse_date(args.get("from"), "from", notices)
    date_to = _parse_date(args.get("to"), "to", notices)
    if date_from and date_to and date_from > date_to:
        notices.append(_("The start date is after the end date; dates swapped."))
        date_from, date_to = date_to, date_from
    sort = args.get("sort") if args.get("sort") in SORTS else "created"
    direction = "asc" if args.get("dir") == "asc" else "desc"
    page = max(1, _positive_int(args.get("page")) or 1)
    # NUL is the one character PostgreSQL cannot hold in a string: drop it, not the request.
    q = (args.get("q") or "").replace("\x00", "").strip()[:SEARCH_MAX]
    return GridFilters(
        supplier,
        status,
        store_status,
        date_from,
        date_to,
        q,
        sort,
        direction,
        page,
        supplier_payment=supplier_payment,
    ), notices


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _split_conditions(shop: Shop, filters: GridFilters) -> list:
    """Conditions on a supplier order (the order matches if one of its splits does)."""
    conditions = []
    if filters.supplier_payment == payment_badges.NOT_PAID:
        conditions.extend(payment_badges.supplier_not_paid_conditions(shop.id))
    if filters.supplier == "unassigned":
        conditions.append(SupplierOrder.supplier_id.is_(None))
    elif filters.supplier is not None:
        conditions.append(SupplierOrder.supplier_id == filters.supplier)
    if filters.status:
        conditions.append(SupplierOrder.status == filters.status)
    return conditions


def _order_conditions(shop: Shop, filters: GridFilters) -> list:
    """Conditions on the order itself."""
    conditions = []
    if filters.store_status:
        conditions.append(Order.store_status == filters.store_status)
    if filters.date_from:
        conditions.append(Order.created_at >= _day_start(filters.date_from))
    if filters.date_to and filters.date_to < date.max:
        conditions.append(Order.created_at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.q:
        conditions.append(order_search.contains(shop.id, filters.q.lower()))
    return conditions


def _conditions(shop: Shop, filters: GridFilters) -> list:
    """The page's WHERE clause."""
    conditions = [Order.shop_id == shop.id, *_order_conditions(shop, filters)]
    if split := _split_conditions(shop, filters):
        conditions.append(exists().where(SupplierOrder.order_id == Order.id, *split))
    return conditions


def _search_window(filters: GridFilters) -> int:
    """How many matches a search reads at most: up to the page, then COUNT_CAP more (+1 to
    tell "exactly" from "more than")."""
    return (filters.page - 1) * PAGE_SIZE + COUNT_CAP + 1


def _count(shop: Shop, filters: GridFilters) -> int:
    if filters.q:  # capped like the page query's own count
        matches = select(Order.id).where(*_conditions(shop, filters)).limit(_search_window(filters))
        return db.session.scalar(select(func.count()).select_from(matches.subquery()))
    if not _order_conditions(shop, filters) and (split := _split_conditions(shop, filters)):
        return db.session.scalar(
            select(func.count(SupplierOrder.order_id.distinct())).where(
                SupplierOrder.shop_id == shop.id, *split
            )
        )
    return db.session.scalar(select(func.count(Order.id)).where(*_conditions(shop, filters)))


def late_condition(shop: Shop):
    days = settings_of(shop).late_after_days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    return and_(
        SupplierOrder.shop_id == shop.id,
        SupplierOrder.status.in_(LATE_STATUSES),
        SupplierOrder.tracking_count == 0,
        SupplierOrder.status_changed_at < cutoff,
    )


def _sorted(columns, ascending: bool) -> list:
    return [c.asc() if ascending else c.desc() for c in columns]


def _page_ids(shop: Shop, filters: GridFilters, *, with_total: bool):
    """A subquery (id, total) of the page's orders: from the indexes alone where the filters
    allow (a deep page of a big shop never drags every order row through the sort).

    with_total (a search): the matches are read in the sort's order, stopping at the page's
    start + COUNT_CAP + 1; total is how many were read (exact unless it reached the cap)."""
    column = SORTS[filters.sort]
    ascending = filters.direction == "asc"
    offset = (filters.page - 1) * PAGE_SIZE
    matches = select(Order.id, column.label("key")).where(*_conditions(shop, filters))
    if not with_total:
        return (
            matches.with_only_columns(Order.id, literal(None).label("total"))
            .order_by(*_sorted([column, Order.id], ascending))
            .limit(PAGE_SIZE)
            .offset(offset)
            .subquery()
        )
    window = (
        matches.order_by(*_sorted([column, Order.id], ascending))
        .limit(_search_window(filters))
        .subquery()
    )
    numbered = select(
        window.c.id,
        func.row_number().over(order_by=_sorted([window.c.key, window.c.id], ascending)).label("n"),
        func.count().over().label("total"),
    ).subquery()
    return (
        select(numbered.c.id, numbered.c.total)
        .where(numbered.c.n > offset, numbered.c.n <= offset + PAGE_SIZE)
        .subquery()
    )


def _page_rows(shop: Shop, filters: GridFilters, *, with_total: bool) -> list:
    """(order, total) rows of the requested page; total is None unless with_total."""
    page = _page_ids(shop, filters, with_total=with_total)
    column = SORTS[filters.sort]
    # SupplierOrder.supplier is a plain many-to-one: its lazy load is an identity-map hit
    # for the shop's suppliers, loaded first by grid(), so it costs no query.
    return db.session.execute(
        select(Order, page.c.total)
        .join(page, Order.id == page.c.id)
        # Lines too: a row shows the lines the store ships itself ("Shipped by the store").
        .options(selectinload(Order.supplier_orders), selectinload(Order.line_items))
        .order_by(*_sorted([column, Order.id], filters.direction == "asc"))
    ).all()


def load_page(
    shop: Shop, filters: GridFilters, notices: list[str], suppliers: list[Supplier]
) -> GridPage:
    rows, total = [], None
    if filters.q:
        rows = _page_rows(shop, filters, with_total=True)
        total = rows[0][1] if rows else None
    if total is None and not (filters.q and filters.page == 1):
        total = _count(shop, filters)
    total = total or 0
    capped = bool(filters.q) and total >= _search_window(filters)
    if capped:  # more than the page's start + COUNT_CAP: "more than N", a next page
        total -= 1
    pages = max(1, math.ceil(total / PAGE_SIZE)) + capped
    if filters.page > pages:
        if total:
            notices.append(
                ngettext(
                    "There is only %(num)d page; showing it.",
                    "There are only %(num)d pages; showing the last one.",
                    pages,
                )
            )
        filters = replace(filters, page=pages)
        rows = []
    if not rows and total:
        rows = _page_rows(shop, filters, with_total=False)
    orders = [row[0] for row in rows]
    return GridPage(shop, filters, orders, total, pages, suppliers, notices, total_capped=capped)


def grid(shop: Shop, args) -> GridPage:
    suppliers = list(
        db.session.scalars(
            select(Supplier).where(Supplier.shop_id == shop.id).order_by(Supplier.name)
        )
    )
    filters, notices = parse_filters(args, {s.id for s in suppliers})
    return load_page(shop, filters, notices, suppliers)


def dashboard(shop: Shop, args) -> Dashboard:
    """The strip alone, for the grid URL in `args` (refreshed after an action changed a status)."""
    supplier_ids = set(db.session.scalars(select(Supplier.id).where(Supplier.shop_id == shop.id)))
    filters, _notices = parse_filters(args, supplier_ids)
    return Dashboard(shop, filters)


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


def matching_order_ids(shop: Shop, args, *, limit: int) -> list[int]:
    """Every order the grid URL in `args` matches, not only its page (a bulk action on "all
    matching the filter"), newest first, at most `limit`."""
    supplier_ids = set(db.session.scalars(select(Supplier.id).where(Supplier.shop_id == shop.id)))
    filters, _notices = parse_filters(args, supplier_ids)
    return list(
        db.session.scalars(
            select(Order.id)
            .where(*_conditions(shop, filters))
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )
