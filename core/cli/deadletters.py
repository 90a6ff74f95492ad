"""`ledgerbridge deadletters ...`: messages that could not be applied."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from core.cli.base import app, err, out, ready_app, wide

deadletters_app = typer.Typer(help="Messages that could not be applied, kept with their reason.", no_args_is_help=True)
app.add_typer(deadletters_app, name="deadletters")

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

    letters = open_dead_letters(ready_app(), tenant=tenant, include_closed=include_closed)
    if as_json:
        print(json.dumps([_letter_dict(l) for l in letters], indent=2))
        return
    table = Table(title=f"dead letters ({len(letters)})", title_justify="left")
    for column in ("id", "received", "tenant", "type", "event id", "reason", "state"):
        table.add_column(column, overflow="fold")
    for l in letters:
        table.add_row(str(l.id), l.received_at.strftime("%Y-%m-%d %H:%M:%S"), l.tenant or "?", l.event_type or "?",
                      l.event_id or "?", l.reason, _letter_state(l))
    wide(out, 160).print(table)


@deadletters_app.command("show")
def deadletters_show(letter_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """One dead letter in full, with its original body."""
    from core.deadletters import open_dead_letters

    letters = open_dead_letters(ready_app(), ids=[letter_id], include_closed=True)
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

    application = ready_app()
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

    application = ready_app()
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
