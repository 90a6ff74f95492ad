"""`ledgerbridge events ...`: the event contract host apps publish."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from core.cli.base import app, err

events_app = typer.Typer(help="The event contract host apps publish.", no_args_is_help=True)
app.add_typer(events_app, name="events")


@events_app.command("schema")
def events_schema(
    event_type: Annotated[Optional[str], typer.Argument(
        metavar="[TYPE]", help="Event type; all host event types when omitted.")] = None,
    notifications: Annotated[bool, typer.Option(
        "--notifications", help="All notification types ledgerbridge publishes instead.")] = False,
) -> None:
    """Print the JSON Schema of an event type (or of all, as an object keyed by type).

    Host apps publish the event types; ledgerbridge publishes the notification types
    (reconciliation-completed, push-failed) to the <namespace>.notifications exchange.
    """
    from core.events.schemas import EVENT_TYPES, NOTIFICATION_TYPES, envelope_schema

    if event_type is None:
        document = {t: envelope_schema(t) for t in (NOTIFICATION_TYPES if notifications else EVENT_TYPES)}
    elif event_type in EVENT_TYPES + NOTIFICATION_TYPES:
        document = envelope_schema(event_type)
    else:
        known = ", ".join(EVENT_TYPES + NOTIFICATION_TYPES)
        err.print(f"unknown event type {event_type!r}; known: {known}", highlight=False)
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
