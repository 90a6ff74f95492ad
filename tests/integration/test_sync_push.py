"""Pushing pending documents through a connector (FakeBooks) on the SQLite ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from core.bootstrap import bootstrap
from core.db.migrate import upgrade
from core.db.models import ExternalLink, OutboxMessage, utcnow
from core.inbound import Inbound, InboundProcessor
from core.plugins import load_plugins
from core.sync import Pusher
from tests import fakebooks
from tests.builders import envelope, invoice, payment
from tests.conftest import write_config

TENANTS = """
[tenants.shop]
name = "Shop"
accounting = "fakebooks"
base_currency = "AUD"

[tenants.other]
name = "Other"
accounting = "fakebooks"
base_currency = "AUD"

[tenants.lite]
name = "Lite"
accounting = "fakebooks"
edition = "lite"
base_currency = "AUD"
"""


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def books():
    return fakebooks.FakeBooks()


@pytest.fixture
def app(tmp_path, books):
    directory = write_config(tmp_path / "config", f"sqlite:///{tmp_path / 'ledger.db'}", tenants=TENANTS)
    application = bootstrap(directory, plugins=load_plugins(env={}, extra=fakebooks.register(books)), env={},
                            configure_logs=False)
    upgrade(application.engine)
    application.sync_tenants()
    yield application
    application.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def pusher(app, clock):
    return Pusher(app, now=clock)


def apply(app, *events):
    outcome = InboundProcessor(app.settings, app.session).process(
        [Inbound(json.dumps(event), "test") for event in events])
    assert outcome.dead_lettered == 0, outcome.reasons


def links(app, tenant="shop") -> dict[tuple[str, str], ExternalLink]:
    with app.session() as session:
        rows = session.exec(select(ExternalLink).where(ExternalLink.tenant == tenant)).all()
    return {(row.document_type, row.document_host_id): row for row in rows}


def test_documents_arrive_once_in_dependency_order(app, books, pusher):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"),
          envelope("invoice-created", invoice("INV-2", contact="C-2"), tenant="shop"),
          envelope("payment-received", payment("PAY-1", "INV-1", "50.00"), tenant="shop"))
    report = pusher.push("shop")
    assert dict(report.pushed) == {"contact": 2, "invoice": 2, "payment": 1}
    assert [call[0] for call in books.calls] == ["push_contacts", "push_invoices", "push_payments"]
    state = links(app)
    assert {link.state for link in state.values()} == {"pushed"}
    assert all(link.remote_id for link in state.values())
    assert len(books.invoices) == 2 and len(books.payments) == 1
    remote_invoice = books.invoices[state["invoice", "INV-1"].remote_id]
    assert remote_invoice.total == remote_invoice.subtotal + remote_invoice.tax_total
    assert remote_invoice.contact.remote_id == state["contact", "C-1"].remote_id
    assert pusher.push("shop").total_pushed == 0  # nothing left: nothing sent again
    assert len(books.calls) == 3


def test_a_payment_waits_for_its_invoice(app, books, pusher, clock):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"),
          envelope("payment-received", payment("PAY-1", "INV-1"), tenant="shop"))
    books.failures = [None, "transient"]  # contacts pass; the invoice call meets an outage
    report = pusher.push("shop")
    assert report.pushed["contact"] == 1 and report.waiting["invoice"] == 1 and report.waiting["payment"] == 1
    state = links(app)
    assert state["invoice", "INV-1"].attempts == 1 and "maintenance" in state["invoice", "INV-1"].last_error
    assert state["payment", "PAY-1"].last_error == "waiting for invoice INV-1"
    assert not books.payments and "push_payments" not in [c[0] for c in books.calls]
    assert pusher.push("shop").total_pushed == 0, "nothing is due before the next attempt time"

    clock.now += timedelta(hours=1)
    report = pusher.push("shop")
    assert dict(report.pushed) == {"invoice": 1, "payment": 1}
    assert {link.state for link in links(app).values()} == {"pushed"}


def test_transient_trouble_backs_off_and_never_drops(app, books, pusher, clock):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    books.failures = ["transient"] * 3
    waits = []
    for _ in range(3):
        pusher.push("shop")
        link = links(app)["contact", "C-1"]
        assert link.state == "pending"
        waits.append(link.next_attempt_at - clock.now)
        clock.now = link.next_attempt_at
    assert waits[0] < waits[1] < waits[2], "exponential backoff"
    assert pusher.push("shop").pushed == {"contact": 1, "invoice": 1}


def test_rejection_fails_with_the_package_text_and_is_not_retried(app, books, pusher, clock):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    pusher.push("shop")  # contact and invoice in
    apply(app, envelope("invoice-created", invoice("INV-2"), tenant="shop"))
    books.failures = ["permanent"]
    report = pusher.push("shop")
    assert report.failed["invoice"] == 1
    link = links(app)["invoice", "INV-2"]
    assert link.state == "failed" and link.last_error == "A validation error occurred: Account code is invalid"
    with app.session() as session:
        (notice,) = session.exec(select(OutboxMessage).where(OutboxMessage.event_type == "push-failed")).all()
    assert notice.routing_key == "push-failed.shop"
    assert json.loads(notice.body)["data"] == {"document_type": "invoice", "document_id": "INV-2",
                                               "package": "fakebooks", "attempts": 1,
                                               "message": "A validation error occurred: Account code is invalid"}
    clock.now += timedelta(days=1)
    assert pusher.push("shop").total_pushed == 0
    assert len(books.invoices) == 1


def test_void_before_push_sends_nothing_and_void_after_push_voids(app, books, pusher):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"),
          envelope("invoice-voided", {"invoice_id": "INV-1"}, tenant="shop"),
          envelope("invoice-created", invoice("INV-2"), tenant="shop"))
    pusher.push("shop")
    assert [i.number for i in books.invoices.values()] == ["INV-2"]
    assert links(app)["invoice", "INV-1"].state == "pushed" and links(app)["invoice", "INV-1"].remote_id is None

    apply(app, envelope("invoice-voided", {"invoice_id": "INV-2"}, tenant="shop"))
    pusher.push("shop")
    assert [i.status for i in books.invoices.values()] == ["voided"]
    assert books.calls[-1][0] == "void_invoices"


def test_an_update_after_push_updates_the_same_remote_document(app, books, pusher):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    pusher.push("shop")
    apply(app, envelope("invoice-updated", invoice("INV-1", quantity="3", tax="16.65"), tenant="shop"))
    assert links(app)["invoice", "INV-1"].state == "pending"
    pusher.push("shop")
    (remote,) = books.invoices.values()
    assert remote.total == remote.subtotal + remote.tax_total and remote.lines[0].quantity == 3
    assert links(app)["invoice", "INV-1"].pushed_version == 2


def test_what_the_edition_cannot_do_fails_with_a_clear_reason(app, books, pusher):
    apply(app, envelope("invoice-created", invoice("BILL-1", ledger="purchase", contact="S-1"), tenant="lite"),
          envelope("invoice-created", invoice("INV-1"), tenant="lite"))
    report = pusher.push("lite")
    state = links(app, "lite")
    assert state["invoice", "INV-1"].state == "pushed"
    bill = state["invoice", "BILL-1"]
    assert bill.state == "failed"
    assert bill.last_error == ("tenant 'lite' uses fakebooks edition 'lite', which does not support push_bills "
                               "(create bills (purchase invoices) and their suppliers)")
    assert report.failed["invoice"] == 1 and [i.number for i in books.invoices.values()] == ["INV-1"]


def test_a_connector_sees_only_its_own_tenant(app, books, pusher):
    apply(app, envelope("invoice-created", invoice("A-1"), tenant="shop"),
          envelope("invoice-created", invoice("B-1", contact="C-9"), tenant="other"))
    pusher.push("shop")
    assert {call[1] for call in books.calls} == {"shop"}
    assert [i.host_id for i in books.invoices.values()] == ["A-1"]
    pusher.push("other")
    assert [call[1] for call in books.calls][-2:] == ["other", "other"]
    assert sorted(i.host_id for i in books.invoices.values()) == ["A-1", "B-1"]


def test_a_tenant_without_a_connector_is_skipped_with_a_reason(app, pusher):
    report = pusher.push("nobody")
    assert report.skipped and "unknown tenant 'nobody'" in report.skipped


def test_a_plugin_bug_leaves_documents_pending(app, books, pusher, monkeypatch):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    monkeypatch.setattr(fakebooks.FakeConnector, "push_contacts", lambda self, contacts: 1 / 0)
    report = pusher.push("shop")
    link = links(app)["contact", "C-1"]
    assert link.state == "pending" and "ZeroDivisionError" in link.last_error
    assert report.waiting == {"contact": 1, "invoice": 1}


def test_a_send_cut_short_by_a_crash_is_looked_up_next_time(app, books, pusher, clock, monkeypatch):
    """The attempt is counted before sending: after a crash the next run says 'maybe already there'."""
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    pusher.push("shop")  # contact in
    apply(app, envelope("invoice-created", invoice("INV-2"), tenant="shop"))
    real = fakebooks.FakeConnector.push_invoices
    seen = []

    def crash_after_sending(self, invoices):
        seen.extend(i.previous_attempts for i in invoices)
        real(self, invoices)
        raise KeyboardInterrupt  # the process dies before the outcome is recorded

    monkeypatch.setattr(fakebooks.FakeConnector, "push_invoices", crash_after_sending)
    with pytest.raises(KeyboardInterrupt):
        pusher.push("shop")
    link = links(app)["invoice", "INV-2"]
    assert link.state == "pending" and link.attempts == 1 and link.next_attempt_at > clock.now
    assert pusher.push("shop").total_pushed == 0, "leased: not due again at once"

    monkeypatch.setattr(fakebooks.FakeConnector, "push_invoices",
                        lambda self, invoices: seen.extend(i.previous_attempts for i in invoices) or real(self, invoices))
    clock.now += timedelta(minutes=11)
    assert pusher.push("shop").pushed == {"invoice": 1}
    assert seen == [0, 1], "the first send is known to be new; the resend is marked as possibly there"
    assert [i.number for i in books.invoices.values()] == ["INV-1", "INV-2"]
