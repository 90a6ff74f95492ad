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
    assert report.pushed["contact"] == 1 and report.waiting["invoice"] == 1
    assert report.held_until is not None, "the outage holds the connection back: the run stops"
    state = links(app)
    assert state["invoice", "INV-1"].attempts == 1 and "maintenance" in state["invoice", "INV-1"].last_error
    assert state["payment", "PAY-1"].state == "pending" and state["payment", "PAY-1"].remote_id is None
    assert not books.payments and "push_payments" not in [c[0] for c in books.calls]
    again = pusher.push("shop")
    assert again.total_pushed == 0 and again.skipped.startswith("connection"), "nothing is sent while held back"

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


def test_one_documents_own_transient_error_follows_its_own_schedule(app, books, pusher, clock):
    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    books.failures = ["element_transient"] * 3
    waits = []
    for _ in range(3):
        pusher.push("shop")
        link = links(app)["contact", "C-1"]
        assert link.state == "pending" and link.last_error == "try again shortly"
        waits.append(link.next_attempt_at - clock.now)
        clock.now = link.next_attempt_at
    assert timedelta(seconds=45) < waits[0] < waits[1] < waits[2] < timedelta(minutes=6), "1, 2, 4 minutes ± 20 %"
    assert pusher.push("shop").pushed == {"contact": 1, "invoice": 1}


def test_an_outage_trips_the_breaker_and_a_probe_reopens_it(app, books, pusher, clock):
    from core.db.models import ConnectionHealth

    apply(app, *[envelope("invoice-created", invoice(f"INV-{n}", contact=f"C-{n}"), tenant="shop") for n in range(3)])
    books.failures = ["transient"] * 5  # three failed calls trip the breaker; two probes fail too
    for expected in ("up", "up", "down"):
        report = pusher.push("shop")
        assert report.total_pushed == 0 and report.held_until is not None
        with app.session() as session:
            health = session.get(ConnectionHealth, ("shop", "fakebooks"))
        assert health.state == expected and "maintenance" in health.last_error
        calls = len(books.calls)
        held = pusher.push("shop")
        assert held.skipped.startswith("connection") and len(books.calls) == calls, "nothing sent while held"
        clock.now = health.hold_until
    calls = len(books.calls)
    for _ in range(2):  # down: only probes go out, no documents
        report = pusher.push("shop")
        assert report.skipped.startswith("connection still down") and len(books.calls) == calls
        with app.session() as session:
            health = session.get(ConnectionHealth, ("shop", "fakebooks"))
        clock.now = health.hold_until
    assert health.failures == 5 and health.state == "down"
    assert health.hold_until - health.last_failure_at >= timedelta(seconds=30 * 2 ** 4), "probes back off"
    report = pusher.push("shop")  # the probe answers: the backlog drains in one run, in order
    assert dict(report.pushed) == {"contact": 3, "invoice": 3}
    assert [c[0] for c in books.calls[calls:]] == ["push_contacts", "push_invoices"]
    with app.session() as session:
        health = session.get(ConnectionHealth, ("shop", "fakebooks"))
    assert (health.state, health.failures, health.hold_until) == ("up", 0, None)


def test_a_rate_limit_holds_the_connection_without_counting_as_a_failure(app, books, pusher, clock):
    from core.db.models import ConnectionHealth

    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    books.failures = ["rate_limited"]
    report = pusher.push("shop")
    assert report.held_until == clock.now + timedelta(seconds=90)
    with app.session() as session:
        health = session.get(ConnectionHealth, ("shop", "fakebooks"))
    assert (health.state, health.failures, health.rate_limited) == ("up", 0, True)
    clock.now += timedelta(seconds=89)
    assert pusher.push("shop").skipped.startswith("connection rate limited")
    clock.now += timedelta(seconds=1)
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


def test_retry_failed_after_a_fix_pushes_once_and_looks_it_up_first(app, books, pusher, clock):
    from core.requeue import NothingToRetry, requeue

    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"),
          envelope("invoice-created", invoice("INV-2"), tenant="shop"))
    books.failures = [None, "permanent"]  # the account code is wrong in the package
    pusher.push("shop")
    assert {k: l.state for k, l in links(app).items() if k[0] == "invoice"} == {
        ("invoice", "INV-1"): "failed", ("invoice", "INV-2"): "failed"}
    assert requeue(app, "shop", now=clock.now).total == 0, "without --failed, failed documents stay failed"
    result = requeue(app, "shop", failed=True, document="INV-2", now=clock.now)
    assert dict(result.failed) == {"invoice": 1} and links(app)["invoice", "INV-1"].state == "failed"
    seen = []
    real = fakebooks.FakeConnector.push_invoices
    fakebooks.FakeConnector.push_invoices = lambda self, docs: seen.extend(d.previous_attempts for d in docs) or real(self, docs)
    try:
        assert pusher.push("shop").pushed == {"invoice": 1}
    finally:
        fakebooks.FakeConnector.push_invoices = real
    assert seen == [1], "the earlier attempt is known: the connector looks the document up first"
    assert requeue(app, "shop", failed=True, now=clock.now).failed == {"invoice": 1}
    assert pusher.push("shop").pushed == {"invoice": 1} and len(books.invoices) == 2
    with pytest.raises(NothingToRetry, match="no document 'NOPE'"):
        requeue(app, "shop", document="NOPE")


def test_retry_makes_waiting_documents_due_and_lifts_the_hold(app, books, pusher, clock):
    from core.requeue import requeue

    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    books.failures = ["transient"]
    assert pusher.push("shop").held_until is not None
    assert pusher.push("shop").skipped.startswith("connection")
    result = requeue(app, "shop", now=clock.now)
    assert result.hold_lifted and dict(result.waiting) == {"contact": 1}
    with app.session() as session:
        notices = session.exec(select(OutboxMessage).where(OutboxMessage.event_type == "sync-requested")).all()
    assert json.loads(notices[-1].body)["data"] == {"package": "fakebooks", "reason": "retry"}
    assert pusher.push("shop").pushed == {"contact": 1, "invoice": 1}


def test_retry_leaves_documents_in_flight_alone(app, books, pusher, clock):
    from core.requeue import requeue

    apply(app, envelope("invoice-created", invoice("INV-1"), tenant="shop"))
    assert pusher._claim([links(app)["contact", "C-1"].id])  # another worker is sending it
    assert requeue(app, "shop", now=clock.now).total == 0
    assert pusher._claim([links(app)["contact", "C-1"].id]) == [], "nobody claims it twice"


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
