"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import core.db.models  # noqa: F401  (registers the tables)
from core.db.engine import make_engine
from core.db.migrate import head_revision, current_revision, upgrade


def _drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, SQLModel.metadata)


def test_sqlite_migrations_match_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    upgrade(engine)
    upgrade(engine)  # repeatable
    assert current_revision(engine) == head_revision(engine)
    assert _drift(engine) == []


@pytest.mark.postgres
def test_postgres_migrations_match_the_models(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert _drift(engine) == []
    engine.dispose()
