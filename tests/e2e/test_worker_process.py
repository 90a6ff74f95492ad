"""Worker processes on the production parts (real PostgreSQL + RabbitMQ): signals, crashes, concurrency,
and a host app publishing straight to the bus."""

from __future__ import annotations

import json
import signal
import time

import pytest
from kombu import Connection, Producer
from sqlalchemy import create_engine, text

from core.bus.topology import topology
from tests import builders
from tests.conftest import write_config
from tests.e2e.conftest import Cli, describe, set_broker_batch, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.timeout(90)]

BATCH = 100  # small batches, so a run of a few thousand events is observable half-way


class Ledger:
    """Read-only look at the ledger database, as an operator's SQL would."""

    def __init__(self, url: str):
        self.engine = create_engine(url, pool_pre_ping=True)

    def scalar(self, sql: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()

    def invoices(self) -> int:
        return self.scalar("SELECT count(*) FROM invoices")

    def processed(self) -> int:
        return self.scalar("SELECT count(*) FROM processed_events")

    def distinct_processed(self) -> int:
        return self.scalar("SELECT count(DISTINCT event_id) FROM processed_events")

    def dead_letters(self) -> int:
        return self.scalar("SELECT count(*) FROM dead_letters")

    def duplicated_invoices(self) -> int:
        return self.scalar("SELECT count(*) FROM (SELECT tenant, host_id FROM invoices "
                           "GROUP BY tenant, host_id HAVING count(*) > 1) AS d")

    def backlog(self) -> int:
        return self.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")

    def assert_exactly(self, invoices: int) -> None:
        assert self.invoices() == invoices
        assert self.duplicated_invoices() == 0
        assert self.processed() == invoices
        assert self.distinct_processed() == invoices
        assert self.dead_letters() == 0
        assert self.backlog() == 0


@pytest.fixture
def env(tmp_path, pg_url, amqp_url, amqp_namespace):
    """(cli, ledger, start): an upgraded PostgreSQL + RabbitMQ installation in this test's own namespace."""
    config_dir = write_config(tmp_path / "config", pg_url, amqp_url, namespace=amqp_namespace)
    set_broker_batch(config_dir, BATCH)
    (tmp_path / "cwd").mkdir()
    (tmp_path / "logs").mkdir()
    cli = Cli(config_dir, tmp_path / "cwd")
    cli.ok("db", "upgrade")
    ledger = Ledger(pg_url)
    started = []

    def start(*args: str, name: str):
        proc = cli.popen(*args, log_dir=tmp_path / "logs", name=name)
        started.append(proc)
        return proc

    yield cli, ledger, start
    for proc in started:
        proc.kill()
    ledger.engine.dispose()


def write_events(tmp_path, name: str, lines: list[str]):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def ingest(cli: Cli, path, accepted: int) -> None:
    result = cli("ingest", str(path))
    assert result.returncode == 0, describe(result)
    assert f"{accepted} accepted" in result.stderr, describe(result)


def wait_until_partly_applied(ledger: Ledger, proc, total: int, timeout: float = 20) -> int:
    """Poll until some but not all invoices are in the ledger; return how many."""
    def partly():
        assert proc.process.poll() is None, "worker exited early:\n" + proc.output()
        n = ledger.invoices()
        assert n < total, f"all {total} invoices applied before the worker could be interrupted"
        return n
    return wait_for(partly, timeout, interval=0.01, message="the first invoices to be applied")


def queues_empty(url: str, namespace: str) -> bool:
    with Connection(url) as connection:
        channel = connection.channel()
        return all(queue(channel).queue_declare(passive=True).message_count == 0
                   for queue in topology(namespace).queues)


def drain(cli: Cli) -> None:
    result = cli("worker", "--until-idle", timeout=60)
    assert result.returncode == 0, describe(result)
    assert "Traceback" not in result.stderr, describe(result)


def test_sigterm_stops_after_the_in_flight_batch(env, tmp_path):
    cli, ledger, start = env
    total = 3000
    ingest(cli, write_events(tmp_path, "bulk.jsonl", builders.bulk_invoice_lines(total)), total)

    worker = start("worker", name="worker")
    wait_until_partly_applied(ledger, worker, total)
    stopped_at = time.monotonic()
    code = worker.stop(signal.SIGTERM, timeout=15)
    elapsed = time.monotonic() - stopped_at
    assert code == 0, worker.output()
    assert elapsed < 5, f"took {elapsed:.1f}s to stop\n{worker.output()}"
    assert "Traceback" not in worker.output(), worker.output()
    # what it applied, it recorded: no half-applied batch
    assert ledger.invoices() == ledger.processed()
    assert 0 < ledger.invoices() <= total

    drain(cli)
    ledger.assert_exactly(total)


def test_two_workers_and_a_concurrent_ingest_apply_everything_once(env, tmp_path, amqp_url, amqp_namespace):
    cli, ledger, start = env
    first = builders.bulk_invoice_lines(1500, prefix="A")
    second = builders.bulk_invoice_lines(1500, prefix="B")
    ingest(cli, write_events(tmp_path, "a.jsonl", first), 1500)

    workers = [start("worker", name=f"worker{i}") for i in (1, 2)]
    # the second file repeats 100 events of the first: duplicates, not applied twice
    ingest(cli, write_events(tmp_path, "b.jsonl", second + first[:100]), 1500)
    wait_for(lambda: ledger.invoices() >= 3000 and ledger.backlog() == 0, 45, interval=0.1,
             message="3000 invoices")
    # let the follow-up sync requests be consumed too, so SIGTERM finds the workers idle
    wait_for(lambda: queues_empty(amqp_url, amqp_namespace), 10, interval=0.1, message="empty queues")
    time.sleep(0.5)
    for worker in workers:
        assert worker.process.poll() is None, worker.output()
    for worker in workers:
        assert worker.stop(signal.SIGTERM, timeout=15) == 0, worker.output()

    drain(cli)
    ledger.assert_exactly(3000)
    status = cli.status()
    assert status["tenants"]["acme-plumbing"]["invoices"] == 3000
    assert status["dead_letters"] == 0 and status["outbox_backlog"] == 0


def test_sigkill_mid_batch_loses_and_duplicates_nothing(env, tmp_path):
    cli, ledger, start = env
    total = 3000
    ingest(cli, write_events(tmp_path, "bulk.jsonl", builders.bulk_invoice_lines(total)), total)

    worker = start("worker", name="worker")
    wait_until_partly_applied(ledger, worker, total)
    worker.process.send_signal(signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL
    assert ledger.invoices() < total

    drain(cli)
    ledger.assert_exactly(total)


def test_host_app_publishing_to_the_exchange(env, tmp_path, amqp_url, amqp_namespace):
    cli, ledger, start = env
    drain(cli)  # the operator runs the worker first: it declares the exchanges and queues

    invoices = [builders.envelope("invoice-created", builders.invoice(f"H-{i}")) for i in range(20)]
    payment = builders.envelope("payment-received", builders.payment("H-PAY-1", "H-0", "50.00"))
    unknown_tenant = builders.envelope("invoice-created", builders.invoice("X-1"), tenant="nobody-here")
    bogus = {**builders.envelope("invoice-created", builders.invoice("BOGUS-1")), "type": "bogus-type"}
    messages = [("invoice-created.acme-plumbing", json.dumps(e)) for e in invoices]
    messages.append(("invoice-created.acme-plumbing", json.dumps(invoices[0])))  # redelivered by the host
    messages.append(("payment-received.acme-plumbing", json.dumps(payment)))
    messages.append(("invoice-created.nobody-here", json.dumps(unknown_tenant)))
    messages.append(("bogus-type.acme-plumbing", json.dumps(bogus)))

    # What a host app does: publish to <namespace>.events, persistent, without declaring anything.
    with Connection(amqp_url, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel())
        for routing_key, body in messages:
            producer.publish(body, exchange=f"{amqp_namespace}.events", routing_key=routing_key,
                             content_type="application/json", content_encoding="utf-8",
                             delivery_mode=2, declare=[])

    drain(cli)
    assert ledger.invoices() == 20
    assert ledger.processed() == 21  # 20 invoices + 1 payment; the redelivery was a duplicate
    status = cli.status()
    acme = status["tenants"]["acme-plumbing"]
    assert (acme["invoices"], acme["payments"]) == (20, 1)
    assert status["outbox_backlog"] == 0

    with ledger.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT source, routing_key, reason, body FROM dead_letters ORDER BY id")).mappings().all()
    by_key = {row["routing_key"]: row for row in rows}
    assert set(by_key) == {"bogus-type.acme-plumbing", "invoice-created.nobody-here"}, rows
    unroutable = by_key["bogus-type.acme-plumbing"]
    assert unroutable["source"] == f"{amqp_namespace}.deadletter"
    assert "unroutable" in unroutable["reason"]
    assert json.loads(unroutable["body"]) == bogus
    assert "nobody-here" in by_key["invoice-created.nobody-here"]["reason"]
    assert status["dead_letters"] == 2
