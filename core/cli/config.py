"""`ledgerbridge config ...`: configuration files."""

from __future__ import annotations

import typer

from core.cli.base import State, app, err, out
from core.config import check_config

config_app = typer.Typer(help="Configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")

@config_app.command("check")
def config_check() -> None:
    """Validate ledgerbridge.toml, tenants.toml and the secrets file; list every problem (exit 1 if any).

    Each tenant's accounting package, edition and package options are checked by the plugin
    that provides the package.
    """
    from core.plugins import PluginError, load_plugins

    try:
        packages = load_plugins().packages
    except PluginError as exc:
        err.print(f"[red]plugin problem[/red]: {exc}", highlight=False)
        raise typer.Exit(2) from None
    settings, problems = check_config(State.config_dir, packages=packages)
    if problems:
        for problem in problems:
            out.print(str(problem), highlight=False, markup=False)
        err.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    assert settings is not None
    enabled = sum(t.enabled for t in settings.tenants.values())
    out.print(f"configuration OK: {settings.config_dir} — {len(settings.tenants)} tenant(s), {enabled} enabled",
              highlight=False)
