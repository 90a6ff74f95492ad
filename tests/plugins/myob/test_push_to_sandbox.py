"""Ledger → pusher → MYOB connector → the MYOB sandbox over loopback, connected with OAuth.

The issue's yardstick: 500 invoices, 100 bills and 300 payments pushed exactly once, with MYOB's
totals equal to the local ones — here every invoice's local tax is rounded half-even per line,
a cent below MYOB's per-document half-up rounding, so each one needs the rounding pair. MYOB
takes one document per call; by default the test raises the per-second limit (sandbox and client
limiter) to run quickly; ``MYOB_PACED=1`` keeps MYOB's 8 calls/s and lets the limiter pace it.
"""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal

import pytest

from core.inbound import Inbound, InboundProcessor
from core.sandbox.serve import start_in_thread
from core.sync import Pusher
from plugins.myob.sandbox import MyobSandbox
from tests.builders import contact_data, envelope, invoice_data, line_data, payment_data

from .ledger import connect, myob_app

PACED = os.environ.get("MYOB_PACED") == "1"


@pytest.fixture(autouse=True)
def limiter():
    """The client-side limiter is per process, keyed by API key; raised unless the run is paced."""
    from plugins.myob import LIMITER

    published = LIMITER.limits
    if not PACED:
        LIMITER.limits = published.with_changes(per_second=10_000, per_minute=1_000_000, concurrent=100)
    LIMITER.reset()
    yield LIMITER
    LIMITER.limits = published
    LIMITER.reset()


@pytest.fixture
def sandbox():
    return MyobSandbox() if PACED else MyobSandbox(limits={"per_second": 100_000})


@pytest.fixture
def server(sandbox):
    with start_in_thread(sandbox.app) as running:
        yield running


@pytest.fixture
def app(tmp_path, sandbox, server):
    application, creds = myob_app(tmp_path, sandbox, server.url)
    connect(application, creds["refresh_token"])
    yield application
    application.close()


def apply(application, events):
    processor = InboundProcessor(application.settings, application.session)
    for start in range(0, len(events), 200):
        outcome = processor.process([Inbound(json.dumps(e), "test") for e in events[start:start + 200]])
        assert outcome.dead_lettered == 0, outcome.reasons


def invoices(count: int) -> list[dict]:
    return [envelope("invoice-created", invoice_data(
        f"I{i}", number=f"INV-{i:04d}", contact=contact_data(f"C-{i % 50}", f"Customer {i % 50}"),
        issue_date="2026-11-02", due_date="2026-11-16",
        lines=[line_data(quantity="3", unit_price=f"{40 + i % 7}.35", account_code="4-1000", tax_code="GST",
                         tax_amount=str((Decimal(3) * Decimal(f"{40 + i % 7}.35") / 10).quantize(Decimal("0.01"))))]),
        tenant="acme") for i in range(count)]


def bills(count: int) -> list[dict]:
    return [envelope("invoice-created", invoice_data(
        f"B{i}", number=f"SUP-{i % 20}", ledger="purchase", contact=contact_data(f"S-{i % 10}", f"Supplier {i % 10}"),
        issue_date="2026-11-03", due_date="2026-12-01",
        lines=[line_data(description="Pipe", quantity="1", unit_price="99.99", tax_amount="10.00",
                         account_code="6-1000", tax_code="GST")]),
        tenant="acme") for i in range(count)]


def payments(count: int, totals: dict[str, Decimal]) -> list[dict]:
    events = []
    for i in range(count):
        amount = totals[f"I{i}"] if i % 3 else (totals[f"I{i}"] / 2).quantize(Decimal("0.01"))
        events.append(envelope("payment-received", payment_data(f"P{i}", f"I{i}", str(amount), date="2026-11-10",
                                                                account_code="1-1110"), tenant="acme"))
    return events


def test_invoices_bills_and_payments_arrive_once_with_local_totals(app, sandbox, capsys):
    sales = invoices(500)
    totals = {e["data"]["invoice_id"]: Decimal(e["data"]["total"]) for e in sales}
    apply(app, sales + bills(100) + payments(300, totals))

    started = time.monotonic()
    report = Pusher(app).push("acme")
    elapsed = time.monotonic() - started
    assert report.failed == {} and report.waiting == {}, report.errors[:5]
    assert dict(report.pushed) == {"contact": 60, "invoice": 600, "payment": 300}

    business = sandbox.business()
    remote = {s.number: s for s in business.sales.values() if s.ledger == "sale"}
    assert len(remote) == 500
    assert all(remote[f"INV-{i:04d}"].total == totals[f"I{i}"] for i in range(500)), "MYOB's totals = local totals"
    assert sum(1 for s in business.sales.values() if s.ledger == "purchase") == 100
    assert len(business.payments) == 300
    assert sum(1 for s in remote.values() if s.balance_due == 0) == 200, "two thirds paid in full"
    assert len(business.contacts) == 60

    calls = sandbox.requests.all()
    api_calls = [e for e in calls if "/accountright/" in e.path]
    assert not [e for e in api_calls if e.status == 403], "the client-side limiter keeps under MYOB's limit"
    with capsys.disabled():
        print(f"\nMYOB push: 60 cards, 600 documents, 300 payments in {len(api_calls)} API calls, "
              f"{elapsed:.1f} s ({'paced at 8/s' if PACED else 'limit raised'})")

    again = Pusher(app).push("acme")
    assert again.total_pushed == 0 and len(sandbox.business().sales) == 600
