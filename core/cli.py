"""The ``ledgerbridge`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.config import ConfigError, check_config

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
db_app = typer.Typer(help="Local ledger database.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration files.", no_args_is_help=True)
events_app = typer.Typer(help="The event contract host apps publish.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(events_app, name="events")
deadletters_app = typer.Typer(help="Messages that could not be applied, kept with their reason.", no_args_is_help=True)
app.add_typer(deadletters_app, name="deadletters")

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


def _app():
    """Bootstrap, turning config problems into a clear message and exit code 2."""
    from core.bootstrap import bootstrap

    try:
        return bootstrap(State.config_dir)
    except ConfigError as exc:
        err.print("[red]configuration problems[/red] (run `ledgerbridge config check`):", highlight=False)
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(2) from None


def _ready_app():
    """An app whose database schema is current (else a clear message)."""
    from core.db.migrate import is_up_to_date

    application = _app()
    if not is_up_to_date(application.engine):
        err.print("the database schema is not current: run `ledgerbridge db upgrade` first", highlight=False)
        raise typer.Exit(2)
    return application


# --- db -------------------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the ledger schema to the newest version (safe to repeat)."""
    from core.db.migrate import current_revision, upgrade

    application = _app()
    upgrade(application.engine, revision)
    application.sync_tenants()
    err.print(f"database at revision {current_revision(application.engine)} "
              f"({application.engine.url.render_as_string(hide_password=True)})", highlight=False)


# --- config ---------------------------------------------------------------------------------------

@config_app.command("check")
def config_check() -> None:
    """Validate ledgerbridge.toml, tenants.toml and the secrets file; list every problem (exit 1 if any)."""
    settings, problems = check_config(State.config_dir)
    if problems:
        for problem in problems:
            out.print(str(problem), highlight=False, markup=False)
        err.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    assert settings is not None
    enabled = sum(t.enabled for t in settings.tenants.values())
    out.print(f"configuration OK: {settings.config_dir} — {len(settings.tenants)} tenant(s), {enabled} enabled",
              highlight=False)


# --- events ---------------------------------------------------------------------------------------

@events_app.command("schema")
def events_schema(event_type: Annotated[Optional[str], typer.Argument(
        metavar="[TYPE]", help="Event type; all types when omitted.")] = None) -> None:
    """Print the JSON Schema of an event type (or of all, as an object keyed by type)."""
    from core.events.schemas import EVENT_TYPES, envelope_schema

    if event_type is None:
        document = {t: envelope_schema(t) for t in EVENT_TYPES}
    elif event_type in EVENT_TYPES:
        document = envelope_schema(event_type)
    else:
        err.print(f"unknown event type {event_type!r}; known: {', '.join(EVENT_TYPES)}", highlight=False)
        raise typer.Exit(2)
    print(json.dumps(document, indent=2))


@events_app.command("example")
def events_example(event_type: Annotated[Optional[str], typer.Argument(
        metavar="[TYPE]", help="Event type; all types when omitted.")] = None) -> None:
    """Print documented example events as JSON lines (valid input for `ingest`)."""
    from core.events.examples import EXAMPLES

    if event_type is not None and event_type not in EXAMPLES:
        err.print(f"unknown event type {event_type!r}; known: {', '.join(EXAMPLES)}", highlight=False)
        raise typer.Exit(2)
    for name, example in EXAMPLES.items():
        if event_type in (None, name):
            print(json.dumps(example))


# --- ingest ---------------------------------------------------------------------------------------

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

    application = _ready_app()
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


# --- worker / serve -------------------------------------------------------------------------------

def _run_worker(until_idle: bool, idle_seconds: float) -> None:
    from core.worker import Worker

    application = _ready_app()
    worker = Worker(application, until_idle=until_idle, idle_seconds=idle_seconds)
    stats = worker.start()
    inbound = stats.inbound
    err.print(f"worker stopped: {stats.published} published, {inbound.applied} applied, "
              f"{inbound.duplicates} duplicate(s), {inbound.dead_lettered + stats.broker_dead_letters} dead-lettered",
              highlight=False)


@app.command()
def worker(
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Drain all pending work, then exit (cron, tests, demo).")] = False,
    idle_seconds: Annotated[float, typer.Option(help="With --until-idle: how long nothing must happen first.")] = 0.5,
) -> None:
    """Relay the outbox and consume the bus until SIGTERM (finishing the in-flight batch)."""
    _run_worker(until_idle, idle_seconds)


@app.command()
def serve() -> None:
    """Run the whole service in one process (relay + consumers); the embedded default's way to run."""
    _run_worker(False, 0.5)


# --- status ---------------------------------------------------------------------------------------

