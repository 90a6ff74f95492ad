"""`ledgerbridge worker` and `serve`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from core.cli.base import app, err, ready_app


def _run_worker(until_idle: bool, idle_seconds: float, push: bool = True, scan_interval: float | None = None) -> None:
    from core.worker import Worker

    application = ready_app()
    worker = Worker(application, until_idle=until_idle, idle_seconds=idle_seconds, push=push,
                    scan_interval=scan_interval)
    stats = worker.start()
    inbound = stats.inbound
    err.print(f"worker stopped: {stats.published} published, {inbound.applied} applied, "
              f"{inbound.duplicates} duplicate(s), {inbound.dead_lettered + stats.broker_dead_letters} dead-lettered, "
              f"{stats.pushed} pushed", highlight=False)


@app.command()
def worker(
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Drain all pending work, then exit (cron, tests, demo).")] = False,
    idle_seconds: Annotated[float, typer.Option(help="With --until-idle: how long nothing must happen first.")] = 0.5,
    push: Annotated[bool, typer.Option("--push/--no-push", help="Push to the accounting packages too (a worker "
                                       "that only applies events leaves pushing to others).")] = True,
    scan_interval: Annotated[Optional[float], typer.Option(help="Seconds between looks for documents whose retry "
                                                           "is due (default: [push] scan_seconds, 30).")] = None,
) -> None:
    """Relay the outbox, apply events from the bus and push documents to the accounting packages, until
    SIGTERM (finishing the in-flight batch). Retries after an outage happen by themselves."""
    _run_worker(until_idle, idle_seconds, push, scan_interval)


@app.command()
def serve() -> None:
    """Run the whole service in one process (relay + consumers + pusher); the embedded default's way to run."""
    _run_worker(False, 0.5)
