"""Events/s end to end: ``ingest`` → outbox → bus → handler → ledger.

Runs on SQLite + memory:// and, when reachable, PostgreSQL + RabbitMQ (a scratch database and
the broker's ledgerbridge queues are created and removed). Prints figures; asserts nothing.

    .venv/bin/python bench/ingest_throughput.py [--events 10000] [--only sqlite|postgres] [--profile]

``--profile`` prints the top functions by cumulative time of the drain phase (cProfile), to see
whether the database or per-message overhead is the bottleneck.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import signal
import subprocess
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from core.db.models import Invoice  # noqa: E402
from core.ingest import ingest_lines  # noqa: E402
from core.logs import configure_logging  # noqa: E402
from core.worker import Worker  # noqa: E402
from tests.builders import bulk_invoice_lines  # noqa: E402
from tests.conftest import AMQP_URL, PG_ADMIN_URL, delete_namespace, make_app, scratch_database  # noqa: E402


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def run(label: str, database_url: str, broker_url: str, events: int, profile: bool,
        namespace: str = "ledgerbridge") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp) / "config", database_url, broker_url, namespace)
        lines = bulk_invoice_lines(events)
        started = time.perf_counter()
        report = ingest_lines(app, lines, "bench")
        ingested = time.perf_counter()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        Worker(app, until_idle=True, idle_seconds=0.2).start()
        if profiler:
            profiler.disable()
        finished = time.perf_counter()
        with app.session() as session:
            stored = session.exec(select(func.count()).select_from(Invoice)).one()
        app.close()
    assert report.accepted == events and stored == events, (report.accepted, stored)
    idle = 0.2  # the until-idle grace period is not work
    total = finished - started - idle
    print(f"{label:<22} {events:>7} events  ingest {events / (ingested - started):>8.0f}/s  "
          f"bus+ledger {events / (finished - ingested - idle):>8.0f}/s  end-to-end {events / total:>8.0f}/s")
    if not profile:
        pipelined(label, database_url, broker_url, events, namespace)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("TOP", "30")))
        print(out.getvalue())


def pipelined(label: str, database_url: str, broker_url: str, events: int, namespace: str) -> None:
    """As deployed: a `ledgerbridge worker` process running while `ledgerbridge ingest` writes."""
    with tempfile.TemporaryDirectory() as tmp:
        if database_url.startswith("sqlite"):
            database_url = f"sqlite:///{tmp}/pipelined.db"
        app = make_app(Path(tmp) / "config", database_url, broker_url, namespace)
        with app.session() as session:  # the sequential run may have used the same database
            before = session.exec(select(func.count()).select_from(Invoice)).one()
        events_file = Path(tmp) / "events.jsonl"
        events_file.write_text("\n".join(bulk_invoice_lines(events, prefix="P")) + "\n")
        command = [sys.executable, "-m", "core", "--config", str(Path(tmp) / "config")]
        worker = subprocess.Popen(command + ["worker"], stderr=subprocess.DEVNULL)
        time.sleep(1.5)  # worker start-up is not throughput
        started = time.perf_counter()
        subprocess.run(command + ["ingest", str(events_file)], check=True, stderr=subprocess.DEVNULL)
        stored = before
        while stored < before + events:
            time.sleep(0.05)
            with app.session() as session:
                stored = session.exec(select(func.count()).select_from(Invoice)).one()
        elapsed = time.perf_counter() - started
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
        app.close()
    print(f"{label:<22} {events:>7} events  pipelined (worker process + ingest process): "
          f"{events / elapsed:>8.0f}/s  (worker exit {code})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    configure_logging("WARNING")
    print(f"ledgerbridge ingest benchmark — {args.events} invoice-created events, 1 line each")
    if args.only in (None, "sqlite"):
        from kombu.transport import memory

        memory.Transport.global_state.clear()
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite + memory://", f"sqlite:///{tmp}/bench.db", "memory://", args.events, args.profile)
    if args.only in (None, "postgres"):
        if not (reachable(5432) and reachable(5672)):
            print("PostgreSQL + RabbitMQ   skipped: servers not reachable on 127.0.0.1:5432/5672")
            return
        namespace = f"lbbench-{uuid.uuid4().hex[:8]}"
        try:
            with scratch_database(PG_ADMIN_URL, prefix="lb_bench") as url:
                run("PostgreSQL + RabbitMQ", url, AMQP_URL, args.events, args.profile, namespace)
        finally:
            delete_namespace(AMQP_URL, namespace)


if __name__ == "__main__":
    main()
