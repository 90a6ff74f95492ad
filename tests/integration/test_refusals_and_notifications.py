"""Unsupported requests from the bus are refused by name, and the refusal is published as a
``reconciliation-completed`` notification; plugins observe every event; the worker pushes by itself."""

from __future__ import annotations

import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from sqlmodel import select

from core.bootstrap import bootstrap
from core.bus.topology import topology
from core.db.migrate import upgrade
from core.db.models import OutboxMessage, ReconciliationRun
from core.events.parse import parse_event
from core.events.schemas import envelope_schema
from core.inbound import Inbound, InboundProcessor
from core.plugins import hookimpl, load_plugins
from core.worker import Worker
from tests import fakebooks
from tests.builders import envelope, invoice, reconciliation_data
from tests.conftest import write_config

TENANTS = """
[tenants.corner-shop]
name = "Corner Shop"
base_currency = "AUD"
accounting = "myob"
edition = "essentials"
[tenants.corner-shop.myob]
business_id = "7c8e"

[tenants.shop]
name = "Shop"
base_currency = "AUD"
accounting = "fakebooks"
"""


class Watcher:
    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    @hookimpl
    def ledgerbridge_event(self, tenant, event):
        self.seen.append((tenant, event["type"]))


class Broken:
    @hookimpl
    def ledgerbridge_event(self, tenant, event):
        raise RuntimeError("observer bug")


def make(tmp_path, database_url, broker_url="memory://", namespace="ledgerbridge", extra=()):
    directory = write_config(tmp_path / "config", database_url, broker_url, tenants=TENANTS, namespace=namespace)
    application = bootstrap(directory, plugins=load_plugins(env={}, extra=list(extra)), env={}, configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    return application


def request(kind="invoices", tenant="corner-shop"):
    return envelope("reconciliation-requested", reconciliation_data(kind=kind), tenant=tenant)


def test_a_reconciliation_the_edition_cannot_do_is_refused_and_announced(tmp_path):
    watcher = Watcher()
    app = make(tmp_path, f"sqlite:///{tmp_path / 'l.db'}",
               extra=[("watcher", watcher), ("broken", Broken()), *fakebooks.register(fakebooks.FakeBooks())])
    event = request()
    outcome = InboundProcessor(app.settings, app.session, app.plugins).process([Inbound(json.dumps(event), "test")])
    assert outcome.applied == 1 and outcome.dead_lettered == 0
    with app.session() as session:
        (run,) = session.exec(select(ReconciliationRun)).all()
        notice = session.exec(select(OutboxMessage).where(OutboxMessage.event_type == "reconciliation-completed")).one()
    assert run.status == "refused"
    assert run.reason == ("tenant 'corner-shop' uses myob edition 'essentials', which does not support "
                          "reconcile_invoices (run the invoice reconciliation report)")
    assert notice.routing_key == "reconciliation-completed.corner-shop"
    body = json.loads(notice.body)
    assert body["data"]["status"] == "refused" and body["data"]["reason"] == run.reason
    assert body["data"]["requested_by"] == event["id"]
    import jsonschema

    jsonschema.validate(body, envelope_schema("reconciliation-completed"))
    assert watcher.seen == [("corner-shop", "reconciliation-requested"), ("corner-shop", "reconciliation-completed")], \
        "observers see the event, then what it caused; a failing observer stops nothing"
    app.close()


def test_a_supported_reconciliation_is_recorded_as_requested(tmp_path):
    app = make(tmp_path, f"sqlite:///{tmp_path / 'l.db'}", extra=fakebooks.register(fakebooks.FakeBooks()))
    InboundProcessor(app.settings, app.session, app.plugins).process(
        [Inbound(json.dumps(request(tenant="shop")), "test")])
    with app.session() as session:
        (run,) = session.exec(select(ReconciliationRun)).all()
        assert session.exec(select(OutboxMessage).where(OutboxMessage.event_type == "reconciliation-completed")
                            ).first() is None
    assert run.status == "requested" and run.reason is None
    app.close()


def test_refusal_reaches_a_queue_bound_to_the_notifications_exchange(tmp_path, amqp_url, amqp_namespace, pg_url):
    books = fakebooks.FakeBooks()
    app = make(tmp_path, pg_url, amqp_url, amqp_namespace, extra=fakebooks.register(books))
    exchange = Exchange(f"{amqp_namespace}.notifications", type="topic", durable=True)
    listener = Queue(f"{amqp_namespace}.listener-{uuid.uuid4().hex[:6]}", exchange, routing_key="#",
                     auto_delete=True)
    received = []
    with Connection(amqp_url) as connection:
        topology(amqp_namespace).declare(connection.channel())  # as a worker would on start
        listener(connection.channel()).declare()  # the host app's own queue
        with connection.Producer() as producer:
            for event in (request(), envelope("invoice-created", invoice("INV-9"), tenant="shop")):
                producer.publish(json.dumps(event), exchange=topology(amqp_namespace).events, declare=[
                    topology(amqp_namespace).events], routing_key=f"{event['type']}.{event['tenant']}",
                    content_type="application/json", delivery_mode=2)
        stats = Worker(app, until_idle=True, idle_seconds=0.5).start()
        with connection.SimpleQueue(listener) as queue:
            while True:
                try:
                    message = queue.get(timeout=2)
                except queue.Empty:
                    break
                received.append(json.loads(message.body))
                message.ack()
    assert stats.inbound.applied == 2
    assert [m["type"] for m in received] == ["reconciliation-completed"]
    assert received[0]["data"]["status"] == "refused" and received[0]["tenant"] == "corner-shop"
    assert stats.pushed == 2 and [i.number for i in books.invoices.values()] == ["INV-9"], \
        "the worker pushed the new invoice (and its contact) by itself"
    with app.session() as session:
        assert session.exec(select(OutboxMessage).where(OutboxMessage.published_at.is_(None))).first() is None
    app.close()


def test_notification_types_are_not_accepted_as_host_events():
    notice = envelope("reconciliation-completed", {"kind": "invoices", "from": "2026-03-01", "to": "2026-03-31",
                                                   "status": "refused"})
    with pytest.raises(Exception, match="type"):
        parse_event(json.dumps(notice))
