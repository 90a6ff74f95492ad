"""`ledgerbridge status`."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from core.cli.base import app, err, out, ready_app, wide


@app.command()
def status(
    tenant: Annotated[Optional[str], typer.Option("--tenant", help="Only this tenant.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Documents, sync states, dead letters and outbox backlog per tenant."""
    from core.status import collect_status, status_table

    application = ready_app()
    if tenant is not None and tenant not in application.settings.tenants:
        err.print(f"unknown tenant {tenant!r}; configured: {', '.join(application.settings.tenants)}", highlight=False)
        raise typer.Exit(2)
    result = collect_status(application, tenant)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        wide(out, 160).print(status_table(result))
