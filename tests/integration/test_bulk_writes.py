"""New rows written in bulk (COPY on PostgreSQL, executemany on SQLite) and id-list lookups."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import select

from core.bus.relay import OutboxRelay, RelayThread
from core.bus.topology import topology
from core.db.build import build
from core.db.engine import planned_for_values
from core.db.models import Contact, Invoice, InvoiceLine
from core.repository import SqlRepository
from core.worker import Worker

TENANT = "acme-plumbing"
AEST = timezone(timedelta(hours=10))


@pytest.fixture(params=["sqlite", "postgres"])
def app(request):
    return request.getfixturevalue("sqlite_app" if request.param == "sqlite" else "pg_app")


def _invoice(host_id: str, contact: Contact, subtotal: str = "1234567.8901") -> Invoice:
    line = build(InvoiceLine, position=0, description="Labour", quantity=Decimal("0.0001"),
                 unit_price=Decimal(subtotal), line_amount=Decimal("123.4568"), account_code="200",
                 tax_amount=Decimal("0"))
    return build(Invoice, tenant=TENANT, host_id=host_id, number=host_id, ledger="sales", contact=contact,
                 issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31), accounting_date=date(2026, 3, 2),
                 currency="AUD", amounts_are="no_tax", subtotal=Decimal(subtotal), tax_total=Decimal("0"),
                 total=Decimal(subtotal), status="authorised", last_event_id="e", lines=[line],
                 created_at=datetime(2026, 3, 14, 19, 30, tzinfo=AEST), updated_at=datetime(2026, 3, 14, 9, 30, tzinfo=UTC))


def test_new_rows_are_stored_exactly(app):
    with app.session() as session, session.begin():
        repo = SqlRepository(session)
        contact = build(Contact, tenant=TENANT, host_id="C-1", name="Bob", is_customer=True)
        for obj in (contact, _invoice("INV-1", contact), _invoice("INV-2", contact, "0.0001")):
            repo.add(obj)
        repo.save()
    with app.session() as session:
        invoices = session.exec(select(Invoice).order_by(Invoice.host_id)).all()
        assert [i.subtotal for i in invoices] == [Decimal("1234567.8901"), Decimal("0.0001")]
        assert all(i.contact.host_id == "C-1" for i in invoices)
        assert invoices[0].created_at == invoices[0].updated_at == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
        lines = [line for i in invoices for line in i.lines]
        assert [(l.quantity, l.unit_price, l.invoice_id) for l in lines] == [
            (Decimal("0.0001"), Decimal("1234567.8901"), invoices[0].id), (Decimal("0.0001"), Decimal("0.0001"), invoices[1].id)]


@pytest.mark.parametrize("subtotal", [Decimal("1.00001"), 1.5])
def test_money_that_does_not_fit_is_refused_not_rounded(app, subtotal):
    with pytest.raises((ValueError, TypeError, StatementError)):
        with app.session() as session, session.begin():
            repo = SqlRepository(session)
            contact = build(Contact, tenant=TENANT, host_id="C-1", name="Bob")
            invoice = _invoice("INV-1", contact)
            invoice.subtotal = subtotal
            repo.add(contact)
            repo.add(invoice)
            repo.save()
    with app.session() as session:
        assert session.exec(select(Invoice)).all() == []


def test_id_list_lookups_get_plans_of_their_own_and_writes_do_not(pg_app):
    with pg_app.session() as session, session.begin():
        show = text("SHOW plan_cache_mode")
        default = session.execute(show).scalar_one()
        with planned_for_values(session):
            assert session.execute(show).scalar_one() == "force_custom_plan"
        assert session.execute(show).scalar_one() == default


@pytest.mark.rabbitmq
def test_a_relay_bug_stops_the_relay_thread_and_says_so(amqp_url, amqp_namespace):
    def broken_session():
        raise RuntimeError("a bug")

    failed = threading.Event()
    relay = RelayThread(amqp_url, topology(amqp_namespace), broken_session, batch_size=10, interval=0.01,
                        run=lambda call: call(), on_published=lambda count: None, on_error=failed.set)
    relay.start()
    assert failed.wait(10)
    relay.stop()
    assert isinstance(relay.error, RuntimeError)


@pytest.mark.rabbitmq
def test_a_relay_bug_stops_the_worker_with_the_error(pg_amqp_app, monkeypatch):
    def broken(self):
        raise RuntimeError("a bug in the relay")

    monkeypatch.setattr(OutboxRelay, "publish_pending", broken)
    with pytest.raises(RuntimeError, match="a bug in the relay"):
        Worker(pg_amqp_app, until_idle=True, idle_seconds=0.2).start()
