"""`ledgerbridge ingest`: events from a JSON-lines file into the outbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.cli.base import app, err, out, ready_app


@app.command()
def ingest(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="JSON lines, one event per line; - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Validate events and queue them for the ledger. Exit 1 if any line was rejected.

    Valid lines are kept even when others are rejected; each rejected line is reported with its
    number and reason. Event ids seen before are counted as duplicates, not applied again.
    """
    from core.ingest import ingest_lines

    application = ready_app()
    application.sync_tenants()
    if file == "-":
        source, stream, total = "<stdin>", sys.stdin, None
    else:
        path = Path(file)
        if not path.is_file():
            err.print(f"{file}: no such file", highlight=False)
            raise typer.Exit(2)
        source, stream = str(path), path.open(encoding="utf-8", errors="replace")
        total = sum(1 for _ in path.open("rb"))
    progress = Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err, transient=True, disable=not err.is_terminal)
    with progress, stream:
        task = progress.add_task("ingest", total=total)
        report = ingest_lines(application, stream, source,
                              on_progress=lambda line: progress.update(task, completed=line))
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for rejection in report.rejected:
            out.print(f"{source}:{rejection.line}: {rejection.reason}", highlight=False, markup=False)
        summary = (f"{source}: {report.accepted} accepted, {report.duplicates} duplicate(s), "
                   f"{len(report.rejected)} rejected")
        if report.disabled_tenant_events:
            summary += f" ({report.disabled_tenant_events} for disabled tenants: they will be dead-lettered)"
        err.print(summary, highlight=False)
    if report.rejected:
        raise typer.Exit(1)
