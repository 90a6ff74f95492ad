"""The ``ledgerbridge`` command line: one module per command group, all on :data:`app`."""

from core.cli import config, db, deadletters, events, ingest, plugins, push, sandbox, status, tenants, worker  # noqa: F401 (register)
from core.cli.base import app


def main() -> None:
    app()
