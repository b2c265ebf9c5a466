"""The grid's free-text search (a substring of orders.search_text), indexed per engine.

- PostgreSQL: a trigram GIN index led by the shop, declared on Order (ix_orders_search_trgm);
  its operator classes come from two contrib extensions, created here before the table
  (both are trusted since PostgreSQL 13: the database owner may create them).
- SQLite: a contentless FTS5 table with the trigram tokenizer, kept current by triggers.
  Each document is the order's search_text behind a marker naming its shop, so a search
  intersects the shop's marker with the searched text inside the index instead of reading
  every shop's matches. The marker is written in private-use characters (U+E000-U+E00A),
  which a search never contains (one that does uses LIKE), so it can never be matched into.
  `flask --app app init-db` creates the table, and fills it once, on a database made before
  it existed. Where SQLite lacks FTS5's trigram tokenizer (SQLite < 3.34 or no FTS5), nothing
  is created and the search uses LIKE: slower, same results.

`contains(shop_id, text)` is the condition the grid filters on (`text` lower-cased, like the
column); the grid's own shop condition stays beside it.
"""

# ruff: noqa: S608  (the DDL is built from this module's constants, never from input)
from __future__ import annotations

import weakref

from sqlalchemy import DDL, column, event, select, table
from sqlalchemy.exc import DBAPIError

from domain.models.orders import Order
from extensions import db

for _extension in ("pg_trgm", "btree_gin"):
    event.listen(
        Order.__table__,
        "before_create",
        DDL(f"CREATE EXTENSION IF NOT EXISTS {_extension}").execute_if(dialect="postgresql"),
    )

FTS_TABLE = "orders_search"
_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
_MARK = 0xE00A  # around the shop id, whose digits are U+E000-U+E009


def shop_marker(shop_id: int) -> str:
    return chr(_MARK) + "".join(chr(0xE000 + int(d)) for d in str(shop_id)) + chr(_MARK)


def _document_sql(row: str) -> str:
    """The indexed document of `row` (new/old/orders) in SQL: shop_marker() || ' ' || text."""
    digits = f"CAST({row}.shop_id AS TEXT)"
    for d in range(10):
        digits = f"replace({digits}, '{d}', char({0xE000 + d}))"
    return f"char({_MARK}) || {digits} || char({_MARK}) || ' ' || {row}.search_text"


_FTS_DDL = (
    "CREATE VIRTUAL TABLE orders_search USING fts5(document, content='', tokenize='trigram')",
    "CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN"
    f" INSERT INTO orders_search(rowid, document) VALUES (new.id, {_document_sql('new')}); END",
    "CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN"
    " INSERT INTO orders_search(orders_search, rowid, document)"
    f" VALUES ('delete', old.id, {_document_sql('old')}); END",
    "CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text, shop_id ON orders BEGIN"
    " INSERT INTO orders_search(orders_search, rowid, document)"
    f" VALUES ('delete', old.id, {_document_sql('old')});"
    f" INSERT INTO orders_search(rowid, document) VALUES (new.id, {_document_sql('new')}); END",
    f"INSERT INTO orders_search(rowid, document) SELECT id, {_document_sql('orders')} FROM orders",
)
_has_fts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fts_exists(connection) -> bool:
    return (
        connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
        ).first()
        is not None
    )


@event.listens_for(db.metadata, "after_create")
def _create_sqlite_search(target, connection, **kw) -> None:
    if connection.dialect.name != "sqlite":
        return
    if _fts_exists(connection):
        columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(orders_search)")]
        if columns == ["document"]:
            return
        _drop_sqlite_search(target, connection)  # an earlier layout: made again below
    try:
        connection.exec_driver_sql(_FTS_DDL[0])
    except DBAPIError:
        return  # this SQLite has no FTS5 trigram tokenizer: the search uses LIKE
    for statement in _FTS_DDL[1:]:
        connection.exec_driver_sql(statement)


@event.listens_for(db.metadata, "before_drop")
def _drop_sqlite_search(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TABLE IF EXISTS orders_search")
        for trigger in ("insert", "update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS orders_search_{trigger}")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_usable(text: str) -> bool:
    engine = db.session.get_bind()
    if engine.dialect.name != "sqlite" or len(text) < 3:  # trigrams need 3 characters
        return False
    if any(0xE000 <= ord(c) <= _MARK for c in text):
        return False
    if engine not in _has_fts:
        with engine.connect() as connection:
            _has_fts[engine] = _fts_exists(connection)
    return _has_fts[engine]


def _phrase(text: str) -> str:
    """An FTS5 string: literal (quotes doubled); with trigrams it matches any substring."""
    return '"' + text.replace('"', '""') + '"'


def contains(shop_id: int, text: str):
    """The shop's orders whose search_text contains `text` (lower-cased): a WHERE condition."""
    if _fts_usable(text):
        query = f"{_phrase(shop_marker(shop_id))} AND {_phrase(text)}"
        matching = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].op("MATCH")(query))
        return Order.id.in_(matching)
    return Order.search_text.like(f"%{_escape_like(text)}%", escape="\\")
