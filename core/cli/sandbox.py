"""`ledgerbridge sandbox NAME`: serve a package's local emulator on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from core.cli.base import app, err


@app.command()
def sandbox(
    name: Annotated[str, typer.Argument(help="Package whose sandbox to serve, e.g. xero.")],
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")] = 0,
    faults: Annotated[Optional[Path], typer.Option("--faults", help="Fault plan (JSON or TOML) to start with.")] = None,
) -> None:
    """Serve a package's sandbox (a local emulator of its API) until Ctrl-C / SIGTERM.

    Prints one JSON line first — the URLs, client id/secret, a refresh token and the tenant id —
    enough to configure a tenant against it and connect with `--refresh-token`.
    """
    from core.plugins import PluginError, load_plugins
    from core.sandbox.serve import run_foreground

    try:
        package = load_plugins().package(name)
    except PluginError as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(2) from None
    if package.sandbox is None:
        err.print(f"the {name} plugin provides no sandbox", highlight=False)
        raise typer.Exit(2)
    if faults is not None and not faults.is_file():
        err.print(f"{faults}: no such file", highlight=False)
        raise typer.Exit(2)
    emulator = package.sandbox(faults=str(faults) if faults else None)
    run_foreground(emulator.app, port, announce=emulator.credentials)
