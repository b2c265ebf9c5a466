"""The grid's free-text search (a substring of orders.search_text), indexed per engine.

- PostgreSQL: a trigram GIN index led by the shop, declared on Order (ix_orders_search_trgm);
  its operator classes come from two contrib extensions, created here before the table
  (both are trusted since PostgreSQL 13: the database owner may create them).
- SQLite: an FTS5 table with the trigram tokenizer over search_text, kept current by
  triggers. `flask --app app init-db` creates it, and fills it once, on a database made before
  it existed. Where SQLite lacks FTS5's trigram tokenizer (SQLite < 3.34 or no FTS5), nothing
  is created and the search falls back to LIKE: slower, same results.

`contains(text)` is the condition the grid filters on; `text` is lower-cased, like the column.
"""

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
_FTS_DDL = (
    "CREATE VIRTUAL TABLE orders_search USING fts5(search_text, content='orders',"
    " content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN"
    " INSERT INTO orders_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN"
    " INSERT INTO orders_search(orders_search, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER orders_search_update AFTER UPDATE OF search_text ON orders BEGIN"
    " INSERT INTO orders_search(orders_search, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO orders_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO orders_search(orders_search) VALUES ('rebuild')",
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
    if connection.dialect.name != "sqlite" or _fts_exists(connection):
        return
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str):
    """Orders whose search_text contains `text` (lower-cased), as a WHERE condition."""
    engine = db.session.get_bind()
    if engine.dialect.name == "sqlite" and len(text) >= 3:
        if engine not in _has_fts:
            with engine.connect() as connection:
                _has_fts[engine] = _fts_exists(connection)
        if _has_fts[engine]:
            # A quoted FTS5 string is literal; with trigrams it matches any substring.
            phrase = '"' + text.replace('"', '""') + '"'
            matching = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].op("MATCH")(phrase))
            return Order.id.in_(matching)
    return Order.search_text.like(f"%{_escape_like(text)}%", escape="\\")
