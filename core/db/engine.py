"""Database engines: SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs; leave everything else alone."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy (not pysqlite) issue BEGIN, so transactions and savepoints behave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at the start: two processes never deadlock upgrading a read lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def one_of(column: Any, values: list[Any], dialect_name: str) -> Any:
    """``column IN values`` as the database plans it best.

    On PostgreSQL, ``= ANY(:array)``: one parameter, so the statement text is the same for every
    batch (cached by SQLAlchemy and psycopg) instead of a new ``IN (...)`` of hundreds of placeholders.
    Run such lookups inside :func:`planned_for_values`.
    """
    if dialect_name == "postgresql":
        from sqlalchemy import String, any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(String), unique=True))
    return column.in_(values)


@contextmanager
def planned_for_values(session: Any) -> Iterator[None]:
    """PostgreSQL: plan the statements run inside for their actual parameters (id-list lookups).

    A prepared statement's generic plan is made once, from the table statistics of that moment.
    For ``= ANY(:ids)`` lookups made while a table was nearly empty (a fresh ledger being filled)
    that plan is a sequential scan testing every row against every id — time growing with the
    table until the next ANALYZE. A custom plan hashes the ids and uses the index once it pays.
    Writes stay outside: an executemany would be planned row by row.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    if postgres:
        session.execute(text("SET LOCAL plan_cache_mode TO DEFAULT"))
