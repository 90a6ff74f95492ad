"""Primary keys allocated before the INSERT, for rows that other new rows refer to.

With server-generated keys the ORM must INSERT … RETURNING every row to learn its id; with ids
known up front a batch goes in as plain bulk inserts (COPY, or batched INSERTs that psycopg
pipelines), several times faster. PostgreSQL hands out ids from the column's own sequence (safe
with many workers; one query for all tables); SQLite has one writer at a time (transactions begin
IMMEDIATE), so the next ids follow the current maximum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel import Session


def allocate_ids(session: Session, objects: Iterable[object]) -> None:
    """Give every object in ``objects`` whose ``id`` is None a fresh primary key (one query on PostgreSQL)."""
    missing: dict[str, list[object]] = defaultdict(list)
    for obj in objects:
        if getattr(obj, "id", 0) is None:
            missing[type(obj).__tablename__].append(obj)  # type: ignore[attr-defined]
    if not missing:
        return
    for table, ids in _next_ids(session, {table: len(rows) for table, rows in missing.items()}).items():
        for obj, new_id in zip(missing[table], ids):
            obj.id = new_id  # type: ignore[attr-defined]


def _next_ids(session: Session, counts: dict[str, int]) -> dict[str, list[int]]:
    if session.get_bind().dialect.name == "postgresql":
        tables = sorted(counts)
        statement = text(" UNION ALL ".join(
            f"SELECT {i} AS t, nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n{i})"
            for i, table in enumerate(tables)))
        result: dict[str, list[int]] = {table: [] for table in tables}
        for index, new_id in session.execute(statement, {f"n{i}": counts[t] for i, t in enumerate(tables)}):
            result[tables[index]].append(new_id)
        return result
    result = {}
    for table, count in counts.items():
        start = session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one() + 1
        result[table] = list(range(start, start + count))
    return result
