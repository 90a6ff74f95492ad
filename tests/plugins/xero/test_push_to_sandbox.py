"""Ledger → pusher → Xero connector → the Xero sandbox over loopback, connected with OAuth.

The issue's yardstick: 500 invoices, 100 bills and 300 payments pushed exactly once with correct
amounts, in ≤ 30 API calls for the invoices, with zero 429s, and every body the plugin sent valid
against Xero's OpenAPI schema.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.inbound import Inbound, InboundProcessor
from core.sandbox.serve import start_in_thread
from core.sync import Pusher
from plugins.xero.sandbox import XeroSandbox
from tests.builders import contact_data, envelope, invoice_data, line_data, payment_data

from . import spec
from .ledger import connect, xero_app

SCHEMAS = {"Invoices": "Invoice", "Contacts": "Contact", "Payments": "Payment"}


@pytest.fixture(autouse=True)
def fresh_limiter():
    """The client-side limiter is per process; every sandbox has the same organisation id."""
    from plugins.xero import LIMITER

    LIMITER.reset()


@pytest.fixture
def sandbox():
    return XeroSandbox()


@pytest.fixture
def server(sandbox):
    with start_in_thread(sandbox.app) as running:
        yield running


@pytest.fixture
def app(tmp_path, sandbox, server):
    application, creds = xero_app(tmp_path, sandbox, server.url)
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
        lines=[line_data(quantity="3", unit_price=f"{40 + i % 7}.35", tax_amount=str(
            (Decimal(3) * Decimal(f"{40 + i % 7}.35") / 10).quantize(Decimal("0.01"))), tax_code="OUTPUT")]),
        tenant="acme") for i in range(count)]


def bills(count: int) -> list[dict]:
    return [envelope("invoice-created", invoice_data(
        f"B{i}", number=f"SUP-{i % 20}", ledger="purchase", contact=contact_data(f"S-{i % 10}", f"Supplier {i % 10}"),
        issue_date="2026-11-03", due_date="2026-12-01",
        lines=[line_data(description="Pipe", quantity="1", unit_price="99.99", tax_amount="10.00",
                         account_code="400", tax_code="INPUT")]),
        tenant="acme") for i in range(count)]


def payments(count: int, totals: dict[str, Decimal]) -> list[dict]:
    events = []
    for i in range(count):
        amount = totals[f"I{i}"] if i % 3 else (totals[f"I{i}"] / 2).quantize(Decimal("0.01"))
        events.append(envelope("payment-received", payment_data(f"P{i}", f"I{i}", str(amount), date="2026-11-10"),
                               tenant="acme"))
    return events


def test_invoices_bills_and_payments_arrive_once_in_few_calls(app, sandbox):
    sales = invoices(500)
    totals = {e["data"]["invoice_id"]: Decimal(e["data"]["total"]) for e in sales}
    apply(app, sales + bills(100) + payments(300, totals))

    report = Pusher(app).push("acme")
    assert report.failed == {} and report.waiting == {}, report.errors[:5]
    assert dict(report.pushed) == {"contact": 60, "invoice": 600, "payment": 300}

    ledger = sandbox.ledger()
    remote = {i.number: i for i in ledger.invoices.values() if i.type == "ACCREC"}
    assert len(remote) == 500
    assert all(remote[f"INV-{i:04d}"].total == totals[f"I{i}"] for i in range(500)), "totals as computed locally"
    assert sum(1 for i in ledger.invoices.values() if i.type == "ACCPAY") == 100
    assert len([p for p in ledger.payments.values() if p.status == "AUTHORISED"]) == 300
    paid = sum(1 for i in remote.values() if i.status == "PAID")
    assert paid == 200, "two thirds paid in full"
    assert len(ledger.contacts) == 60

    invoice_calls = [e for e in sandbox.requests.all() if e.path.endswith("/Invoices")]
    assert len(invoice_calls) == 12, "600 invoices and bills in batches of 50, no lookups for first sends"
    assert not sandbox.requests.find(status=429), "the client-side limiter keeps under Xero's limits"
    for exchange in sandbox.requests.all():
        if exchange.method in ("PUT", "POST") and isinstance(exchange.body, dict):
            for collection, schema in SCHEMAS.items():
                for element in exchange.body.get(collection, []):
                    spec.assert_valid(element, schema, strict=True)

    again = Pusher(app).push("acme")
    assert again.total_pushed == 0 and len(sandbox.ledger().invoices) == 600
