"""Shared fixtures: temporary config directories, and the real servers integration tests need.

PostgreSQL, RabbitMQ and Redis tests skip with a clear message when the server is unreachable,
and fail instead when ``LEDGERBRIDGE_REQUIRE_SERVICES=1`` (as CI sets it).
"""

from __future__ import annotations

import os
import socket
import textwrap
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.bootstrap import App, bootstrap
from core.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get("LEDGERBRIDGE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("LEDGERBRIDGE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("LEDGERBRIDGE_TEST_REDIS", "redis://127.0.0.1:6379/15")

pytest_plugins = ["core.testing.plugin"]  # the conformance kit, enabled as a third party would

TENANTS_TOML = """
[tenants.acme-plumbing]
name = "Acme Plumbing Pty Ltd"
accounting = "xero"
base_currency = "AUD"
financial_year_start = "07-01"
[tenants.acme-plumbing.xero]
client_id = "test-client"

[tenants.northside-pest]
name = "Northside Pest Control Ltd"
accounting = "quickbooks"
base_currency = "NZD"
financial_year_start = "04-01"
[tenants.northside-pest.quickbooks]
realm_id = "9130350000000000"

[tenants.paused-co]
name = "Paused Co"
enabled = false
accounting = "xero"
base_currency = "AUD"
[tenants.paused-co.xero]
client_id = "test-client"

[tenants.records-only]
name = "Records Only Ltd"
base_currency = "AUD"
"""


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or fail under LEDGERBRIDGE_REQUIRE_SERVICES=1) when a server is not reachable."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable on {host}:{port} ({exc}); see DESIGN.md §7 to start it"
    if os.environ.get("LEDGERBRIDGE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " — required because LEDGERBRIDGE_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def write_config(directory: Path, database_url: str, broker_url: str = "memory://",
                 tenants: str = TENANTS_TOML, namespace: str = "ledgerbridge", extra: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ledgerbridge.toml").write_text(textwrap.dedent(f"""
        [database]
        url = "{database_url}"
        [broker]
        url = "{broker_url}"
        namespace = "{namespace}"
        [logging]
        level = "WARNING"
        {extra}
    """))
    (directory / "tenants.toml").write_text(tenants)
    return directory


def make_app(directory: Path, database_url: str, broker_url: str = "memory://",
             namespace: str = "ledgerbridge") -> App:
    write_config(directory, database_url, broker_url, namespace=namespace)
    application = bootstrap(directory, env={}, configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    return application


@pytest.fixture
def sqlite_app(tmp_path, memory_bus):
    application = make_app(tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}")
    yield application
    application.close()


@pytest.fixture(scope="session")
def pg_server():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return PG_ADMIN_URL


@contextmanager
def scratch_database(admin_url: str = PG_ADMIN_URL, prefix: str = "lb_test"):
    """The URL of a new, empty PostgreSQL database, dropped on exit (tests, benchmarks)."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    with scratch_database(pg_server) as url:
        yield url


@pytest.fixture
def pg_app(tmp_path, pg_url):
    application = make_app(tmp_path / "config", pg_url)
    yield application
    application.close()


@pytest.fixture
def amqp_url():
    require_service("RabbitMQ", "127.0.0.1", 5672)
    return AMQP_URL


@pytest.fixture
def amqp_namespace(amqp_url):
    """A namespace of exchanges and queues of this test's own on the real broker, removed afterwards."""
    namespace = f"lbtest-{uuid.uuid4().hex[:10]}"
    yield namespace
    delete_namespace(amqp_url, namespace)


def delete_namespace(url: str, namespace: str) -> None:
    from kombu import Connection

    from core.bus.topology import topology

    with Connection(url) as connection:
        topology(namespace).delete(connection.channel())


@pytest.fixture
def pg_amqp_app(tmp_path, pg_url, amqp_url, amqp_namespace):
    application = make_app(tmp_path / "config", pg_url, amqp_url, amqp_namespace)
    yield application
    application.close()


@pytest.fixture
def memory_bus():
    """Fresh state for kombu's in-process memory transport (global per process)."""
    from kombu.transport import memory

    def reset() -> None:
        memory.Channel.queues.clear()
        memory.Channel.events.clear()
        memory.Transport.global_state.clear()

    reset()
    yield "memory://"
    reset()
