"""The command-line application object, its consoles and the app bootstrap every command uses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from core.config import ConfigError

app = typer.Typer(
    name="ledgerbridge",
    help=("Keeps a business app's invoices and payments in sync with accounting packages "
          "(Xero, QuickBooks Online, MYOB) and proves it with reconciliation reports.\n\n"
          "Typical flow: `db upgrade` once, `ingest` events (or publish them to the bus), "
          "run a `worker`, check `status`."),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    config_dir: Optional[Path] = None


@app.callback()
def main_options(
    config: Annotated[Optional[Path], typer.Option(
        "--config", envvar="LEDGERBRIDGE_CONFIG", help="Config directory (ledgerbridge.toml, tenants.toml).",
        show_default="./config")] = None,
) -> None:
    State.config_dir = config




def open_app():
    """Bootstrap, turning config and plugin problems into a clear message and exit code 2."""
    from core.bootstrap import bootstrap
    from core.plugins import PluginError

    try:
        return bootstrap(State.config_dir)
    except ConfigError as exc:
        err.print("[red]configuration problems[/red] (run `ledgerbridge config check`):", highlight=False)
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(2) from None
    except PluginError as exc:
        err.print(f"[red]plugin problem[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None


def ready_app():
    """An app whose database schema is current (else a clear message)."""
    from core.db.migrate import is_up_to_date

    application = open_app()
    if not is_up_to_date(application.engine):
        err.print("the database schema is not current: run `ledgerbridge db upgrade` first", highlight=False)
        raise typer.Exit(2)
    return application


def wide(console: Console, width: int = 120) -> Console:
    """The console itself on a terminal; a fixed-width one when output goes to a file or pipe."""
    return console if console.is_terminal else Console(width=width)
