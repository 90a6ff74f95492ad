"""`ledgerbridge db ...`: the local ledger database."""

from __future__ import annotations

from typing import Annotated

import typer

from core.cli.base import app, err, open_app

db_app = typer.Typer(help="Local ledger database.", no_args_is_help=True)
app.add_typer(db_app, name="db")

@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the ledger schema to the newest version (safe to repeat)."""
    from core.db.migrate import current_revision, upgrade

    application = open_app()
    upgrade(application.engine, revision)
    application.sync_tenants()
    err.print(f"database at revision {current_revision(application.engine)} "
              f"({application.engine.url.render_as_string(hide_password=True)})", highlight=False)
