"""Bulk INSERT of plain rows: COPY on PostgreSQL, one executemany INSERT elsewhere.

Rows are tuples in the order of ``columns``. Values go through the columns' own bind processing
(:class:`~core.db.types.ExactDecimal` refuses floats and excess decimal places, timestamps are
made UTC) exactly as an INSERT would, so both paths store the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Callable

from psycopg import sql
from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlmodel import Session


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (tuples of ``columns``' values) into ``table`` in the session's transaction."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), [dict(zip(columns, row)) for row in rows])
        return
    processors = _processors(table, tuple(columns), dialect)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    connection = session.connection().connection.dbapi_connection
    with connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        if any(processors):
            for row in rows:
                copy.write_row([v if p is None or v is None else p(v) for p, v in zip(processors, row)])
        else:
            for row in rows:
                copy.write_row(row)


@lru_cache(maxsize=None)
def _processors(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[Callable[[Any], Any] | None, ...]:
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns)
