"""The ``ledgerbridge`` command line: one module per command group, all on :data:`app`."""

from core.cli import (  # noqa: F401 (each module registers its commands)
    config, connect, db, deadletters, events, ingest, plugins, push, retry, sandbox, status, tenants, worker,
)
from core.cli.base import app


def main() -> None:
    app()
