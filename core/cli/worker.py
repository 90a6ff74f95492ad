"""`ledgerbridge worker` and `serve`."""

from __future__ import annotations

from typing import Annotated

import typer

from core.cli.base import app, err, ready_app


def _run_worker(until_idle: bool, idle_seconds: float) -> None:
    from core.worker import Worker

    application = ready_app()
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
