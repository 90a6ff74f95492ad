"""A RabbitMQ restart in the middle of the work loses nothing and duplicates nothing.

Restarts the real broker's application (``rabbitmqctl stop_app`` / ``start_app``): durable queues,
persistent messages and unpublished outbox rows carry the work across; the worker reconnects.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import func, select

from core.db.models import DeadLetter, Invoice, ProcessedEvent
from core.ingest import ingest_lines
from tests import builders

EVENTS = 3000


def _count(app, model) -> int:
    with app.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.mark.rabbitmq
def test_broker_restart_mid_work_loses_and_duplicates_nothing(pg_amqp_app, tmp_path):
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed: cannot restart the broker")
    app = pg_amqp_app
    report = ingest_lines(app, builders.bulk_invoice_lines(EVENTS), "restart.jsonl")
    assert report.accepted == EVENTS

    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBRIDGE_")}
    worker = subprocess.Popen([sys.executable, "-m", "core", "--config", str(tmp_path / "config"), "worker"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: _count(app, Invoice) > 0, 60, "the first batch")
        _rabbitmqctl("stop_app")
        try:
            time.sleep(2)
        finally:
            _rabbitmqctl("start_app")
        _rabbitmqctl("await_startup")
        _wait_for(lambda: _count(app, Invoice) >= EVENTS, 120, "all invoices after the restart")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert worker.returncode == 0, output[-3000:]
    assert _count(app, Invoice) == EVENTS
    assert _count(app, ProcessedEvent) == EVENTS
    assert _count(app, DeadLetter) == 0
