"""`ledgerbridge plugins ...`: installed accounting plugins, their editions and capabilities."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from core.cli.base import app, err, out, wide

plugins_app = typer.Typer(help="Installed accounting plugins.", no_args_is_help=True)
app.add_typer(plugins_app, name="plugins")


@plugins_app.command("list")
def plugins_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array (name, version, editions, hooks, ...).")] = False,
) -> None:
    """Every loaded plugin with the packages, editions and capabilities it provides.

    Plugins come from the `ledgerbridge` entry-point group; $LEDGERBRIDGE_PLUGINS (comma list)
    restricts which load.
    """
    from core.plugins import PluginError, load_plugins

    try:
        rows = load_plugins().describe()
    except PluginError as exc:
        err.print(f"[red]plugin problem[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"plugins ({len({r['name'] for r in rows})})", title_justify="left")
    for column in ("plugin", "version", "package", "edition", "capabilities", "hooks"):
        table.add_column(column, overflow="fold")
    for row in rows:
        editions = row["editions"] or {"-": []}
        for index, (edition, capabilities) in enumerate(editions.items()):
            first = index == 0
            table.add_row(row["name"] if first else "", (row["version"] or "-") if first else "",
                          (row["package"] or "-") if first else "",
                          edition + (" (default)" if edition == row.get("default_edition") else ""),
                          ", ".join(capabilities) or "-", ", ".join(row["hooks"]) if first else "")
    wide(out, 160).print(table)
