"""`ledgerbridge push`: send due documents to the tenants' accounting packages now."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.table import Table

from core.cli.base import app, err, out, ready_app, wide


@app.command()
def push(
    tenant: Annotated[Optional[list[str]], typer.Option("--tenant", help="Only this tenant (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Push every due document (contacts, invoices, bills, payments, voids) now, in dependency order.

    Workers do this by themselves when documents change and when retries fall due; this command
    is for cron jobs and for checking a connection by hand. Exit 1 if any document failed.
    """
    from core.sync import Pusher

    application = ready_app()
    unknown = [t for t in tenant or [] if t not in application.settings.tenants]
    if unknown:
        err.print(f"unknown tenant(s) {', '.join(unknown)}; configured: {', '.join(application.settings.tenants)}",
                  highlight=False)
        raise typer.Exit(2)
    slugs = tenant or [slug for slug, t in application.settings.tenants.items() if t.enabled and t.accounting]
    pusher = Pusher(application)
    reports = [pusher.push(slug) for slug in slugs]
    if as_json:
        print(json.dumps([{"tenant": r.tenant, "package": r.package, "pushed": dict(r.pushed),
                           "failed": dict(r.failed), "waiting": dict(r.waiting), "skipped": r.skipped,
                           "errors": [{"type": t, "id": i, "message": m} for t, i, m in r.errors]}
                          for r in reports], indent=2))
    else:
        table = Table(title="push", title_justify="left")
        for column in ("tenant", "package", "pushed", "failed", "waiting", "note"):
            table.add_column(column, overflow="fold")
        for r in reports:
            table.add_row(r.tenant, r.package or "-", str(r.total_pushed), str(sum(r.failed.values())),
                          str(sum(r.waiting.values())), r.skipped or "; ".join(f"{i}: {m}" for _, i, m in r.errors[:3]))
        wide(out, 160).print(table)
    if any(r.failed for r in reports):
        raise typer.Exit(1)
