"""The whole path — ingest → outbox → bus → handlers → ledger → status — as one reusable test case.

Each backend (SQLite + memory://, PostgreSQL + RabbitMQ, …) subclasses :class:`PipelineContract`
and provides the ``app`` fixture, the way eventsourcing's recorder test cases are reused.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from kombu import Connection, Producer
from sqlmodel import func, select

from core.bus.topology import topology
from core.db.models import DeadLetter, ExternalLink, Invoice, InvoiceLine, Payment, ProcessedEvent, ReconciliationRun
from core.ingest import ingest_lines
from core.status import collect_status
from core.worker import Worker
from tests import builders

DONE_WHEN_EVENTS = 10_000


def drain(app) -> Worker:
    worker = Worker(app, until_idle=True, idle_seconds=0.3)
    worker.start()
    return worker


def publish_raw(app, body: str | bytes, routing_key: str) -> None:
    """What a host app does when it publishes to the bus itself."""
    with Connection(app.settings.broker.url) as connection:
        channel = connection.channel()
        layout = topology(app.settings.broker.namespace)
        layout.declare(channel)
        Producer(channel, exchange=layout.events).publish(
            body, routing_key=routing_key, content_type="application/json", content_encoding="utf-8",
            delivery_mode=2)


def count(app, model, *where) -> int:
    with app.session() as session:
        statement = select(func.count()).select_from(model)
        for clause in where:
            statement = statement.where(clause)
        return session.exec(statement).one()


class PipelineContract:
    """Behaviour every database + broker combination must show."""

    @pytest.fixture
    def app(self):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def test_events_reach_the_ledger_exactly(self, app):
        lines = [
            builders.line("invoice-created", builders.invoice("INV-1", quantity="3", unit_price="33.3333", tax="10.00")),
            builders.line("payment-received", builders.payment("PAY-1", "INV-1", amount="60.00", discount="0.50")),
            builders.line("invoice-created", builders.invoice("INV-2", contact="C-2"), tenant="northside-pest"),
            builders.line("reconciliation-requested", {"kind": "invoices", "from": "2026-11-01", "to": "2026-11-30",
                                                       "fix": False}),
        ]
        report = ingest_lines(app, lines, "test")
        assert (report.accepted, report.duplicates, report.rejected) == (4, 0, [])
        drain(app)

        with app.session() as session:
            invoice = session.exec(select(Invoice).where(Invoice.host_id == "INV-1")).one()
            assert invoice.total == Decimal("110.00") and invoice.tax_total == Decimal("10.00")
            line = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).one()
            assert line.unit_price == Decimal("33.3333") and line.line_amount == Decimal("100.00")
            payment = session.exec(select(Payment)).one()
            assert payment.amount == Decimal("60.00") and payment.discount == Decimal("0.50")
            assert payment.origin == "local" and payment.invoice_id == invoice.id
            links = session.exec(select(ExternalLink.document_type, ExternalLink.package, ExternalLink.state)
                                 .order_by(ExternalLink.tenant, ExternalLink.document_type)).all()
            assert sorted(links) == sorted([("contact", "xero", "pending"), ("invoice", "xero", "pending"),
                                            ("payment", "xero", "pending"), ("contact", "quickbooks", "pending"),
                                            ("invoice", "quickbooks", "pending")])
            run = session.exec(select(ReconciliationRun)).one()
            assert (run.kind, run.trigger, run.status) == ("invoices", "bus", "requested")

        status = collect_status(app)
        acme = status["tenants"]["acme-plumbing"]
        assert (acme["invoices"], acme["payments"], acme["pending"], acme["pushed"], acme["failed"]) == (1, 1, 3, 0, 0)
        assert status["tenants"]["northside-pest"]["invoices"] == 1
        assert status["dead_letters"] == 0 and status["outbox_backlog"] == 0

    def test_done_when_bulk_duplicates_and_malformed(self, app):
        """10,000 invoice-created + 100 repeated ids + 50 malformed lines → exactly 10,000 invoices."""
        lines = builders.bulk_invoice_lines(DONE_WHEN_EVENTS)
        rng = random.Random(7)
        repeats = rng.sample(lines, 100)
        malformed = [line[: len(line) // 2] for line in rng.sample(lines, 25)]
        malformed += [json.dumps({**json.loads(line), "schema_version": 2}) for line in rng.sample(lines, 25)]
        mixed = lines + repeats + malformed
        rng.shuffle(mixed)
        malformed_set = set(malformed)
        expected_bad = sorted(i for i, line in enumerate(mixed, start=1) if line in malformed_set)

        report = ingest_lines(app, mixed, "bulk.jsonl")
        assert report.accepted == DONE_WHEN_EVENTS
        assert report.duplicates == 100
        assert [r.line for r in report.rejected] == expected_bad
        assert all(r.reason for r in report.rejected)

        drain(app)
        assert count(app, Invoice) == DONE_WHEN_EVENTS
        assert count(app, ProcessedEvent) == DONE_WHEN_EVENTS
        status = collect_status(app)
        acme = status["tenants"]["acme-plumbing"]
        assert acme["invoices"] == DONE_WHEN_EVENTS
        assert acme["pending"] == DONE_WHEN_EVENTS + 200  # every invoice and each of the 200 contacts
        assert status["dead_letters"] == 0 and status["outbox_backlog"] == 0

        again = ingest_lines(app, lines[:500], "again.jsonl")
        assert (again.accepted, again.duplicates) == (0, 500)

    def test_same_event_on_the_bus_twice_has_effect_once(self, app):
        body = builders.line("invoice-created", builders.invoice("INV-9"))
        publish_raw(app, body, "invoice-created.acme-plumbing")
        publish_raw(app, body, "invoice-created.acme-plumbing")
        worker = drain(app)
        publish_raw(app, body, "invoice-created.acme-plumbing")
        second = drain(app)
        assert count(app, Invoice) == 1
        assert worker.stats.inbound.applied == 1 and worker.stats.inbound.duplicates == 1
        assert second.stats.inbound.duplicates == 1
        with app.session() as session:
            assert session.exec(select(Invoice)).one().version == 1

    def test_unhandleable_messages_are_dead_lettered_with_body_and_reason(self, app):
        good = builders.line("invoice-created", builders.invoice("INV-1"))
        cases = {
            "not json at all": "bad JSON",
            builders.line("invoice-created", builders.invoice("INV-2"), tenant="nobody"): "'nobody' is not in tenants.toml",
            builders.line("invoice-created", builders.invoice("INV-3"), tenant="paused-co"): "disabled",
            builders.line("payment-received", builders.payment("PAY-1", "NOPE")): "'NOPE', which is unknown",
            builders.line("invoice-created", {**builders.invoice("INV-4"), "total": "1.00"}): "does not agree with the lines",
            builders.line("invoice-voided", {"invoice_id": "INV-404"}): "'INV-404' is unknown",
        }
        for body in cases:
            publish_raw(app, body, "invoice-created.acme-plumbing")
        publish_raw(app, good, "invoice-created.acme-plumbing")
        drain(app)

        assert count(app, Invoice) == 1
        with app.session() as session:
            rows = session.exec(select(DeadLetter).order_by(DeadLetter.id)).all()
        assert len(rows) == len(cases)
        by_body = {row.body: row for row in rows}
        for body, reason in cases.items():
            assert reason in by_body[body].reason
            assert by_body[body].source == topology(app.settings.broker.namespace).inbound.name
        assert collect_status(app)["dead_letters"] == len(cases)

    def test_a_poison_message_does_not_hold_back_its_batch(self, app, monkeypatch):
        from core import handlers

        original = handlers.HANDLERS["invoice-created"]

        def explode_on_inv_13(event, ctx):
            if event.payload.invoice_id == "INV-13":
                raise RuntimeError("bug in a handler")
            return original(event, ctx)

        monkeypatch.setitem(handlers.HANDLERS, "invoice-created", explode_on_inv_13)
        lines = [builders.line("invoice-created", builders.invoice(f"INV-{i}")) for i in range(10, 20)]
        ingest_lines(app, lines, "test")
        drain(app)
        assert count(app, Invoice) == 9
        with app.session() as session:
            dead = session.exec(select(DeadLetter)).one()
        assert "INV-13" in dead.body and "handler failed" in dead.reason

    def test_dead_letters_replay_after_the_fix(self, app):
        from core.deadletters import discard, open_dead_letters, replay

        payment = builders.line("payment-received", builders.payment("PAY-1", "INV-LATE", amount="10.00"))
        ingest_lines(app, [payment, builders.line("invoice-voided", {"invoice_id": "NEVER"})], "early.jsonl")
        drain(app)
        letters = open_dead_letters(app)
        assert [l.event_type for l in letters] == ["payment-received", "invoice-voided"]

        ingest_lines(app, [builders.line("invoice-created", builders.invoice("INV-LATE"))], "late.jsonl")
        drain(app)
        assert replay(app, letters[:1]) == 1
        assert discard(app, letters[1:]) == 1
        drain(app)
        assert count(app, Payment) == 1
        assert open_dead_letters(app) == []
        assert collect_status(app)["dead_letters"] == 0
        assert len(open_dead_letters(app, include_closed=True)) == 2

    def test_a_json_lines_message_applies_each_line_and_dead_letters_only_the_bad_one(self, app):
        good = [builders.line("invoice-created", builders.invoice(f"INV-{i}")) for i in range(3)]
        bad = builders.line("invoice-created", {**builders.invoice("INV-BAD"), "total": "0.01"})
        with Connection(app.settings.broker.url) as connection:
            channel = connection.channel()
            layout = topology(app.settings.broker.namespace)
            layout.declare(channel)
            Producer(channel, exchange=layout.events).publish(
                "\n".join([good[0], bad, *good[1:]]), routing_key="invoice-created.acme-plumbing",
                content_type="application/x-ndjson", content_encoding="utf-8", delivery_mode=2)
        drain(app)
        assert count(app, Invoice) == 3
        with app.session() as session:
            dead = session.exec(select(DeadLetter)).one()
        assert dead.body == bad and "does not agree with the lines" in dead.reason