@app.command()
def status(
    tenant: Annotated[Optional[str], typer.Option("--tenant", help="Only this tenant.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Documents, sync states, dead letters and outbox backlog per tenant."""
    from core.status import collect_status, status_table

    application = _ready_app()
    if tenant is not None and tenant not in application.settings.tenants:
        err.print(f"unknown tenant {tenant!r}; configured: {', '.join(application.settings.tenants)}", highlight=False)
        raise typer.Exit(2)
    result = collect_status(application, tenant)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        console = out if out.is_terminal else Console(width=120)
        console.print(status_table(result))


# --- dead letters -----------------------------------------------------------------------------------

def _selected_letters(application, ids: list[int], tenant: Optional[str], every: bool):
    from core.deadletters import open_dead_letters

    if not ids and tenant is None and not every:
        err.print("name dead letter ids, or --tenant T, or --all", highlight=False)
        raise typer.Exit(2)
    letters = open_dead_letters(application, tenant=tenant, ids=ids)
    missing = set(ids) - {l.id for l in letters}
    if missing:
        err.print(f"not open dead letters: {', '.join(map(str, sorted(missing)))}", highlight=False)
        raise typer.Exit(2)
    return letters


@deadletters_app.command("list")
def deadletters_list(
    tenant: Annotated[Optional[str], typer.Option("--tenant", help="Only this tenant.")] = None,
    include_closed: Annotated[bool, typer.Option("--all", help="Also replayed and discarded ones.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Open dead letters, oldest first, with their reasons."""
    from rich.table import Table

    from core.deadletters import open_dead_letters

    letters = open_dead_letters(_ready_app(), tenant=tenant, include_closed=include_closed)
    if as_json:
        print(json.dumps([_letter_dict(l) for l in letters], indent=2))
        return
    table = Table(title=f"dead letters ({len(letters)})", title_justify="left")
    for column in ("id", "received", "tenant", "type", "event id", "reason", "state"):
        table.add_column(column, overflow="fold")
    for l in letters:
        table.add_row(str(l.id), l.received_at.strftime("%Y-%m-%d %H:%M:%S"), l.tenant or "?", l.event_type or "?",
                      l.event_id or "?", l.reason, _letter_state(l))
    (out if out.is_terminal else Console(width=160)).print(table)


@deadletters_app.command("show")
def deadletters_show(letter_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """One dead letter in full, with its original body."""
    from core.deadletters import open_dead_letters

    letters = open_dead_letters(_ready_app(), ids=[letter_id], include_closed=True)
    if not letters:
        err.print(f"no dead letter {letter_id}", highlight=False)
        raise typer.Exit(2)
    print(json.dumps(_letter_dict(letters[0], body=True), indent=2))


@deadletters_app.command("replay")
def deadletters_replay(
    ids: Annotated[Optional[list[int]], typer.Argument(metavar="[ID]...", help="Dead letters to replay.")] = None,
    tenant: Annotated[Optional[str], typer.Option("--tenant", help="Every open dead letter of this tenant.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every open dead letter.")] = False,
) -> None:
    """Put dead letters back on the bus after the cause was fixed (a worker applies them)."""
    from core.deadletters import replay

    application = _ready_app()
    count = replay(application, _selected_letters(application, ids or [], tenant, every))
    err.print(f"{count} dead letter(s) queued again; run a worker to apply them", highlight=False)


@deadletters_app.command("discard")
def deadletters_discard(
    ids: Annotated[Optional[list[int]], typer.Argument(metavar="[ID]...", help="Dead letters to discard.")] = None,
    tenant: Annotated[Optional[str], typer.Option("--tenant", help="Every open dead letter of this tenant.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every open dead letter.")] = False,
) -> None:
    """Mark dead letters as dealt with; they stay on record but leave the counts."""
    from core.deadletters import discard

    application = _ready_app()
    count = discard(application, _selected_letters(application, ids or [], tenant, every))
    err.print(f"{count} dead letter(s) discarded", highlight=False)


def _letter_state(letter) -> str:
    if letter.replayed_at:
        return f"replayed {letter.replayed_at:%Y-%m-%d %H:%M}"
    if letter.discarded_at:
        return f"discarded {letter.discarded_at:%Y-%m-%d %H:%M}"
    return "open"


def _letter_dict(letter, body: bool = False) -> dict:
    result = {"id": letter.id, "received_at": letter.received_at.isoformat(), "source": letter.source,
              "routing_key": letter.routing_key, "event_id": letter.event_id, "event_type": letter.event_type,
              "tenant": letter.tenant, "reason": letter.reason, "state": _letter_state(letter)}
    if body:
        result["body"] = letter.body
    return result


def main() -> None:
    app()
