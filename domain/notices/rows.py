"""INSERT ... ON CONFLICT DO NOTHING: a row written once per key, whoever writes it first (two
workers handling the same event), without a UNIQUE violation that would abort the unit."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from extensions import db


def insert_once(model, values: dict, key: list[str]):
    """The new row (loaded), or None when a row with this key already exists."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    table = model.__table__
    statement = (
        insert(table).values(**values).on_conflict_do_nothing(index_elements=key)
    ).returning(table.c.id)
    new_id = db.session.execute(statement).scalar()
    return None if new_id is None else db.session.get(model, new_id)
