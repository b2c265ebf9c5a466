"""devstore's state: JSON documents in SQLite, cached in memory, written through.

devstore is a stand-in, not a database engine: every kind of object (shop, app, order,
fulfillment order, webhook delivery, ...) is a JSON document keyed by (kind, id). The server
process owns the file and keeps every document in memory, so reads are dict lookups and a
restart reloads the lot. All mutation happens inside `store.transaction()`, which holds one
process-wide lock: devstore favours obviously-correct over concurrent.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    shop TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS counters (
    kind  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


class Store:
    """Documents by kind. `shop` is an optional index so per-shop listings stay cheap."""

    def __init__(self, path: str | Path = ":memory:"):
        self.path = Path(path) if str(path) != ":memory:" else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._docs: dict[str, dict[str, dict]] = {}
        self._shop_of: dict[tuple[str, str], str | None] = {}
        self._counters: dict[str, int] = {}
        # (kind, field) -> value -> ids in insertion order; built on first find_by, kept by
        # put/delete, so per-order lookups (fulfillment orders of an order) are not scans.
        self._indexes: dict[tuple[str, str], dict] = {}
        for kind, doc_id, shop, data in self._db.execute(
            "SELECT kind, id, shop, data FROM documents"
        ):
            self._docs.setdefault(kind, {})[doc_id] = json.loads(data)
            self._shop_of[(kind, doc_id)] = shop
        for kind, value in self._db.execute("SELECT kind, value FROM counters"):
            self._counters[kind] = value

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the store lock; nested calls join the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                    self._reload()
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _reload(self) -> None:
        self._docs.clear()
        self._shop_of.clear()
        self._indexes.clear()
        for kind, doc_id, shop, data in self._db.execute(
            "SELECT kind, id, shop, data FROM documents"
        ):
            self._docs.setdefault(kind, {})[doc_id] = json.loads(data)
            self._shop_of[(kind, doc_id)] = shop
        self._counters = dict(self._db.execute("SELECT kind, value FROM counters").fetchall())

    # -- reads (return copies so callers cannot mutate state behind the store's back) ----
    def get(self, kind: str, doc_id: str | int) -> dict | None:
        with self._lock:
            doc = self._docs.get(kind, {}).get(str(doc_id))
            return copy.deepcopy(doc) if doc is not None else None

    def find(
        self,
        kind: str,
        shop: str | None = None,
        where: Callable[[dict], bool] | None = None,
    ) -> list[dict]:
        """Documents of a kind in insertion order, optionally for one shop and filtered."""
        with self._lock:
            out = []
            for doc_id, doc in self._docs.get(kind, {}).items():
                if shop is not None and self._shop_of.get((kind, doc_id)) != shop:
                    continue
                if where is None or where(doc):
                    out.append(copy.deepcopy(doc))
            return out

    def find_by(self, kind: str, field: str, value, shop: str | None = None) -> list[dict]:
        """Documents of a kind whose `field` equals `value`, in insertion order (indexed)."""
        with self._lock:
            index = self._indexes.get((kind, field))
            if index is None:
                index = {}
                for doc_id, doc in self._docs.get(kind, {}).items():
                    index.setdefault(doc.get(field), {})[doc_id] = None
                self._indexes[(kind, field)] = index
            docs = self._docs.get(kind, {})
            return [
                copy.deepcopy(docs[doc_id])
                for doc_id in index.get(value, {})
                if shop is None or self._shop_of.get((kind, doc_id)) == shop
            ]

    def _unindex(self, kind: str, doc_id: str) -> None:
        old = self._docs.get(kind, {}).get(doc_id)
        if old is None:
            return
        for (indexed_kind, field), index in self._indexes.items():
            if indexed_kind == kind:
                index.get(old.get(field), {}).pop(doc_id, None)

    def _reindex(self, kind: str, doc_id: str, doc: dict) -> None:
        for (indexed_kind, field), index in self._indexes.items():
            if indexed_kind == kind:
                index.setdefault(doc.get(field), {})[doc_id] = None

    def peek(self, kind: str, shop: str | None = None) -> list[dict]:
        """Like find() without copying: for hot read paths that promise not to mutate."""
        with self._lock:
            docs = self._docs.get(kind, {})
            if shop is None:
                return list(docs.values())
            return [d for i, d in docs.items() if self._shop_of.get((kind, i)) == shop]

    # -- writes (must run inside transaction()) ------------------------------------------
    def put(self, kind: str, doc_id: str | int, doc: dict, shop: str | None = None) -> dict:
        self._require_transaction()
        doc_id = str(doc_id)
        data = json.dumps(doc, separators=(",", ":"), default=str)
        self._db.execute(
            "INSERT INTO documents(kind, id, shop, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(kind, id) DO UPDATE SET shop = excluded.shop, data = excluded.data",
            (kind, doc_id, shop, data),
        )
        stored = json.loads(data)
        self._unindex(kind, doc_id)
        self._docs.setdefault(kind, {})[doc_id] = stored
        self._reindex(kind, doc_id, stored)
        self._shop_of[(kind, doc_id)] = shop
        return copy.deepcopy(stored)

    def delete(self, kind: str, doc_id: str | int) -> None:
        self._require_transaction()
        doc_id = str(doc_id)
        self._db.execute("DELETE FROM documents WHERE kind = ? AND id = ?", (kind, doc_id))
        self._unindex(kind, doc_id)
        self._docs.get(kind, {}).pop(doc_id, None)
        self._shop_of.pop((kind, doc_id), None)

    def next_id(self, kind: str, start: int = 1001) -> int:
        """Monotonic integer ids per kind (Shopify ids are integers inside GIDs)."""
        self._require_transaction()
        value = self._counters.get(kind, start - 1) + 1
        self._counters[kind] = value
        self._db.execute(
            "INSERT INTO counters(kind, value) VALUES (?, ?) "
            "ON CONFLICT(kind) DO UPDATE SET value = excluded.value",
            (kind, value),
        )
        return value

    def _require_transaction(self) -> None:
        if self._depth == 0:
            raise RuntimeError("devstore writes must happen inside store.transaction()")

    def close(self) -> None:
        self._db.close()
